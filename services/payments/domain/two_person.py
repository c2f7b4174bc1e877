"""Two people for a return and for a hold release (maker-checker, as for a payment run).

    record (a finance officer or approver, with a reason) --> pending --approve--> approved

A payment the bank reports returned, and the release of the hold a return leaves on an invoice or
a direct payment, are recorded by one finance user and change nothing while pending; a user with
the finance_approver role who did not record it approves it, and only then does the payment become
returned or the hold lift. Each step returns a new decision; the caller stores it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.payment_run import APPROVER_ROLE, REVIEWER_ROLES, Actor


class DecisionKind(StrEnum):
    PAYMENT_RETURN = "payment_return"
    HOLD_RELEASE = "hold_release"


class SubjectKind(StrEnum):
    PAYMENT = "payment"
    INVOICE = "invoice"
    DIRECT_PAYMENT = "direct_payment"


class DecisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


WHAT = {DecisionKind.PAYMENT_RETURN: "a payment return", DecisionKind.HOLD_RELEASE: "a hold release"}


@dataclass(frozen=True, slots=True)
class Decision:
    decision_id: str
    kind: DecisionKind
    subject_kind: SubjectKind
    subject_id: str
    reason: str
    recorded_by: str
    recorded_by_role: str
    recorded_at: datetime
    run_id: str | None = None
    reported_on: date | None = None
    status: DecisionStatus = DecisionStatus.PENDING
    approved_by: str | None = None
    approved_by_role: str | None = None
    approved_at: datetime | None = None

    def approve(self, by: Actor, at: datetime) -> Decision:
        """The second person: a finance approver who did not record it. Nothing moves before this."""
        what = WHAT[self.kind]
        if self.status is DecisionStatus.APPROVED:
            raise RunConflict("status", f"{what} {self.decision_id} was already approved by {self.approved_by}; "
                                        "it cannot be approved again")
        if by.role != APPROVER_ROLE:
            raise NotPermitted("role", f"approving {what} needs the {APPROVER_ROLE} role; {by.subject} has {by.role}")
        if by.subject == self.recorded_by:
            raise NotPermitted("approved_by", f"{by.subject} recorded {what} {self.decision_id} and cannot also "
                                              "approve it (two people): ask another finance approver")
        if at.tzinfo is None:
            raise PaymentRefused("approved_at", "give an aware UTC timestamp")
        return replace(self, status=DecisionStatus.APPROVED, approved_by=by.subject, approved_by_role=by.role,
                       approved_at=at)


def record(decision_id: str, kind: DecisionKind, subject_kind: SubjectKind, subject_id: str, reason: str,
           by: Actor, at: datetime, *, run_id: str | None = None, reported_on: date | None = None) -> Decision:
    """The first person: a finance officer or approver records it, with a reason; it is pending."""
    what = WHAT[kind]
    if by.role not in REVIEWER_ROLES:
        raise NotPermitted("role", f"recording {what} needs the finance_officer or {APPROVER_ROLE} role; "
                                   f"{by.subject} has {by.role}")
    if not reason.strip():
        raise PaymentRefused("reason", f"say why ({what}): the approver and the audit trail read it")
    if kind is DecisionKind.PAYMENT_RETURN and (subject_kind is not SubjectKind.PAYMENT or run_id is None
                                                or reported_on is None):
        raise PaymentRefused("payment_reference", "a payment return names the run, the payment and the day reported")
    if kind is DecisionKind.HOLD_RELEASE and subject_kind is SubjectKind.PAYMENT:
        raise PaymentRefused("subject", "a hold is released on an invoice or a direct payment, not a payment")
    if at.tzinfo is None:
        raise PaymentRefused("recorded_at", "give an aware UTC timestamp")
    return Decision(decision_id, kind, subject_kind, subject_id, reason.strip(), by.subject, by.role, at,
                    run_id=run_id, reported_on=reported_on)
