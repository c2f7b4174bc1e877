"""What a person's statement shows beyond spend: the contribution charged for each four-weekly period
and what each period of their individual service fund (ISF) bought.

A contribution charge is kept at its latest revision per person and period: a revision read after a
later one (or read again) changes nothing. An ISF return counts once it is accepted; it is kept per
return (one per ISF agreement and period), as invoicing accepted it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class ContributionCharge:
    """The person's charge for one four-weekly period (ContributionCharged), as of one revision."""

    person_ref: str
    period_start: date
    period_end: date
    revision: int
    charge_id: str
    contribution_pence: int
    care_cost_pence: int
    charged_pence: int
    capped: bool
    reason: str

    @property
    def key(self) -> tuple[str, date]:
        return self.person_ref, self.period_start


def latest_revisions(charges: Iterable[ContributionCharge]) -> list[ContributionCharge]:
    """Of several revisions of the same person and period, the highest; in key order."""
    latest: dict[tuple[str, date], ContributionCharge] = {}
    for charge in charges:
        held = latest.get(charge.key)
        if held is None or charge.revision > held.revision:
            latest[charge.key] = charge
    return [latest[k] for k in sorted(latest)]


@dataclass(frozen=True)
class IsfSupport:
    support_type: str
    hours: str  # two decimal places, as the provider returned it ("12.50")
    spend_pence: int


@dataclass(frozen=True)
class IsfSubcontractor:
    subcontractor: str
    spend_pence: int


@dataclass(frozen=True)
class IsfReturn:
    """An accepted ISF return: the period's budget and what was spent, by support and by sub-contractor."""

    return_id: str
    agreement_id: str
    provider_id: str
    person_ref: str
    period_start: date
    period_end: date
    budget_pence: int
    spend_pence: int
    by_support: tuple[IsfSupport, ...]
    by_subcontractor: tuple[IsfSubcontractor, ...]
    balance_pence: int


def hours_text(hours: Decimal) -> str:
    """Hours with two decimal places, as returned ("12.50")."""
    return f"{hours:.2f}"
