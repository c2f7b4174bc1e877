"""Queries: how many are open, by category, lifecycle state and SLA state; and SLA breaches.

A query is open from raised until resolved (and again when reopened). Its next deadline is the
acknowledge deadline until acknowledged, then the resolve deadline. It counts as breached when the
queries service said its current deadline passed (QuerySlaBreached, published once per deadline);
a deadline that passed without that event yet shows as overdue, decided when the figures are read.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from shared.clock import london_date
from services.reporting.domain.aggregates import Contribution
from services.reporting.domain.periods import period_start

OPEN_STATES = ("open", "acknowledged", "investigating")
NOT_BREACHED = "none"


@dataclass(frozen=True)
class QueryState:
    query_id: str
    category: str
    state: str
    acknowledged: bool
    acknowledge_due_at: datetime
    resolve_due_at: datetime
    breaches: frozenset[tuple[str, datetime]] = frozenset()  # (sla, deadline)
    provider_id: str = ""  # the provider the subject belongs to, when any

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def next_due_at(self) -> datetime:
        return self.resolve_due_at if self.acknowledged else self.acknowledge_due_at

    @property
    def sla_breached(self) -> str:
        """Which SLA the query is breaching now: the current deadline's, if it was reported breached."""
        sla = "resolve" if self.acknowledged else "acknowledge"
        return sla if (sla, self.next_due_at) in self.breaches else NOT_BREACHED

    def to_json(self) -> dict[str, Any]:
        return {"query_id": self.query_id, "category": self.category, "state": self.state,
                "acknowledged": self.acknowledged, "acknowledge_due_at": self.acknowledge_due_at.isoformat(),
                "resolve_due_at": self.resolve_due_at.isoformat(),
                "breaches": sorted([sla, due.isoformat()] for sla, due in self.breaches),
                "provider_id": self.provider_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryState:
        return cls(data["query_id"], data["category"], data["state"], data["acknowledged"],
                   datetime.fromisoformat(data["acknowledge_due_at"]), datetime.fromisoformat(data["resolve_due_at"]),
                   frozenset((sla, datetime.fromisoformat(due)) for sla, due in data["breaches"]),
                   data.get("provider_id", ""))


def raised(query_id: str, category: str, acknowledge_due_at: datetime, resolve_due_at: datetime,
           provider_id: str | None = None) -> QueryState:
    return QueryState(query_id, category, "open", False, acknowledge_due_at, resolve_due_at,
                      provider_id=provider_id or "")


def acknowledged(q: QueryState) -> QueryState:
    return replace(q, acknowledged=True, state="acknowledged" if q.state == "open" else q.state)


def investigating(q: QueryState) -> QueryState:
    return replace(q, acknowledged=True, state="investigating" if q.is_open else q.state)


def resolved(q: QueryState) -> QueryState:
    return replace(q, state="resolved")


def closed(q: QueryState) -> QueryState:
    return replace(q, state="closed")


def reopened(q: QueryState, resolve_due_at: datetime) -> QueryState:
    """Reopened queries were acknowledged before: only the resolve deadline starts again."""
    return replace(q, state="investigating", acknowledged=True, resolve_due_at=resolve_due_at)


def breached(q: QueryState, sla: str, due_at: datetime) -> QueryState:
    return replace(q, breaches=q.breaches | {(sla, due_at)})


def contributions(q: QueryState | None) -> list[Contribution]:
    if q is None:
        return []
    out = [Contribution("query_breaches", (period_start("month", london_date(due)), q.category, sla, q.provider_id),
                        (1,)) for sla, due in q.breaches]
    if q.is_open:
        out.append(Contribution("open_queries", (q.category, q.state, q.sla_breached, london_date(q.next_due_at),
                                                 q.provider_id), (1,)))
    return out


def sla_state(sla_breached: str, next_due_on: date, today: date) -> str:
    """breached (the queries service said so), overdue (deadline passed, not yet reported), due_today, on_track."""
    if sla_breached != "none":
        return "breached"
    if next_due_on < today:
        return "overdue"
    return "due_today" if next_due_on == today else "on_track"
