"""A reassessment of an active request: a new personal budget and contribution from a date.

Only an active request is reassessed (before that, the budget is agreed as a step of its own). The new
budget follows the budget's rules (whole pence, 0 or more, contribution no more than the budget) and
applies from `effective_from`, which may not be before the request's start (the service start, or the
requested start while none is recorded); days before keep the old budget. The request keeps the
latest budget decided; `BudgetReassessed` says the previous one too. A live direct payment changes
only when agreements varies it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.requests.domain.budget import Budget


@dataclass(frozen=True)
class Reassessment:
    reassessment_id: str
    effective_from: date
    budget: Budget

    @classmethod
    def new(cls, effective_from: date, weekly_budget_pence: int, weekly_contribution_pence: int) -> "Reassessment":
        """A new reassessment (the budget's rules refuse a bad figure, naming its field)."""
        return cls(f"RAS-{uuid.uuid4().hex[:12].upper()}", effective_from,
                   Budget(weekly_budget_pence, weekly_contribution_pence))
