"""A payment run's life: proposed (a reviewable draft), reviewed, approved by a second person.

    proposed --exclude_line--> proposed --approve--> approved (final: nothing changes it)

Maker-checker: a user with the finance_approver role who did not propose the run approves it.
Each step returns a new run; the caller stores it with who did it and when.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.invariants import run_breaches
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import (Exclusion, ExclusionReason, LineKind, Payment, RemittanceLine,
                                                carried_forward)

APPROVER_ROLE = "finance_approver"
REVIEWER_ROLES = frozenset({"finance_officer", APPROVER_ROLE})


class Actor(Protocol):
    """Who acts: `shared.auth.Principal` fits, as does any object with a subject and a role."""

    subject: str
    role: str


class RunStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class ReviewNote:
    """A change made at review: which line, by whom, when and why (kept for audit)."""

    line_id: str
    payment_reference: str
    amount_pence: int
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PaymentRun:
    run_id: str
    run_number: int
    kind: RunKind
    pay_date: date
    processing_day: date
    proposed_by: str
    proposed_at: datetime
    payments: tuple[Payment, ...]
    exclusions: tuple[Exclusion, ...] = ()
    status: RunStatus = RunStatus.PROPOSED
    approved_by: str | None = None
    approved_at: datetime | None = None
    reviews: tuple[ReviewNote, ...] = ()

    @property
    def total_pence(self) -> int:
        return sum(p.amount_pence for p in self.payments)

    def payment(self, reference: str) -> Payment:
        for candidate in self.payments:
            if candidate.reference == reference:
                return candidate
        raise PaymentRefused("payment_reference", f"run {self.run_id} has no payment {reference}")

    def exclude_line(self, line_id: str, reason: str, by: Actor, at: datetime) -> PaymentRun:
        """Leave a line (with every line settling the same invoice or agreement) out of the run."""
        self._require_proposed("exclude a line from")
        if by.role not in REVIEWER_ROLES:
            raise NotPermitted("role", f"reviewing a payment run needs the finance_officer or finance_approver "
                                       f"role; {by.subject} has {by.role}")
        if not reason.strip():
            raise PaymentRefused("reason", "say why the line is excluded: finance reads it in the run and the audit trail")
        payment, line = self._find_line(line_id)
        if line.kind is LineKind.CREDIT_NOTE and line.settles == line.line_id:
            raise PaymentRefused("line_id", f"{line_id} is a credit note against an invoice already paid: it is "
                                            "netted against the provider's payment and is not left out on its own")
        if line.kind is LineKind.CREDIT_NOTE:
            raise PaymentRefused("line_id", f"{line_id} is a credit note: exclude the invoice it corrects "
                                            f"({line.settles}) instead, so it is not paid without its credit")
        removed = tuple(ln for ln in payment.lines if ln.settles == line.settles)
        kept = tuple(ln for ln in payment.lines if ln.settles != line.settles)
        amount = sum(ln.amount_pence for ln in removed)
        exclusions = [Exclusion(line.settles, payment.payee_id, ExclusionReason.EXCLUDED_AT_REVIEW, reason.strip(),
                                amount, (line.settles,))]
        payments = list(self.payments)
        index = payments.index(payment)
        remaining = sum(ln.amount_pence for ln in kept)
        if remaining > 0:
            payments[index] = Payment.of(payment.reference, payment.payee_kind, payment.payee_id, payment.payee_name,
                                         payment.account, payment.account_verified, kept)
        else:
            del payments[index]
            if kept:
                exclusions.append(carried_forward(payment.payee_id, kept))
        note = ReviewNote(line_id, payment.reference, amount, reason.strip(), by.subject, at)
        return replace(self, payments=tuple(payments), exclusions=self.exclusions + tuple(exclusions),
                       reviews=self.reviews + (note,))

    def approve(self, by: Actor, at: datetime) -> PaymentRun:
        """Maker-checker approval; the approved run is final. Every invariant is checked first."""
        approved = self.approval(by, at)
        breaches = run_breaches(self)
        if breaches:
            raise PaymentRefused("run", "the run breaks payment rules: " + "; ".join(str(b) for b in breaches))
        return approved

    def approval(self, by: Actor, at: datetime) -> PaymentRun:
        """Who may approve, when, and in which state: `approve` without the line-by-line checks,
        for a run whose lines are checked where they are stored (the payments database refuses
        to approve a run that breaks an invariant, however the approval reaches it)."""
        if self.status is RunStatus.APPROVED:
            raise RunConflict("status", f"run {self.run_id} was already approved by {self.approved_by} at "
                                        f"{self.approved_at:%Y-%m-%d %H:%M}; an approved run cannot be approved again")
        if by.role != APPROVER_ROLE:
            raise NotPermitted("role", f"approving a payment run needs the {APPROVER_ROLE} role; "
                                       f"{by.subject} has {by.role}")
        if by.subject == self.proposed_by:
            raise NotPermitted("approved_by", f"{by.subject} proposed run {self.run_id} and cannot also approve it "
                                              "(maker-checker): ask another finance approver")
        if at.tzinfo is None:
            raise PaymentRefused("approved_at", "give an aware UTC timestamp")
        if not self.payments:
            raise RunConflict("payments", f"run {self.run_id} pays nothing: there is nothing to approve")
        return replace(self, status=RunStatus.APPROVED, approved_by=by.subject, approved_at=at)

    def _require_proposed(self, action: str) -> None:
        if self.status is not RunStatus.PROPOSED:
            raise RunConflict("status", f"cannot {action} run {self.run_id}: it was approved by "
                                        f"{self.approved_by} and an approved run is final")

    def _find_line(self, line_id: str) -> tuple[Payment, RemittanceLine]:
        for payment in self.payments:
            for line in payment.lines:
                if line.line_id == line_id:
                    return payment, line
        raise PaymentRefused("line_id", f"run {self.run_id} has no line {line_id}")
