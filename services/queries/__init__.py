"""The queries service: queries and disputes about visits, invoices and payments, resolved on time.

Where the rules are (pure, no database, Kafka or HTTP):
- domain_query: what a query is (subject, party, notes, attachments, history).
- domain_entitlement: who may raise, see, and take each step.
- domain_lifecycle: open -> acknowledged -> investigating -> resolved -> closed / reopened; disputes.
- domain_outcomes: outcomes and the effect each asks another service for.
- domain_effects: recording effect results; flagging SLA breaches.
- domain_sla: working-day deadlines, breaches, SLA state and age bands.
- domain_views: officers' and raisers' lists.
The events are in contracts/queries.py.
"""
