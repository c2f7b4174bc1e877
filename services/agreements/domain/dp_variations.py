"""Varying a live direct payment from a date: a new version of its terms, and the second person a
large rise needs.

- A variation changes the weekly budget, the weekly contribution and/or the cycle from
  `effective_from` (on or after the start, on or before the end); what it does not give carries over
  from the version in force that day. The contribution may not exceed the budget and the payment
  must stay above 0 (amount = 4 x (budget - contribution)). A variation that would pay nothing
  different on any day is refused.
- A variation after a reassessment takes the reassessed budget, contribution and date (unless given)
  and must be for the same person.
- A variation that raises the four-weekly amount on any day by more than the threshold
  (CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE) is pending: nothing changes until a team manager
  or brokerage officer who did not ask for it approves it. A newer variation supersedes one pending.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from contracts.common import Cycle
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus, PaymentTerms
from services.agreements.domain.errors import Conflict, NotAllowed, Rejected

SECOND_PERSON_ABOVE_PENCE = 100_000  # £1,000 a four-week period
APPROVER_ROLES = frozenset({"team_manager", "brokerage_officer"})


class VariationStatus(StrEnum):
    PENDING = "pending"  # awaiting a second person
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"  # a newer variation was asked for before this one was approved


@dataclass(frozen=True)
class Reassessed:
    """A reassessment of the person's budget (from requests), as a variation may use it."""

    reassessment_id: str
    person_ref: str
    effective_from: date
    weekly_budget_pence: int
    weekly_contribution_pence: int


@dataclass(frozen=True)
class Variation:
    variation_id: str
    agreement_id: str
    terms: PaymentTerms  # its version is the one it will have when in force
    requested_by: str
    requested_by_role: str
    status: VariationStatus = VariationStatus.PENDING
    approved_by: str | None = None
    approved_by_role: str | None = None

    def approve(self, by: str, role: str) -> "Variation":
        """The second person: a team manager or brokerage officer who did not ask for it."""
        if role not in APPROVER_ROLES:
            raise NotAllowed(f"approving a direct payment variation needs a team manager or brokerage officer; "
                             f"{role} may not")
        if by == self.requested_by:
            raise NotAllowed(f"{by} asked for variation {self.variation_id} and cannot also approve it: "
                             "a second person must")
        if self.status is not VariationStatus.PENDING:
            raise Conflict(None, f"variation {self.variation_id} is {self.status}; only a pending one can be "
                                 "approved", code="variation_status")
        return replace(self, status=VariationStatus.IN_FORCE, approved_by=by, approved_by_role=role)


def new_variation_id() -> str:
    return f"DPV-{uuid.uuid4().hex[:12].upper()}"


def check_live(payment: DirectPayment, today: date) -> None:
    """Only an agreed payment that has not ended can be varied (or its variation approved)."""
    if payment.status not in (DirectPaymentStatus.AGREED, DirectPaymentStatus.ENDED):
        raise Conflict(None, f"direct payment {payment.agreement_id} is {payment.status}: only an agreed, live "
                             "direct payment can be varied", code="direct_payment_status")
    if not payment.is_live_on(today):
        raise Conflict(None, f"direct payment {payment.agreement_id} ended on {payment.end}: it is no longer live "
                             "and cannot be varied", code="direct_payment_status")


def propose(payment: DirectPayment, today: date, *, effective_from: date | None = None,
            weekly_budget_pence: int | None = None, weekly_contribution_pence: int | None = None,
            cycle: Cycle | None = None, reassessment: Reassessed | None = None) -> PaymentTerms:
    """The next version of `payment`'s terms, checked; given values win over a reassessment's."""
    check_live(payment, today)
    asked = weekly_budget_pence is not None and weekly_contribution_pence is not None
    if reassessment is not None:
        if reassessment.person_ref != payment.person_ref:
            raise Conflict("reassessment_id", f"reassessment {reassessment.reassessment_id} is another person's, "
                                              f"not {payment.person_ref}'s", code="reassessment_of_another")
        effective_from = effective_from or reassessment.effective_from
        weekly_budget_pence = _given(weekly_budget_pence, reassessment.weekly_budget_pence)
        weekly_contribution_pence = _given(weekly_contribution_pence, reassessment.weekly_contribution_pence)
    if effective_from is None:
        raise Rejected("effective_from", "required: the first day the new terms apply (or give a reassessment_id)")
    if effective_from < payment.start:
        raise Conflict("effective_from", f"must not be before the direct payment's start {payment.start}",
                       code="outside_direct_payment")
    if payment.end is not None and effective_from > payment.end:
        raise Conflict("effective_from", f"must not be after the direct payment's end {payment.end}",
                       code="outside_direct_payment")
    base = payment.terms_on(effective_from)
    terms = PaymentTerms(
        version=payment.current.version + 1, effective_from=effective_from,
        weekly_budget_pence=_given(weekly_budget_pence, base.weekly_budget_pence),
        weekly_contribution_pence=_given(weekly_contribution_pence, base.weekly_contribution_pence),
        cycle=cycle or base.cycle, reassessment_id=reassessment.reassessment_id if reassessment else None)
    for name in ("weekly_budget_pence", "weekly_contribution_pence"):
        if getattr(terms, name) < 0:
            raise Rejected(name, "must not be negative")
    _check_something_to_pay(terms, asked=asked)
    if all(terms.same_payment_as(t) for t in replaced_from(payment, effective_from)):
        raise Conflict(None, f"nothing changes: from {effective_from} the direct payment already pays this "
                             "budget, contribution and cycle", code="nothing_changes")
    return terms


def _check_something_to_pay(terms: PaymentTerms, *, asked: bool) -> None:
    """The contribution must leave something to pay: a request that gives both figures breaks the rule itself
    (Rejected); one that meets the figures in force or a reassessment's conflicts with them (Conflict)."""
    budget, contribution = terms.weekly_budget_pence, terms.weekly_contribution_pence
    if contribution > budget:
        rule = f"must not exceed the weekly budget ({budget})"
    elif contribution == budget:
        rule = "the contribution covers the whole budget: there is no direct payment to make"
    else:
        return
    if asked:
        raise Rejected("weekly_contribution_pence", rule)
    raise Conflict("weekly_contribution_pence", f"{rule} (from {terms.effective_from}, with the figures in force "
                                                "or reassessed)", code="nothing_to_pay")


def replaced_from(payment: DirectPayment, effective_from: date) -> list[PaymentTerms]:
    """The versions a new variation from `effective_from` replaces: each in force on some day from then on."""
    days = {effective_from} | {t.effective_from for t in payment.versions if t.effective_from > effective_from}
    return list({payment.terms_on(d).version: payment.terms_on(d) for d in sorted(days)}.values())


def largest_rise_pence(payment: DirectPayment, terms: PaymentTerms) -> int:
    """How much `terms` raises the four-weekly amount, on the day it raises it most (0 or less: no rise)."""
    return max(terms.amount_per_four_weeks_pence - t.amount_per_four_weeks_pence
               for t in replaced_from(payment, terms.effective_from))


def needs_second_person(payment: DirectPayment, terms: PaymentTerms, above_pence: int) -> bool:
    return largest_rise_pence(payment, terms) > above_pence


def _given(value: int | None, default: int) -> int:
    return default if value is None else value
