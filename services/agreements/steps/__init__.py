"""Use cases of the agreements service that work inside a caller's transaction: they read the
store, run the domain, store the result and record events in the outbox they are given."""
