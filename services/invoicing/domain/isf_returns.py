"""An ISF provider's return for one fund and one four-weekly period: what the period's budget bought, by
type of support and by sub-contractor.

A return is checked whole before anything is kept, and every problem is given at once, each naming its
field (and, from a CSV file, its spreadsheet row). Refused: no ISF of the provider for the person in the
period (`person_ref`); not the first day of a four-weekly period, or a period not over yet
(`period_start`); no lines; an empty type of support; hours or spend below 0 or not to the penny / the
hundredth of an hour; spend over the period's budget without `over_budget_reason`. Spend over budget WITH
a reason is held (`over_budget`) until a finance officer or approver who did not submit it accepts it;
any other return is accepted at once. The budget of a period is the plan price of the ISF's payable
days in it, what its advance is.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from contracts.common import Cycle, SpendMechanism
from shared.errors import NotEntitled
from shared.money import format_gbp
from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.periods import Period, format_day, period_starting
from services.invoicing.domain.plan_pricing import plan_price

MAX_TEXT = 200  # a type of support or a sub-contractor's name
MAX_REASON = 1000
MAX_HOURS = Decimal("9999999.99")  # numeric(9, 2)
HUNDREDTH = Decimal("0.01")


class ReturnStatus(StrEnum):
    HELD = "held"
    ACCEPTED = "accepted"


class ReturnHoldCode(StrEnum):
    OVER_BUDGET = "over_budget"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with what was sent: the field (`lines[2].hours`, or a CSV column), and its row."""

    field: str
    message: str
    row: int | None = None


