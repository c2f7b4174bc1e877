"""Direct payments: cash paid in advance (four-weekly unless varied to weekly), net of the person's
contribution, reviewed on time, and varied from a date.

Reviews follow the Direct Payments Regulations 2014 reg. 7: the first within 6 months of the
start, then at least every 12 months.

Every version of the terms is kept: version 1 is the agreed payment (from its start), each variation
adds one. The terms in force on a day are those of the highest version dated on or before it, so a
back-dated variation wins from its own date (as an agreement's terms do).
"""
from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from fractions import Fraction

from contracts.agreements import EndReason
from contracts.common import Cycle, Nominee, SpendMechanism, direct_payment_mechanism
from services.agreements.domain.errors import Conflict, NotAllowed, Rejected

FIRST_REVIEW_WITHIN_MONTHS = 6
REVIEW_INTERVAL_MONTHS = 12


def amount_per_four_weeks(weekly_budget_pence: int, weekly_contribution_pence: int) -> int:
    """4 x (weekly budget - weekly contribution): the person pays their contribution into the account."""
    if weekly_budget_pence < 0:
        raise Rejected("weekly_budget_pence", "must not be negative")
    if weekly_contribution_pence < 0:
        raise Rejected("weekly_contribution_pence", "must not be negative")
    net = 4 * (weekly_budget_pence - weekly_contribution_pence)
    if net <= 0:
        raise Rejected("weekly_contribution_pence", "the contribution covers the whole budget: "
                                                    "there is no direct payment to make")
    return net


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_review_due(start: date, requested: date | None = None) -> date:
    """The first review: the date asked for, if within 6 months of the start; else 6 months on."""
    latest = add_months(start, FIRST_REVIEW_WITHIN_MONTHS)
    if requested is None:
        return latest
    if not start < requested <= latest:
        raise Rejected("first_review_due", f"must be after the start and no later than {latest} "
                                           f"(within {FIRST_REVIEW_WITHIN_MONTHS} months of {start})")
    return requested


def review_dates(first_review: date, until: date, interval_months: int = REVIEW_INTERVAL_MONTHS) -> list[date]:
    """Every review due up to `until`: the first, then each `interval_months` (at most 12) after the one before."""
    dates, due = [], first_review
    while due <= until:
        dates.append(due)
        due = add_months(due, min(interval_months, REVIEW_INTERVAL_MONTHS))
    return dates


class DirectPaymentStatus(StrEnum):
    DRAFT = "draft"
    AGREED = "agreed"
    ENDED = "ended"
    CANCELLED = "cancelled"


def new_direct_payment_id() -> str:
    return f"DP-{uuid.uuid4().hex[:12].upper()}"


@dataclass(frozen=True)
class PaymentTerms:
    """One version of a direct payment's terms: what it pays from `effective_from`."""

    version: int
    effective_from: date
    weekly_budget_pence: int
    weekly_contribution_pence: int
    cycle: Cycle = Cycle.FOUR_WEEKLY
    reassessment_id: str | None = None

    @property
    def amount_per_four_weeks_pence(self) -> int:
        return amount_per_four_weeks(self.weekly_budget_pence, self.weekly_contribution_pence)

    @property
    def weekly_gross_pence(self) -> Fraction:
        """What the payment spends from the budget each week: the net payment plus the contribution."""
        return Fraction(self.amount_per_four_weeks_pence, 4) + self.weekly_contribution_pence

    def same_payment_as(self, other: "PaymentTerms") -> bool:
        """Whether both pay the same: budget, contribution and cycle."""
        return (self.weekly_budget_pence, self.weekly_contribution_pence, self.cycle) == (
            other.weekly_budget_pence, other.weekly_contribution_pence, other.cycle)


