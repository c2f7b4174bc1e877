"""Rules and state of the agreements service, pure (no database, Kafka or HTTP): one module per concept.

`providers` (the register), `bank_details` (a payee's account and the second-person check of every
change, for providers and personal assistants alike), `rates` (rate cards and which rate applies),
`agreements` (lifecycle, versions of terms, overlap), `pricing` (what an agreement costs on a day),
`direct_payments`, `personal_assistants` (PAs employed under a direct payment, their hourly rates),
`commitments` (forecast cost against the personal budget, and rates by business date), `cost_centres`
(the council's rule and an officer's code), `brokerage` (drafting from an approved
request, the provider shortlist) and `errors` (how a rule refuses: the request itself, 422; the state, 409).
"""
