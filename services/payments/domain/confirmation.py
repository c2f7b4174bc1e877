"""What the bank (or the finance system) reports back: each payment paid or returned.

The import is a CSV with a header row: `payment_reference,status,reason` (status `paid` or
`returned`; a returned payment needs a reason such as "account closed"; an optional `amount`
column in pounds is checked against the payment). A returned payment puts its invoices back to
approved with a hold reason, so no run pays them again until finance has dealt with it, and
raises an alert for finance; a returned direct payment leaves its periods unpaid.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum

from shared.money import pounds_to_pence
from services.payments.domain.direct_payments import periods_paid_by
from services.payments.domain.errors import RunConflict
from services.payments.domain.inputs import PaidPeriod
from services.payments.domain.payment_run import PaymentRun, RunStatus
from services.payments.domain.run_lines import PayeeKind, Payment

REQUIRED_COLUMNS = ("payment_reference", "status", "reason")
OPTIONAL_COLUMNS = ("amount",)


class ConfirmationStatus(StrEnum):
    PAID = "paid"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class BankConfirmation:
    payment_reference: str
    status: ConfirmationStatus
    reason: str = ""
    amount_pence: int | None = None
    row: int = 0


@dataclass(frozen=True, slots=True)
class ConfirmationProblem:
    row: int  # 1 is the header row
    field: str
    message: str


def parse_confirmation_csv(text: str) -> tuple[list[BankConfirmation], list[ConfirmationProblem]]:
    """The rows that can be used, and a problem for each row that cannot (with its row number)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [ConfirmationProblem(1, "header", f"missing column(s) {', '.join(missing)}; expected "
                                                     f"{','.join(REQUIRED_COLUMNS)} (and optionally amount)")]
    reader.fieldnames = columns
    rows, problems = [], []
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        reference, status, reason = row["payment_reference"], row["status"].lower(), row["reason"]
        if not reference:
            problems.append(ConfirmationProblem(number, "payment_reference", "is empty"))
        elif status not in {s.value for s in ConfirmationStatus}:
            problems.append(ConfirmationProblem(number, "status", f"{row['status']!r} must be paid or returned"))
        elif status == ConfirmationStatus.RETURNED and not reason:
            problems.append(ConfirmationProblem(number, "reason", "a returned payment needs the bank's reason, "
                                                                  "e.g. account closed"))
        else:
            try:
                amount = pounds_to_pence(row["amount"]) if row.get("amount") else None
            except (ValueError, ArithmeticError):
                problems.append(ConfirmationProblem(number, "amount", f"{row['amount']!r} is not an amount in pounds"))
                continue
            rows.append(BankConfirmation(reference, ConfirmationStatus(status), reason, amount, number))
    return rows, problems


@dataclass(frozen=True, slots=True)
class InvoiceBackToApproved:
    invoice_id: str
    hold_reason: str
    payment_reference: str


@dataclass(frozen=True, slots=True)
class DirectPaymentReturned:
    agreement_id: str
    periods: tuple[PaidPeriod, ...]  # no longer paid: the agreement's paid_up_to goes back to the first
    hold_reason: str
    payment_reference: str


@dataclass(frozen=True, slots=True)
class FinanceAlert:
    payment_reference: str
    payee_id: str
    amount_pence: int
    message: str


@dataclass(frozen=True, slots=True)
class ConfirmationOutcome:
    paid: tuple[Payment, ...]
    returned: tuple[Payment, ...]
    invoices_back_to_approved: tuple[InvoiceBackToApproved, ...]
    direct_payments_returned: tuple[DirectPaymentReturned, ...]
    alerts: tuple[FinanceAlert, ...]
    problems: tuple[ConfirmationProblem, ...]


def apply_confirmations(run: PaymentRun, confirmations: list[BankConfirmation]) -> ConfirmationOutcome:
    """Match each confirmation to the run's payment; what to do for each returned one."""
    if run.status is not RunStatus.APPROVED:
        raise RunConflict("status", f"run {run.run_id} is not approved: the bank cannot have paid it")
    by_reference = {p.reference: p for p in run.payments}
    decided: dict[str, BankConfirmation] = {}
    problems: list[ConfirmationProblem] = []
    for c in confirmations:
        payment = by_reference.get(c.payment_reference)
        earlier = decided.get(c.payment_reference)
        if payment is None:
            problems.append(ConfirmationProblem(c.row, "payment_reference",
                                                f"{c.payment_reference} is not a payment of run {run.run_id}"))
        elif c.amount_pence is not None and c.amount_pence != payment.amount_pence:
            problems.append(ConfirmationProblem(c.row, "amount", f"{c.payment_reference} was for "
                                                                 f"{payment.amount_pence}p, not {c.amount_pence}p"))
        elif earlier is not None and earlier.status != c.status:
            problems.append(ConfirmationProblem(c.row, "status", f"{c.payment_reference} is also reported "
                                                                 f"{earlier.status} on row {earlier.row}"))
        elif earlier is None:
            decided[c.payment_reference] = c
    paid, returned, invoices, dps, alerts = [], [], [], [], []
    for payment in run.payments:  # run order keeps the outcome stable
        c = decided.get(payment.reference)
        if c is None:
            continue
        if c.status is ConfirmationStatus.PAID:
            paid.append(payment)
            continue
        returned.append(payment)
        hold = f"payment {payment.reference} returned by the bank: {c.reason}"
        if payment.payee_kind is PayeeKind.DIRECT_PAYMENT:
            periods = tuple(periods_paid_by(payment))
            dps.append(DirectPaymentReturned(payment.payee_id, periods, hold, payment.reference))
        invoices.extend(InvoiceBackToApproved(i, hold, payment.reference) for i in payment.invoice_ids)
        alerts.append(FinanceAlert(payment.reference, payment.payee_id, payment.amount_pence,
                                   f"{payment.payee_name}: {hold}; check the bank details before paying again"))
    return ConfirmationOutcome(tuple(paid), tuple(returned), tuple(invoices), tuple(dps), tuple(alerts),
                               tuple(problems))
