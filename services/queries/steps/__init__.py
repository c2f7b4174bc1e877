"""The queries service's use cases, each in one transaction with the events it publishes:
`raising` (a query about a known subject), `query_steps` (acknowledge ... rate, effects by hand),
`effect_results` (what the owning services say came of an effect), `sla_breaches` (the SLA clock)."""
