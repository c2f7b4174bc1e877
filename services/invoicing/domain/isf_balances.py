"""What an ISF provider holds for a person, and the surplus above what it may keep, reclaimed.

Balance through a period P = what was advanced for the periods up to P (advances not void, less their
credit notes other than surplus reclaims: money taken back for another cause was never the provider's to
spend) − the spend of the accepted returns of those periods − the surplus reclaimed after them (by credit
notes not void). The provider may keep `retained weeks` × the plan's weekly cost in force at the end of
P; an ISF that ended by then keeps nothing. Above that, the excess is reclaimed at once by one credit
note: against the NEXT period's advance while it is approved and not in a payment run (`next_advance`),
otherwise against P's own advance (`credit_note`), never more than is left of the advance it credits.

A return is settled (its balance worked out and announced, its surplus reclaimed) only once every
earlier period of the agreement that had an advance (not void) has an accepted return: until then the
earlier period's advance would count with none of its spend, and a surplus that is not there would be
reclaimed. It waits, accepted and unsettled; when the missing or held return is accepted, it is settled
and then every later accepted return not yet settled, in period order.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal

from shared.money import format_gbp, round_half_up
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.periods import Period

CREDITABLE = frozenset({InvoiceStatus.APPROVED, InvoiceStatus.SCHEDULED, InvoiceStatus.PAID})
Method = Literal["next_advance", "credit_note"]


@dataclass(frozen=True, slots=True)
class AdvanceOnFile:
    """An ISF advance with what its credit notes (not void) took off it, all of them and surplus ones."""

    invoice_id: str
    number: str
    period: Period
    status: InvoiceStatus
    total_pence: int
    credited_pence: int = 0
    surplus_credited_pence: int = 0
    in_run: bool = False

    @property
    def left_pence(self) -> int:
        """What a further credit note may still take off it."""
        return max(0, self.total_pence - self.credited_pence)

    @property
    def advanced_pence(self) -> int:
        """What it gave the provider to spend (nothing when void)."""
        if self.status is InvoiceStatus.VOID:
            return 0
        return self.total_pence - (self.credited_pence - self.surplus_credited_pence)


@dataclass(frozen=True, slots=True)
class PeriodAmount:
    """An amount belonging to a period (an accepted return's spend, a reclaim after a return)."""

    period: Period
    amount_pence: int


@dataclass(frozen=True, slots=True)
class IsfBalance:
    advanced_pence: int
    spent_pence: int
    reclaimed_pence: int
    retained_pence: int

    @property
    def balance_pence(self) -> int:
        return self.advanced_pence - self.spent_pence - self.reclaimed_pence

    @property
    def surplus_pence(self) -> int:
        return max(0, self.balance_pence - self.retained_pence)


def weekly_budget_pence(agreement: AgreementOnFile, day: date) -> int:
    """The plan's cost of a whole week in force on `day` (0 with no plan)."""
    terms = agreement.plan_on(day)
    if terms is None:
        return 0
    weekly = terms.weekly_pence
    return round_half_up(weekly.numerator, weekly.denominator)


def retained_pence(agreement: AgreementOnFile, through: date, weeks: int | Fraction) -> int:
    """What the provider may keep after `through`: `weeks` of the weekly budget in force then; 0 once ended."""
    if agreement.end is not None and agreement.end <= through:
        return 0
    terms = agreement.plan_on(through)
    if terms is None:
        return 0
    exact = terms.weekly_pence * Fraction(weeks)
    return round_half_up(exact.numerator, exact.denominator)


def balance_through(through: date, *, advances: Iterable[AdvanceOnFile], spent: Iterable[PeriodAmount],
                    reclaimed: Iterable[PeriodAmount], retained: int) -> IsfBalance:
    """The balance counting the periods that start on or before `through`."""
    return IsfBalance(sum(a.advanced_pence for a in advances if a.period.first <= through),
                      sum(s.amount_pence for s in spent if s.period.first <= through),
                      sum(r.amount_pence for r in reclaimed if r.period.first <= through), retained)


def waiting_for(period: Period, *, advances: Iterable[AdvanceOnFile], accepted: Iterable[date]) -> Period | None:
    """The earliest period before `period` whose advance counts in the balance (not void, not all
    credited back) and that has no accepted return (`accepted`: the first days of the periods with
    one), or None when the return may be settled."""
    done = set(accepted)
    return next((a.period for a in sorted(advances, key=lambda a: a.period.first)
                 if a.period.first < period.first and a.advanced_pence > 0 and a.period.first not in done), None)


@dataclass(frozen=True, slots=True)
class Reclaim:
    amount_pence: int
    method: Method
    advance: AdvanceOnFile  # the advance the credit note is raised against


def surplus_reclaim(balance: IsfBalance, *, own: AdvanceOnFile | None,
                    following: AdvanceOnFile | None) -> Reclaim | None:
    """The credit note to raise for the surplus, or None (no surplus, or no advance left to credit)."""
    surplus = balance.surplus_pence
    if surplus <= 0:
        return None
    if following is not None and following.status is InvoiceStatus.APPROVED and not following.in_run \
            and following.left_pence > 0:
        return Reclaim(min(surplus, following.left_pence), "next_advance", following)
    if own is not None and own.status in CREDITABLE and own.left_pence > 0:
        return Reclaim(min(surplus, own.left_pence), "credit_note", own)
    return None


def reclaim_reason(period: Period, balance: IsfBalance, reclaim: Reclaim) -> str:
    """Why, in words the provider reads on its remittance (no personal data)."""
    why = (f"ISF surplus for {period}: {format_gbp(balance.surplus_pence)} held above the "
           f"{format_gbp(balance.retained_pence)} the provider may keep")
    if reclaim.amount_pence < balance.surplus_pence:
        why += f"; {format_gbp(reclaim.amount_pence)} reclaimed, all that is left of {reclaim.advance.number}"
    return why
