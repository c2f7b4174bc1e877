"""Rules of a request for service: its lifecycle, who may move it, and what each step needs.

Pure: no database, no Kafka, no HTTP. One module per concept:
- `lifecycle`: the states, the steps, and which step may be taken from which state;
- `request`: the request itself and its steps, each a `Transition` (new state, the event, the
  status it left), which the caller records in one transaction;
- `assessment`, `budget`, `mechanism`: what each decision about a request must hold;
- `locality`: the team or locality a request may name (the cost centre's source in agreements);
- `access`: who may take each step and who may read requests;
- `errors`: a broken rule (422, naming the field) and a step the state does not allow (409).
"""
