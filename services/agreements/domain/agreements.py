"""Agreements (care package lines): their lifecycle, their versions of terms, and overlap.

draft -> active -> (varied) -> suspended <-> active -> ended; a draft may also be cancelled.
Every variation is kept: the terms in force on a day are those of the latest variation dated
on or before it, so a mid-week change prices each day under its own version.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contracts.agreements import (AgreementTerms, DayCategory, EndReason, Rate, ScheduledVisit, SuspensionPeriod,
                                  SuspensionReason, VisitRules, Weekday)
from contracts.common import Cycle, Funding, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.agreements.domain.cost_centres import check_cost_centre
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.rates import check_rates, time_band_of

WEEKDAYS = tuple(Weekday)  # in date.weekday() order


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"
    CANCELLED = "cancelled"  # a draft that never became an agreement


def new_agreement_id() -> str:
    return f"AGR-{uuid.uuid4().hex[:12].upper()}"


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    person_ref: str
    service_type: ServiceType
    status: AgreementStatus = AgreementStatus.DRAFT
    request_id: str | None = None
    provider_id: str | None = None
    payment_basis: PaymentBasis | None = None
    cycle: Cycle | None = None
    start: date | None = None
    end: date | None = None
    concurrent: bool = False
    terms: tuple[AgreementTerms, ...] = ()
    suspensions: tuple[SuspensionPeriod, ...] = ()
    end_reason: EndReason | None = None
    preferred_provider_id: str | None = field(default=None, compare=False)
    arranged_as: SpendMechanism = SpendMechanism.COUNCIL_ARRANGED  # or isf, as the request chose
    funding: Funding = Funding.COUNCIL
    direct_payment_id: str | None = None  # the council-managed direct payment that funds it
    cost_centre: str | None = None  # None: drafted before cost centres were kept (the default applies)

    @property
    def mechanism(self) -> SpendMechanism:
        """How its spend reaches care: bought from a managed direct payment's account, or as arranged."""
        return SpendMechanism.DIRECT_PAYMENT_MANAGED if self.funding is Funding.MANAGED_ACCOUNT else self.arranged_as

    @property
    def was_activated(self) -> bool:
        return self.status in (AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED, AgreementStatus.ENDED)

    def terms_on(self, day: date) -> AgreementTerms | None:
        """The version in force on `day`: the latest-made variation dated on or before it."""
        dated = [t for t in self.terms if t.effective_from <= day]
        return max(dated, key=lambda t: t.version, default=None)

    def is_payable_on(self, day: date) -> bool:
        """Inside start..end and not inside a suspension."""
        if not self.was_activated or self.start is None or day < self.start:
            return False
        if self.end is not None and day > self.end:
            return False
        return not any(s.suspended_from <= day and (s.resumed_on is None or day < s.resumed_on)
                       for s in self.suspensions)

    # --- lifecycle ------------------------------------------------------------------------------
    def complete(self, *, provider_id: str, payment_basis: PaymentBasis, cycle: Cycle, start: date,
                 end: date | None, concurrent: bool, rates: Sequence[Rate], schedule: Sequence[ScheduledVisit],
                 weekly_units: Decimal | None, visit_rules: VisitRules, rate_card_id: str | None,
                 funding: Funding = Funding.COUNCIL, direct_payment_id: str | None = None,
                 cost_centre: str | None = None) -> "Agreement":
        """Fill in a draft; it is checked as a whole so a bad part never half-lands. Whether the
        managed direct payment may fund it is checked against the payment (domain.funding). A cost
        centre given replaces the draft's; none keeps it."""
        self._require(AgreementStatus.DRAFT, "complete")
        cost_centre = check_cost_centre(cost_centre) if cost_centre is not None else self.cost_centre
        check_dates(start, end)
        check_funding_named(funding, direct_payment_id)
        terms = AgreementTerms(version=1, effective_from=start, rates=list(rates), schedule=list(schedule),
                               weekly_units=weekly_units, visit_rules=visit_rules, rate_card_id=rate_card_id)
        check_terms(payment_basis, terms)
        return replace(self, provider_id=provider_id, payment_basis=payment_basis, cycle=cycle, start=start,
                       end=end, concurrent=concurrent, terms=(terms,), funding=funding,
                       direct_payment_id=direct_payment_id, cost_centre=cost_centre)

    def activate(self, others: Sequence["Agreement"]) -> "Agreement":
        """In force from its start. Refused while incomplete or overlapping (see check_no_overlap)."""
        self._require(AgreementStatus.DRAFT, "activate")
        for name in ("provider_id", "payment_basis", "cycle", "start"):
            if getattr(self, name) is None:
                raise Conflict(None, f"the draft is incomplete ({name} is not set): complete it before activating",
                               code="agreement_incomplete")
        if not self.terms:
            raise Conflict(None, "the draft has no rates or schedule yet: complete it before activating",
                           code="agreement_incomplete")
        active = replace(self, status=AgreementStatus.ACTIVE)
        check_no_overlap(active, others)
        return active

    def cancel(self) -> "Agreement":
        self._require(AgreementStatus.DRAFT, "cancel")
        return replace(self, status=AgreementStatus.CANCELLED)

    def vary(self, effective_from: date, *, rates: Sequence[Rate] | None = None,
             schedule: Sequence[ScheduledVisit] | None = None, weekly_units: Decimal | None = None,
             visit_rules: VisitRules | None = None, rate_card_id: str | None = None,
             reason: str | None = None, cost_centre: str | None = None) -> "Agreement":
        """A new version from `effective_from`; what is not given carries over from the version then in force.
        A cost centre given is the agreement's from now on (it is one per agreement, not per version)."""
        self._require_in_force("vary")
        cost_centre = check_cost_centre(cost_centre) if cost_centre is not None else self.cost_centre
        assert self.start is not None and self.payment_basis is not None
        if effective_from < self.start:
            raise Conflict("effective_from", f"must not be before the agreement's start {self.start}",
                           code="outside_agreement")
        if self.end is not None and effective_from > self.end:
            raise Conflict("effective_from", f"must not be after the agreement's end {self.end}",
                           code="outside_agreement")
        base = self.terms_on(effective_from)
        assert base is not None  # every day from start has a version
        terms = AgreementTerms(
            version=max(t.version for t in self.terms) + 1, effective_from=effective_from,
            rates=list(rates) if rates is not None else base.rates,
            schedule=list(schedule) if schedule is not None else base.schedule,
            weekly_units=weekly_units if weekly_units is not None else base.weekly_units,
            visit_rules=visit_rules or base.visit_rules,
            rate_card_id=rate_card_id if rates is not None else base.rate_card_id, reason=reason)
        try:
            check_terms(self.payment_basis, terms)
        except Rejected as refused:  # the request's own part is checked by its schema; with what carries over, here
            raise Conflict(refused.field, refused.rule, code="terms_cannot_be_priced") from refused
        return replace(self, terms=self.terms + (terms,), cost_centre=cost_centre)

    def suspend(self, suspended_from: date, reason: SuspensionReason) -> "Agreement":
        self._require(AgreementStatus.ACTIVE, "suspend")
        assert self.start is not None
        if suspended_from < self.start:
            raise Conflict("suspended_from", f"must not be before the agreement's start {self.start}",
                           code="outside_agreement")
        if self.suspensions and self.suspensions[-1].resumed_on and suspended_from < self.suspensions[-1].resumed_on:
            raise Conflict("suspended_from", f"must not be before the last resumption "
                                             f"({self.suspensions[-1].resumed_on})", code="outside_agreement")
        return replace(self, status=AgreementStatus.SUSPENDED,
                       suspensions=self.suspensions + (SuspensionPeriod(suspended_from=suspended_from, reason=reason),))

    def resume(self, resumed_on: date) -> "Agreement":
        self._require(AgreementStatus.SUSPENDED, "resume")
        open_period = self.suspensions[-1]
        if resumed_on <= open_period.suspended_from:
            raise Conflict("resumed_on", f"must be after the suspension began on {open_period.suspended_from}",
                           code="outside_agreement")
        closed = open_period.model_copy(update={"resumed_on": resumed_on})
        return replace(self, status=AgreementStatus.ACTIVE, suspensions=self.suspensions[:-1] + (closed,))

    def end_on(self, end: date, reason: EndReason) -> "Agreement":
        """Last payable day is `end`. An ended agreement may be ended earlier (a death reported late)."""
        self._require_in_force("end", allow_ended=True)
        assert self.start is not None
        if end < self.start:
            raise Conflict("end", f"must not be before the agreement's start {self.start}", code="outside_agreement")
        if self.end is not None and end > self.end:
            raise Conflict("end", f"the agreement already ends on {self.end}; ending it cannot move that later",
                           code="outside_agreement")
        return replace(self, status=AgreementStatus.ENDED, end=end, end_reason=reason)

    def _require(self, status: AgreementStatus, action: str) -> None:
        if self.status is not status:
            raise Conflict(None, f"cannot {action} an agreement that is {self.status}; it must be {status}",
                           code="agreement_status")

    def _require_in_force(self, action: str, allow_ended: bool = False) -> None:
        allowed = {AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED}
        if self.status not in allowed and not (allow_ended and self.status is AgreementStatus.ENDED):
            raise Conflict(None, f"cannot {action} an agreement that is {self.status}",
                           code="agreement_status")


