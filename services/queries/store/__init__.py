"""SQL of the queries service: `queries` (the aggregate, the SLA job), `listing` (the lists, a page at a
time) and `subjects` (the read model of everything a query can be about, and agreements' versions of terms)."""
from services.queries.store import listing, queries, subjects

__all__ = ["listing", "queries", "subjects"]
