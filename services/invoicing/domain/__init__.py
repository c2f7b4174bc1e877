"""The invoicing service's pure rules: no database, no Kafka, no HTTP.

Where to look:
- `facts`: what invoicing is told (agreements as of a date, confirmed actuals, provider facts).
- `periods`: weeks and four-weekly periods; `numbering`: `SB-<provider>-000123`, gapless.
- `invoice`, `holds`, `lifecycle`: the invoice, why it is held, and the steps between its states.
- `payment_terms`, `disputes`: the due date, and disputes that stop the 30-day clock.
- `self_billing`, `plan_pricing`, `scheduled`, `isf_advances`, `raising`: invoices the council raises;
  preview.
- `provider_invoices`, `invoice_csv`: invoices providers send (JSON-shaped or CSV).
- `validation`, `validation_context`, `checks_*`: the three-way match, one function per reason code;
  `commitments`: the bound an invoice is checked against (the commitment by business date).
- `corrections`: credit notes, supplementary invoices, and netting with carry-forward.
- `overpayments`: what an invoice paid for days after its agreement's end, credited back by itself.
- `contributions`, `contribution_files`: the person's contribution charged per period; the debtors
  file and its journal.
- `isf_returns`, `isf_returns_csv`, `isf_balances`: ISF providers' returns (JSON-shaped or CSV), the
  balance they hold for each person, and the surplus reclaimed.
"""
