"""What a payment run is made of: one payment per payee, its remittance lines, and exclusions.

A remittance line says what part of a payment is for: an invoice, a credit note netted against
it (with the reason it was raised), one four-weekly direct-payment period, or an adjustment after a
change to an agreement. A line for several agreements carries its charge to each.
An exclusion is anything that would otherwise have been paid, with the reason it was not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.common import ServiceType
from shared.money import format_gbp
from services.payments.domain.inputs import BankAccount


class LineKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DIRECT_PAYMENT = "direct_payment"
    ADJUSTMENT = "adjustment"  # a direct payment corrected after its agreement changed
    PAYROLL = "payroll"  # a personal assistant's net pay for a pay period
    RECLAIM = "reclaim"  # money a direct payment's holder gives back, netted from its next payment (negative)


class PayeeKind(StrEnum):
    PROVIDER = "provider"
    DIRECT_PAYMENT = "direct_payment"
    PERSONAL_ASSISTANT = "personal_assistant"


@dataclass(frozen=True, slots=True)
class Charge:
    """The part of a line charged to one agreement: its cost centre ("" unknown: the journal's default), the
    pence (a line's charges sum exactly to it), the last day the line charges that agreement and its end."""

    agreement_id: str
    cost_centre: str
    amount_pence: int
    last_day: date
    agreement_end: date | None = None


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One thing a payment covers. `settles` is the invoice (or DP agreement) the line belongs to:
    an invoice and its credit notes share it, so they are excluded or returned together."""

    line_id: str
    kind: LineKind
    settles: str
    description: str
    person_ref: str
    service_type: ServiceType
    cost_centre: str
    period_start: date
    period_end: date
    amount_pence: int
    agreement_end: date | None = None
    funded_by: str | None = None  # the council-managed direct payment whose account pays this line
    reason: str = ""  # a credit note's reason, in words the provider reads on the remittance advice
    # Split by agreement (an invoice judged by its agreement periods, and its credit notes): each charge is
    # held to its own agreement's end, and the journal charges each to its cost centre. Empty: the whole
    # line is `cost_centre`'s and held to `agreement_end`.
    charges: tuple[Charge, ...] = ()


@dataclass(frozen=True, slots=True)
class Payment:
    """One Bacs credit to one payee: the sum of its lines, into the account verified for it."""

    reference: str
    payee_kind: PayeeKind
    payee_id: str
    payee_name: str
    account: BankAccount
    account_verified: bool
    lines: tuple[RemittanceLine, ...]
    amount_pence: int

    @classmethod
    def of(cls, reference: str, payee_kind: PayeeKind, payee_id: str, payee_name: str,
           account: BankAccount, account_verified: bool, lines: tuple[RemittanceLine, ...]) -> Payment:
        return cls(reference, payee_kind, payee_id, payee_name, account, account_verified, lines,
                   sum(line.amount_pence for line in lines))

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(line.settles for line in self.lines if line.kind is LineKind.INVOICE)


class ExclusionReason(StrEnum):
    DISPUTED = "disputed"
    ON_HOLD = "on_hold"
    AFTER_AGREEMENT_END = "after_agreement_end"
    NO_BANK_DETAILS = "no_bank_details"
    UNVERIFIED_BANK_DETAILS = "unverified_bank_details"
    NET_NEGATIVE_CARRIED_FORWARD = "net_negative_carried_forward"
    NOTHING_TO_PAY = "nothing_to_pay"
    EXCLUDED_AT_REVIEW = "excluded_at_review"
    INSUFFICIENT_MANAGED_FUNDS = "insufficient_managed_funds"
    MIXED_FUNDING = "mixed_funding"  # an invoice for agreements paid from different accounts


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Something left out of the run and why. `subject` is an invoice, provider or DP agreement;
    `settles` lists the invoices (or DP agreements) that stay unpaid and come up again next run."""

    subject: str
    payee_id: str
    reason: ExclusionReason
    detail: str
    amount_pence: int
    settles: tuple[str, ...] = ()


def carried_forward(payee_id: str, lines: tuple[RemittanceLine, ...] | list[RemittanceLine]) -> Exclusion:
    """A payee whose lines net to zero or less: nothing is paid and the lines wait for the next run."""
    total = sum(ln.amount_pence for ln in lines)
    settles = tuple(dict.fromkeys(ln.settles for ln in lines))
    if total < 0:
        return Exclusion(payee_id, payee_id, ExclusionReason.NET_NEGATIVE_CARRIED_FORWARD,
                         f"credits exceed invoices by {format_gbp(-total)}; "
                         "the balance is carried forward to the next run",
                         total, settles)
    return Exclusion(payee_id, payee_id, ExclusionReason.NOTHING_TO_PAY,
                     "invoices and credits cancel out: nothing to pay", total, settles)
