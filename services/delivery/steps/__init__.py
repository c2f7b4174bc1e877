"""Delivery's use cases, each in the caller's transaction (or its own): run the domain, store, write the outbox."""
