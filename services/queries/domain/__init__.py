"""The queries service's pure rules: no database, no Kafka, no HTTP.

Where to look:
- `query`: what a query is (subject, party, notes, attachments, history).
- `entitlement`: who may raise, see, and take each step.
- `lifecycle`: open -> acknowledged -> investigating -> resolved -> closed / reopened; disputes.
- `outcomes`: outcomes and the effect each asks another service for.
- `effects`: recording effect results; flagging SLA breaches.
- `sla`: working-day deadlines, breaches, SLA state and age bands.
- `views`: officers' and raisers' lists.
- `codec`: a query as JSON and back (how the store keeps the aggregate).
- `errors`: the three ways the domain says no, and input checks.
The events are in contracts/queries.py.
"""
