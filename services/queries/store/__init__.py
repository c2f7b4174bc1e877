"""SQL of the queries service: `queries` (the aggregate, lists, the SLA job) and `subjects` (the read
model of everything a query can be about, and agreements' versions of terms)."""
from services.queries.store import queries, subjects

__all__ = ["queries", "subjects"]
