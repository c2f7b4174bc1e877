"""Contributions of facts to the pre-aggregated tables, and the deltas a batch applies to them.

A fact (a visit at its latest revision, an invoice in its current state, ...) contributes fixed
amounts to some aggregate rows. When an event replaces the fact, the batch adds the new fact's
contributions and subtracts the old one's: a correction replaces, it never adds. Because every
figure is a function of the facts' final states, the order in which topics are read does not
change the totals (a rebuild replays the topics one after another and arrives at the same rows).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from services.reporting.domain.periods import PERIOD_KINDS, period_start

K = TypeVar("K")
F = TypeVar("F")

UNKNOWN_SERVICE = "unknown"  # the agreement's service type has not been seen yet
NO_PROVIDER = ""  # direct payments are paid to the person (or their nominee), not a provider
SEVERAL_PEOPLE = ""  # an invoice covering several people cannot be split by person
UNASSIGNED = "unassigned"  # no event carried a cost centre for this fact
UNKNOWN_MECHANISM = "unknown"  # the agreement's or direct payment's mechanism has not been heard yet
NOT_BY_MECHANISM = ""  # budgets are the person's, whatever the mechanism

# table -> (key columns, value columns); the order of each tuple in a Contribution.
AGGREGATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "spend": (("grain", "period_kind", "period_start", "group_key", "service_type", "provider_id", "mechanism"),
              ("delivered_pence", "invoiced_pence", "paid_pence")),
    "commitment_step": (("grain", "group_key", "service_type", "provider_id", "mechanism", "day"),
                        ("weekly_delta_pence",)),
    "visit_quality": (("period_kind", "period_start", "provider_id"), ("attendances", "late", "short", "missed")),
    "prompt_payment": (("month", "provider_id"),
                       ("invoices_paid", "value_paid_pence", "days_to_pay_total", "within_30_days",
                        "within_30_of_valid", "days_31_to_60", "over_60_days")),
    "unpaid_invoices": (("provider_id", "due_date"), ("invoices", "value_pence")),
    "open_queries": (("category", "state", "sla_breached", "next_due_on", "provider_id"), ("queries",)),
    "query_breaches": (("month", "category", "sla", "provider_id"), ("breaches",)),
}


@dataclass(frozen=True)
class Contribution:
    table: str
    key: tuple
    values: tuple[int, ...]


@dataclass(frozen=True)
class Dims:
    """Where a fact's money is reported: its service type, provider, person, cost centre and mechanism."""

    service_type: str
    provider_id: str
    person_ref: str
    cost_centre: str = UNASSIGNED
    mechanism: str = UNKNOWN_MECHANISM


def spend(dims: Dims, day: date, *, delivered: int = 0, invoiced: int = 0, paid: int = 0) -> list[Contribution]:
    """Money on business date `day`, in each grain and in its week and its month."""
    return [c for kind in PERIOD_KINDS
            for c in spend_in(dims, kind, period_start(kind, day), delivered=delivered, invoiced=invoiced, paid=paid)]


def spend_in(dims: Dims, kind: str, start: date, *, delivered: int = 0, invoiced: int = 0,
             paid: int = 0) -> list[Contribution]:
    """Money of the period `kind` starting on `start`, in each grain (provider, person, cost centre)."""
    if not (delivered or invoiced or paid):
        return []
    values = (delivered, invoiced, paid)
    return [Contribution("spend", (grain, kind, start, group, dims.service_type, dims.provider_id, dims.mechanism),
                         values)
            for grain, group in (("provider", ""), ("person", dims.person_ref), ("cost_centre", dims.cost_centre))]


def visit_quality(provider_id: str, day: date, *, attendances: int = 0, late: int = 0, short: int = 0,
                  missed: int = 0) -> list[Contribution]:
    return [Contribution("visit_quality", (kind, period_start(kind, day), provider_id),
                         (attendances, late, short, missed)) for kind in PERIOD_KINDS]


@dataclass
class Deltas:
    """The net change a batch makes to aggregate rows: table -> key -> summed values."""

    rows: dict[str, dict[tuple, list[int]]] = field(default_factory=dict)

    def add(self, contributions: Iterable[Contribution], sign: int = 1) -> None:
        for c in contributions:
            table = self.rows.setdefault(c.table, {})
            current = table.get(c.key)
            if current is None:
                table[c.key] = [sign * v for v in c.values]
            else:
                for i, v in enumerate(c.values):
                    current[i] += sign * v

    def replace(self, old: Iterable[Contribution], new: Iterable[Contribution]) -> None:
        """The fact that contributed `old` now contributes `new`."""
        self.add(old, -1)
        self.add(new, 1)

    def track(self, before: Mapping[K, F], after: Mapping[K, F],
              contributions: Callable[[F | None], list[Contribution]]) -> dict[K, F]:
        """Replace the contributions of every fact that changed from `before` to `after`; return those facts."""
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        for key, fact in changed.items():
            self.replace(contributions(before.get(key)), contributions(fact))
        return changed

    def changes(self, table: str) -> list[tuple[tuple, tuple[int, ...]]]:
        """Non-zero (key, values) of `table`, sorted by key so concurrent batches lock rows in one order."""
        items = [(k, tuple(v)) for k, v in self.rows.get(table, {}).items() if any(v)]
        return sorted(items, key=lambda kv: tuple(str(x) for x in kv[0]))

    def __bool__(self) -> bool:
        return any(any(any(v) for v in t.values()) for t in self.rows.values())
