"""The queries service: queries and disputes about visits, invoices and payments, resolved on time.

- domain/: the rules, pure (no database, Kafka or HTTP); see domain/__init__.py.
- steps/: taking a step of a query, and recording an effect's result, each in one transaction with its events.
- handlers/: what the owning services' topics tell it (subjects a query can be about, effect results).
- api/: HTTP resources; store/: SQL; jobs.py: the SLA clock; metrics.py; config.py: SLA settings.
The events are in contracts/queries.py.
"""
