"""The personal budget of a request: what the council and the person pay each week."""
from __future__ import annotations

from dataclasses import dataclass

from services.requests.domain.errors import InvalidInput


@dataclass(frozen=True)
class Budget:
    """The weekly personal budget and the person's assessed weekly contribution, in pence."""

    weekly_budget_pence: int
    weekly_contribution_pence: int = 0

    def __post_init__(self) -> None:
        for name in ("weekly_budget_pence", "weekly_contribution_pence"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(name, "must be a whole number of pence")
            if value < 0:
                raise InvalidInput(name, "must be 0 or more")
        if self.weekly_contribution_pence > self.weekly_budget_pence:
            raise InvalidInput("weekly_contribution_pence",
                               f"must not exceed weekly_budget_pence ({self.weekly_budget_pence})")

    @property
    def weekly_net_pence(self) -> int:
        """What the council pays each week: the budget less the person's contribution."""
        return self.weekly_budget_pence - self.weekly_contribution_pence
