"""Reclaims: money a direct payment's holder gives back, and how the council gets it.

    raise (a finance officer) --> pending --approve (a finance approver who did not raise it)--> approved

Why: `surplus`, found by a signed-off audit of a return; or `unspent_at_end`, what is left when the
payment has ended (the final return's balance; for a council-managed account, the ledger's balance
after every pending debit). How: `netting`, taken from the next payments of a live direct payment,
each carrying a negative line until the reclaim is used up (a payment is netted to no less than 1p:
a Bacs credit cannot be empty, so the rest waits for the next payment); or `debt`, raised on the
holder and exported to the council's debtors system. A council-managed account's unspent money is
taken back from the account the council holds (method `netting`: a recovery_to_council ledger
entry), never raised as a debt. A reclaim is never larger than the balance it comes from, nor a
surplus reclaim than the surplus; other reclaims against the same return or account count first.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from contracts.common import ServiceType
from shared.money import format_gbp
from shared.spreadsheet import safe_row
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.inputs import DirectPaymentAgreement
from services.payments.domain.payment_run import APPROVER_ROLE, Actor
from services.payments.domain.run_lines import LineKind, RemittanceLine

DEBT_COLUMNS = ("person_ref", "reclaim_id", "agreement_id", "amount_pence", "reason", "raised_on")


class ReclaimReason(StrEnum):
    SURPLUS = "surplus"
    UNSPENT_AT_END = "unspent_at_end"


class ReclaimMethod(StrEnum):
    NETTING = "netting"
    DEBT = "debt"


class ReclaimStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


@dataclass(frozen=True, slots=True)
class HeldDirectPayment:
    agreement_id: str
    person_ref: str
    council_managed: bool
    ended_on: date | None  # its last day, once it has ended


@dataclass(frozen=True, slots=True)
class AuditedReturn:
    """A return as a reclaim sees it: its audit and what other reclaims already take from it."""

    return_id: str
    signed_off: bool
    period_end: date
    balance_pence: int
    surplus_pence: int
    reclaimed_pence: int = 0


@dataclass(frozen=True, slots=True)
class Reclaim:
    reclaim_id: str
    agreement_id: str
    person_ref: str
    reason: ReclaimReason
    method: ReclaimMethod
    amount_pence: int
    raised_by: str
    raised_on: date
    raised_at: datetime
    return_id: str | None = None
    council_managed: bool = False
    status: ReclaimStatus = ReclaimStatus.PENDING
    approved_by: str | None = None
    approved_at: datetime | None = None

    def approve(self, by: Actor, at: datetime) -> Reclaim:
        """The second person: a finance approver who did not raise it. Nothing is reclaimed before this."""
        if self.status is ReclaimStatus.APPROVED:
            raise RunConflict("status", f"reclaim {self.reclaim_id} was already approved by {self.approved_by}")
        if by.role != APPROVER_ROLE:
            raise NotPermitted("role", f"approving a reclaim needs the {APPROVER_ROLE} role; {by.subject} has "
                                       f"{by.role}")
        if by.subject == self.raised_by:
            raise NotPermitted("approved_by", f"{by.subject} raised reclaim {self.reclaim_id} and cannot also "
                                              "approve it (two people): ask another finance approver")
        return replace(self, status=ReclaimStatus.APPROVED, approved_by=by.subject, approved_at=at)


def _room(dp: HeldDirectPayment, reason: ReclaimReason, method: ReclaimMethod, audited: AuditedReturn | None,
          managed_available_pence: int | None) -> tuple[int, int, str]:
    """(balance left, most this reclaim may take, where from), or refused naming the field."""
    if reason is ReclaimReason.UNSPENT_AT_END and dp.ended_on is None:
        raise PaymentRefused("reason", f"direct payment {dp.agreement_id} has not ended: unspent_at_end is "
                                       "reclaimed once it has")
    if dp.council_managed:
        if reason is ReclaimReason.SURPLUS:
            raise PaymentRefused("reason", "a council-managed account sends no returns: only its unspent money at "
                                           "the end (unspent_at_end) is reclaimed")
        if audited is not None:
            raise PaymentRefused("return_id", "a council-managed account's ledger is the council's own: no return")
        if method is not ReclaimMethod.NETTING:
            raise PaymentRefused("method", "the council holds a council-managed account's money: it is taken back "
                                           "from the account (netting), never raised as a debt")
        assert managed_available_pence is not None
        return managed_available_pence, managed_available_pence, "the managed account after every pending debit"
    if audited is None:
        raise PaymentRefused("return_id", "name the signed-off return whose surplus or final balance is reclaimed")
    if not audited.signed_off:
        raise PaymentRefused("return_id", f"return {audited.return_id} is not audited and signed off by two people")
    if reason is ReclaimReason.UNSPENT_AT_END and audited.period_end < dp.ended_on:
        raise PaymentRefused("return_id", f"return {audited.return_id} ends on {audited.period_end}, before the "
                                          f"payment's end on {dp.ended_on}: reclaim from the final return")
    if method is ReclaimMethod.NETTING and dp.ended_on is not None:
        raise PaymentRefused("method", f"direct payment {dp.agreement_id} has ended on {dp.ended_on}: there is no "
                                       "next payment to net from; raise it as a debt")
    balance = audited.balance_pence - audited.reclaimed_pence
    limit = audited.surplus_pence - audited.reclaimed_pence if reason is ReclaimReason.SURPLUS else balance
    return balance, limit, f"return {audited.return_id}"


def raise_reclaim(reclaim_id: str, dp: HeldDirectPayment, reason: ReclaimReason, method: ReclaimMethod,
                  amount_pence: int, by: Actor, at: datetime, on: date, audited: AuditedReturn | None = None,
                  managed_available_pence: int | None = None) -> Reclaim:
    """The first person: a finance officer raises it, pending. Refused if it takes more than is there."""
    if by.role != "finance_officer":
        raise NotPermitted("role", f"raising a reclaim needs the finance_officer role; {by.subject} has {by.role}")
    if amount_pence <= 0:
        raise PaymentRefused("amount_pence", "a reclaim is of more than 0")
    balance, limit, source = _room(dp, reason, method, audited, managed_available_pence)
    if amount_pence > balance:
        raise PaymentRefused("amount_pence", f"a reclaim larger than the balance: {format_gbp(amount_pence)} asked, "
                                             f"{format_gbp(max(balance, 0))} left in {source}")
    if amount_pence > limit:
        raise PaymentRefused("amount_pence", f"{format_gbp(amount_pence)} is larger than the surplus left in {source} "
                                             f"({format_gbp(max(limit, 0))})")
    return Reclaim(reclaim_id, dp.agreement_id, dp.person_ref, reason, method, amount_pence, by.subject, on, at,
                   return_id=None if audited is None else audited.return_id, council_managed=dp.council_managed)


def netting_lines(agreement: DirectPaymentAgreement, payable_pence: int, on: date) -> list[RemittanceLine]:
    """The negative lines netting the agreement's reclaims, oldest first, from a payment of `payable_pence`:
    as much of each as leaves the payment at 1p or more; the rest waits for the next payment."""
    room, lines = payable_pence - 1, []
    for due in agreement.reclaims if not agreement.council_managed else ():
        take = min(due.outstanding_pence, room)
        if take <= 0:
            break
        lines.append(RemittanceLine(f"RECLAIM/{due.reclaim_id}/{due.netting}", LineKind.RECLAIM, agreement.id,
                                    f"Reclaim {due.reclaim_id} netted", agreement.person_ref,
                                    ServiceType.DIRECT_PAYMENT, agreement.cost_centre, on, on, -take, agreement.end))
        room -= take
    return lines


def debts_csv(debts: list[Reclaim]) -> str:
    """The debtors system's import: one row per debt, amounts in pence."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DEBT_COLUMNS)
    for d in debts:
        writer.writerow(safe_row([d.person_ref, d.reclaim_id, d.agreement_id]) + [d.amount_pence]
                        + safe_row([d.reason.value, d.raised_on.isoformat()]))
    return out.getvalue()
