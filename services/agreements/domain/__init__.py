"""Rules and state of the agreements service, pure (no database, Kafka or HTTP): one module per concept.

`providers` (the register, bank details and their second-person check), `rates` (rate cards and which
rate applies), `agreements` (lifecycle, versions of terms, overlap), `pricing` (what an agreement costs
on a day), `direct_payments`, `commitments` (forecast cost against the personal budget), `brokerage`
(drafting from an approved request, the provider shortlist) and `errors` (the one way a rule refuses).
"""