class ReturnRefused(ValueError):
    """The returns as sent cannot be recorded (HTTP 422): every problem, nothing kept."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """Spend on one type of support, with a sub-contractor (None: the provider's own work)."""

    support_type: str
    subcontractor: str | None
    hours: Decimal
    spend_pence: int
    row: int | None = None  # its spreadsheet row (CSV)
    where: str = ""  # its place in a JSON body ("lines[0].")


@dataclass(frozen=True, slots=True)
class ReturnSubmission:
    """A return as sent, before it is checked."""

    person_ref: str
    period_start: date
    lines: tuple[ReturnLine, ...]
    over_budget_reason: str | None = None
    row: int | None = None  # the return's first row (CSV)


@dataclass(frozen=True, slots=True)
class ReturnHold:
    code: ReturnHoldCode
    message: str


@dataclass(frozen=True, slots=True)
class SupportTotal:
    support_type: str
    hours: Decimal
    spend_pence: int


@dataclass(frozen=True, slots=True)
class SubcontractorTotal:
    subcontractor: str
    spend_pence: int


@dataclass(frozen=True, slots=True)
class IsfReturn:
    """A recorded return. `balance_pence` is what the provider holds for the person after it (accepted only)."""

    return_id: str
    agreement_id: str
    provider_ref: str
    person_ref: str
    period: Period
    budget_pence: int
    lines: tuple[ReturnLine, ...]
    status: ReturnStatus
    holds: tuple[ReturnHold, ...] = ()
    over_budget_reason: str | None = None
    submitted_by: str = ""
    balance_pence: int | None = None

    @property
    def spend_pence(self) -> int:
        return sum(line.spend_pence for line in self.lines)

    @property
    def by_support(self) -> list[SupportTotal]:
        return support_totals(self.lines)

    @property
    def by_subcontractor(self) -> list[SubcontractorTotal]:
        return subcontractor_totals(self.lines)


def support_totals(lines: Iterable[ReturnLine]) -> list[SupportTotal]:
    """Hours and spend per type of support, by name."""
    totals: dict[str, tuple[Decimal, int]] = {}
    for line in lines:
        hours, spend = totals.get(line.support_type, (Decimal("0"), 0))
        totals[line.support_type] = (hours + line.hours, spend + line.spend_pence)
    return [SupportTotal(name, hours, spend) for name, (hours, spend) in sorted(totals.items())]


def subcontractor_totals(lines: Iterable[ReturnLine]) -> list[SubcontractorTotal]:
    """Spend per sub-contractor, by name (the provider's own work is not a sub-contractor)."""
    totals: dict[str, int] = {}
    for line in lines:
        if line.subcontractor:
            totals[line.subcontractor] = totals.get(line.subcontractor, 0) + line.spend_pence
    return [SubcontractorTotal(name, spend) for name, spend in sorted(totals.items())]


def isf_for(agreements: Iterable[AgreementOnFile], provider_ref: str, person_ref: str,
            period: Period) -> AgreementOnFile | None:
    """The provider's ISF for the person active on a day of `period` (of several, the one that started last)."""
    found = [a for a in agreements if a.mechanism is SpendMechanism.ISF and a.provider_ref == provider_ref
             and a.person_ref == person_ref and a.active_period.overlap(period) is not None]
    return max(found, key=lambda a: (a.start, a.agreement_id)) if found else None


def budget_pence(agreement: AgreementOnFile, period: Period) -> int:
    """The period's budget: the plan price of the ISF's payable days in it (its advance)."""
    return plan_price(agreement, period)


def _line_problems(line: ReturnLine) -> list[Problem]:
    out = []
    if not line.support_type.strip():
        out.append(Problem(f"{line.where}support_type", "support_type is empty: say what the spend bought", line.row))
    elif len(line.support_type) > MAX_TEXT:
        out.append(Problem(f"{line.where}support_type", f"support_type is longer than {MAX_TEXT} characters",
                           line.row))
    if line.subcontractor is not None and len(line.subcontractor) > MAX_TEXT:
        out.append(Problem(f"{line.where}subcontractor", f"subcontractor is longer than {MAX_TEXT} characters",
                           line.row))
    try:
        hundredths = line.hours == line.hours.quantize(HUNDREDTH)
    except InvalidOperation:
        hundredths = False
    if line.hours < 0:
        out.append(Problem(f"{line.where}hours", f"hours {line.hours} is below 0", line.row))
    elif not hundredths:
        out.append(Problem(f"{line.where}hours", f"hours {line.hours} is not a number of hours to two decimal"
                                                 " places (e.g. 12.50)", line.row))
    elif line.hours > MAX_HOURS:
        out.append(Problem(f"{line.where}hours", f"hours {line.hours} is more than {MAX_HOURS}", line.row))
    if line.spend_pence < 0:
        out.append(Problem(f"{line.where}spend_pence", f"spend {format_gbp(line.spend_pence)} is below 0", line.row))
    return out


def check_return(submission: ReturnSubmission, *, return_id: str, provider_ref: str,
                 agreements: Iterable[AgreementOnFile], anchor: date, today: date,
                 submitted_by: str) -> tuple[IsfReturn | None, list[Problem]]:
    """The return to record (held or accepted), or every problem with it."""
    row = submission.row
    problems = [p for line in submission.lines for p in _line_problems(line)]
    if not submission.lines:
        problems.append(Problem("lines", "a return needs at least one line of spend", row))
    reason = (submission.over_budget_reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        problems.append(Problem("over_budget_reason", f"over_budget_reason is longer than {MAX_REASON} characters",
                                row))
    period = period_starting(submission.period_start, Cycle.FOUR_WEEKLY, anchor)
    if period is None:
        problems.append(Problem("period_start", f"{submission.period_start.isoformat()} is not the first day of a"
                                                " four-weekly period", row))
        return None, problems
    if period.last >= today:
        problems.append(Problem("period_start", f"the period {period} is not over: send its return from "
                                                f"{format_day(period.last + timedelta(days=1))}", row))
    agreement = isf_for(agreements, provider_ref, submission.person_ref, period)
    if agreement is None:
        problems.append(Problem("person_ref", f"provider {provider_ref} holds no individual service fund for person"
                                              f" {submission.person_ref} in {period}", row))
        return None, problems
    budget = budget_pence(agreement, period)
    spend = sum(line.spend_pence for line in submission.lines)
    holds: tuple[ReturnHold, ...] = ()
    if spend > budget:
        over = (f"spend {format_gbp(spend)} is {format_gbp(spend - budget)} over the period's budget of"
                f" {format_gbp(budget)}")
        if reason is None:
            problems.append(Problem("over_budget_reason", f"{over}: say why in over_budget_reason", row))
        else:
            holds = (ReturnHold(ReturnHoldCode.OVER_BUDGET, f"{over}: an officer decides on the provider's reason"),)
    if problems:
        return None, problems
    return IsfReturn(return_id, agreement.agreement_id, provider_ref, submission.person_ref, period, budget,
                     submission.lines, ReturnStatus.HELD if holds else ReturnStatus.ACCEPTED, holds, reason,
                     submitted_by), []


def accept_held(held: IsfReturn, *, by: str, why: str) -> IsfReturn:
    """A held return accepted by an officer who did not submit it, with a reason."""
    if held.status is not ReturnStatus.HELD:
        raise IllegalTransition(f"return {held.return_id} is {held.status.value}: only a held return is accepted")
    if not (why or "").strip():
        raise InvalidInvoiceInput("reason", "required: say why the spend over budget is accepted")
    if by == held.submitted_by:
        raise NotEntitled(f"{by} submitted return {held.return_id}: another officer accepts it")
    return replace(held, status=ReturnStatus.ACCEPTED)
