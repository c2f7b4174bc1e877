"""A person's personal budget in force on a day.

Budgets are decided in requests: agreed with a request (in force at once) or reassessed from a date.
On a day, of the decisions in force then (every agreed budget; each reassessment from its
`effective_from`), the one decided last applies: a later reassessment wins from its own date, and a
budget agreed with a new request replaces earlier ones at once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class BudgetDecision:
    weekly_budget_pence: int
    weekly_contribution_pence: int
    decided_at: datetime
    effective_from: date | None = None  # None: in force at once (a budget agreed with a request)
    reassessment_id: str | None = None


def budget_in_force(decisions: Sequence[BudgetDecision], on: date) -> BudgetDecision | None:
    """The decision that applies on `on`; None before any is in force."""
    in_force = [d for d in decisions if d.effective_from is None or d.effective_from <= on]
    return max(in_force, key=lambda d: (d.decided_at, d.effective_from is not None), default=None)
