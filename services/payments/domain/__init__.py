"""The payments domain: pure rules, no database, Kafka or HTTP.

- `inputs`: what payments is given (approved invoices, provider payees, direct-payment agreements, settings)
- `run_calendar`: when runs happen and the Bacs three-day cycle behind each pay date
- `run_lines`: payments, remittance lines and exclusions that make up a run
- `proposal`: choosing what a run pays (`propose_run`)
- `agreement_split`: an invoice judged by each agreement's end, its amount split exactly between their cost centres
- `payment_run`: review and maker-checker approval (`PaymentRun.exclude_line`, `PaymentRun.approve`)
- `direct_payments`: four-weekly payments in advance, changes and endings
- `managed_accounts`: the ledger of a council-managed direct-payment account, and what it may still pay
- `managed_funding`: lines paid from managed accounts (`funded_by`): their originating account, debits and
  what waits when an account cannot pay
- `confirmation`: what the bank paid or returned
- `prompt_payment`: the 30-day record and transparency lists
- `invariants`: the checks every run and file must pass
- `files`: the files a run is exported as (Bacs Standard 18, pain.001, journal, remittances, reports)
"""