@dataclass(frozen=True)
class DirectPayment:
    """An agreement of kind direct payment.

    The payee account is where the council's money goes, so (as with a provider's bank details)
    the person who entered it cannot be the one who agrees the payment.
    """

    agreement_id: str
    person_ref: str
    weekly_budget_pence: int
    weekly_contribution_pence: int
    start: date
    status: DirectPaymentStatus = DirectPaymentStatus.DRAFT
    request_id: str | None = None
    nominee: Nominee | None = None
    first_review: date | None = None
    end: date | None = None
    end_reason: EndReason | None = None
    payee_set_by: str | None = None
    agreed_by: str | None = None
    cycle: Cycle = Cycle.FOUR_WEEKLY  # version 1's
    review_interval_months: int = REVIEW_INTERVAL_MONTHS
    variations: tuple[PaymentTerms, ...] = ()  # versions 2, 3, ... in force, oldest first

    @property
    def versions(self) -> tuple[PaymentTerms, ...]:
        """Every version of the terms: 1 (the agreed payment, from its start), then each variation."""
        first = PaymentTerms(1, self.start, self.weekly_budget_pence, self.weekly_contribution_pence, self.cycle)
        return (first, *self.variations)

    @property
    def current(self) -> PaymentTerms:
        """The payment as it now stands: the latest version."""
        return max(self.versions, key=lambda t: t.version)

    def terms_on(self, day: date) -> PaymentTerms:
        """The version in force on `day`: the highest dated on or before it (version 1 before the start)."""
        dated = [t for t in self.versions if t.effective_from <= day]
        return max(dated, key=lambda t: t.version, default=self.versions[0])

    @property
    def amount_per_four_weeks_pence(self) -> int:
        return self.current.amount_per_four_weeks_pence

    @property
    def mechanism(self) -> SpendMechanism | None:
        return direct_payment_mechanism(self.nominee) if self.nominee is not None else None

    def is_live_on(self, day: date) -> bool:
        """Agreed, and not ended before `day` (an end still to come leaves it live until then)."""
        return (self.status in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED)
                and (self.end is None or day <= self.end))

    def complete(self, *, nominee: Nominee | None, start: date, first_review: date | None,
                 payee_set_by: str, review_interval_months: int | None = None) -> "DirectPayment":
        """Nominee (default: the one chosen with the request), start, first review and the months between
        later reviews (at most 12); the payee account is entered by `payee_set_by`."""
        if self.status is not DirectPaymentStatus.DRAFT:
            raise Conflict(None, f"only a draft direct payment can be completed; this one is {self.status}",
                           code="direct_payment_status")
        nominee = nominee or self.nominee
        if nominee is None:
            raise Conflict("nominee", "say who receives the direct payment (person, third_party or council): the "
                                      "request for it chose none", code="nominee_unknown")
        interval = review_interval_months or self.review_interval_months
        if not 1 <= interval <= REVIEW_INTERVAL_MONTHS:
            raise Rejected("review_interval_months", f"must be 1 to {REVIEW_INTERVAL_MONTHS} months")
        return replace(self, nominee=nominee, start=start, first_review=first_review_due(start, first_review),
                       payee_set_by=payee_set_by, review_interval_months=interval)

    def agree(self, by: str) -> "DirectPayment":
        if self.status is not DirectPaymentStatus.DRAFT:
            raise Conflict(None, f"only a draft direct payment can be agreed; this one is {self.status}",
                           code="direct_payment_status")
        if self.payee_set_by is None or self.nominee is None:
            raise Conflict(None, "complete the direct payment (nominee and payee account) first",
                           code="direct_payment_incomplete")
        if by == self.payee_set_by:
            raise NotAllowed("the person who entered the payee account cannot agree the payment; a second "
                             "person must")
        try:
            amount_per_four_weeks(self.weekly_budget_pence, self.weekly_contribution_pence)
        except Rejected as refused:  # the budget and contribution come from the request for care
            raise Conflict(None, refused.rule, code="nothing_to_pay") from refused
        return replace(self, status=DirectPaymentStatus.AGREED, agreed_by=by)

    def end_on(self, end: date, reason: EndReason) -> "DirectPayment":
        if self.status not in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED):
            raise Conflict(None, f"cannot end a direct payment that is {self.status}", code="direct_payment_status")
        if end < self.start:
            raise Conflict("end", f"must not be before the start {self.start}", code="outside_direct_payment")
        if self.end is not None and end > self.end:
            raise Conflict("end", f"the direct payment already ended on {self.end}: ending it cannot move that "
                                  "later", code="outside_direct_payment")
        return replace(self, status=DirectPaymentStatus.ENDED, end=end, end_reason=reason)

    def cancel(self) -> "DirectPayment":
        if self.status is not DirectPaymentStatus.DRAFT:
            raise Conflict(None, f"only a draft can be cancelled; this one is {self.status}",
                           code="direct_payment_status")
        return replace(self, status=DirectPaymentStatus.CANCELLED)

    def is_payable_on(self, day: date) -> bool:
        return self.is_live_on(day) and self.start <= day

    def with_version(self, terms: PaymentTerms) -> "DirectPayment":
        """The payment with `terms` in force (the next version)."""
        if terms.version != self.current.version + 1:
            raise Rejected("version", f"the next version is {self.current.version + 1}, not {terms.version}")
        return replace(self, variations=self.variations + (terms,))
