"""SQL of the agreements service, one module per group of tables (the pool's search_path is the
`agreements` schema): `providers` (providers, provider_bank_details, rate_cards), `agreements`
(agreements, agreement_terms, agreement_suspensions), `direct_payments`, `commitments`
(person_budgets, person_commitments), `received_requests` and `audit` (audit_log)."""
