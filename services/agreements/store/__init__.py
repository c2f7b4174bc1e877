"""SQL of the agreements service, one module per group of tables (the pool's search_path is the
`agreements` schema): `providers` (providers, rate_cards), `bank_details` (provider_bank_details,
personal_assistant_bank_details), `agreements` (agreements, agreement_terms, agreement_suspensions),
`direct_payments`, `personal_assistants`, `commitments` (person_budgets, person_commitments),
`received_requests` and `audit` (audit_log)."""