def check_funding_named(funding: Funding, direct_payment_id: str | None) -> None:
    """A managed-account agreement names the direct payment that funds it; a council-funded one names none."""
    if funding is Funding.MANAGED_ACCOUNT and direct_payment_id is None:
        raise Rejected("direct_payment_id", "required with funding managed_account: the council-managed direct "
                                            "payment whose account pays for this agreement")
    if funding is Funding.COUNCIL and direct_payment_id is not None:
        raise Rejected("direct_payment_id", "only with funding managed_account; a council-funded agreement is "
                                            "paid from the council's own account")


def check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise Rejected("end", f"must not be before start ({start})")


def check_terms(basis: PaymentBasis, terms: AgreementTerms) -> None:
    """Terms a payment can be calculated from: actuals need planned visits, plan needs weekly units,
    and every planned visit must have a price on any day it can fall on."""
    unit = check_rates(terms.rates)
    if basis is PaymentBasis.ACTUALS:
        if not terms.schedule:
            raise Rejected("schedule", "an actuals-based agreement needs at least one scheduled visit")
        if unit is RateUnit.WEEK:
            raise Rejected("rates", "an actuals-based agreement cannot be priced by the week")
    elif terms.weekly_units is None and not terms.schedule:
        raise Rejected("weekly_units", "a plan-based agreement needs weekly units or a schedule")
    if terms.weekly_units is not None and terms.weekly_units <= 0:
        raise Rejected("weekly_units", "must be more than 0")
    for i, visit in enumerate(terms.schedule):
        weekend = WEEKDAYS.index(visit.weekday) >= 5
        for category in (DayCategory.WEEKEND if weekend else DayCategory.WEEKDAY, DayCategory.BANK_HOLIDAY):
            if not _has_rate(terms.rates, time_band_of(visit.start_time), category):
                raise Rejected(f"schedule.{i}", f"no rate covers a {visit.weekday} visit at {visit.start_time} "
                                                 f"on a {category} day: add a standard rate")
    if terms.weekly_units is not None and not _has_rate(terms.rates, None, None):
        raise Rejected("rates", "weekly units are priced at the standard rate: add one with no band or day")


def _has_rate(rates: Sequence[Rate], band, category) -> bool:
    return any(r.time_band in (band, None) and r.day_category in (category, None) for r in rates)


def overlaps(a: Agreement, b: Agreement) -> bool:
    """Whether two agreements' date ranges share a day (open ends run for ever)."""
    assert a.start is not None and b.start is not None
    return a.start <= (b.end or date.max) and b.start <= (a.end or date.max)


def check_no_overlap(candidate: Agreement, others: Sequence[Agreement]) -> None:
    """Two activated agreements for one person and service type may not share a day, unless the
    new one is marked concurrent: a duplicate package is a double payment."""
    if candidate.concurrent:
        return
    for other in others:
        if (other.agreement_id != candidate.agreement_id and other.was_activated
                and other.person_ref == candidate.person_ref and other.service_type == candidate.service_type
                and overlaps(candidate, other)):
            raise Conflict(None, f"it overlaps agreement {other.agreement_id} ({other.start} to {other.end or 'open'}) "
                                 "for the same person and service: end that one first or mark this one concurrent",
                           code="agreement_overlaps")
