"""The rules no run may break, as pure checks that list every breach they find.

Run total = sum of payments = sum of lines; no payment into bank details the council has not
verified; nothing paid for days after an agreement's end (a line split by agreement: each charge
held to its own agreement's end, the charges summing exactly to the line); no payment of zero or less; no invoice
paid twice in a run; a payment's lines all leave from one account (all funded by managed direct
payments, or none), and each managed account it draws on is debited more than 0. `PaymentRun.approve` refuses a run with any breach; file totals are
checked against the run in `services.payments.domain.files.export`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.payments.domain.managed_funding import ENTRY_KINDS, debits_of
from services.payments.domain.run_lines import LineKind, RemittanceLine

if TYPE_CHECKING:
    from services.payments.domain.payment_run import PaymentRun
    from services.payments.domain.run_lines import Payment


@dataclass(frozen=True, slots=True)
class Breach:
    rule: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.subject}): {self.detail}"


def run_breaches(run: PaymentRun) -> list[Breach]:
    """Every invariant the run breaks; empty when it is sound."""
    breaches: list[Breach] = []
    seen_invoices: dict[str, str] = {}
    seen_references: set[str] = set()
    for payment in run.payments:
        ref = payment.reference
        if ref in seen_references:
            breaches.append(Breach("duplicate_reference", ref, "two payments share this reference"))
        seen_references.add(ref)
        lines_total = sum(line.amount_pence for line in payment.lines)
        if payment.amount_pence != lines_total:
            breaches.append(Breach("payment_total_mismatch", ref,
                                   f"payment is {payment.amount_pence}p but its lines sum to {lines_total}p"))
        if payment.amount_pence <= 0:
            breaches.append(Breach("payment_not_positive", ref, f"payment of {payment.amount_pence}p"))
        if not payment.account_verified:
            breaches.append(Breach("unverified_bank_details", ref,
                                   f"{payment.payee_id}'s bank details are not verified"))
        breaches += _funding_breaches(payment)
        for line in payment.lines:
            if line.agreement_end is not None and line.period_end > line.agreement_end:
                breaches.append(Breach("after_agreement_end", line.line_id,
                                       f"pays up to {line.period_end}, after the agreement ended {line.agreement_end}"))
            breaches += _charge_breaches(line)
            if line.kind is LineKind.INVOICE:
                if line.settles in seen_invoices:
                    breaches.append(Breach("invoice_paid_twice", line.settles,
                                           f"in {seen_invoices[line.settles]} and {ref}"))
                seen_invoices[line.settles] = ref
    return breaches


def _charge_breaches(line: RemittanceLine) -> list[Breach]:
    if not line.charges:
        return []
    breaches = [Breach("after_agreement_end", line.line_id, f"charges agreement {c.agreement_id} up to {c.last_day}, "
                                                            f"after it ended {c.agreement_end}")
                for c in line.charges if c.agreement_end is not None and c.last_day > c.agreement_end]
    charged = sum(c.amount_pence for c in line.charges)
    if charged != line.amount_pence:
        breaches.append(Breach("charges_mismatch", line.line_id,
                               f"line is {line.amount_pence}p but its charges to agreements sum to {charged}p"))
    return breaches


def _funding_breaches(payment: Payment) -> list[Breach]:
    funded = [line.funded_by is not None for line in payment.lines]
    if not any(funded):
        return []
    if not all(funded):
        return [Breach("mixed_originating_accounts", payment.reference,
                       "some lines are paid from a managed account and some from the council's: split the payment")]
    if payment.payee_kind not in ENTRY_KINDS:
        return [Breach("funded_payee_kind", payment.reference,
                       f"a {payment.payee_kind} payment cannot be paid from a managed account")]
    return [Breach("managed_debit_not_positive", payment.reference,
                   f"debits direct payment {d.direct_payment_id}'s managed account {d.amount_pence}p")
            for d in debits_of(payment) if d.amount_pence <= 0]
