"""Paying on time: the payments compliance notice and payments published for transparency.

Procurement Act 2023 s69 and the Procurement Regulations 2024 reg. 38: for sums paid in a
six-month reporting period, the average days taken to pay and the share paid in days 1-30,
31-60 and 61 or more, where day 1 is the day after the invoice was received and a payment is
made when the supplier receives it (our pay date); and, of sums that became payable in the
period, the share not paid within it. Because a disputed invoice stops the 30-day clock (s68),
the notice also gives the share paid within 30 days of the invoice becoming valid and
undisputed. Transparency: payments over £500 (Local Government Transparency Code) and over
£30,000 (s70); direct payments go to individuals and are not published.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.payments.domain.errors import PaymentRefused
from services.payments.domain.payment_run import PaymentRun, RunStatus
from services.payments.domain.run_lines import PayeeKind

TERM_DAYS = 30
OVER_500_PENCE = 50_000
OVER_30000_PENCE = 3_000_000
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class InvoiceTimeline:
    """The dates of one invoice's way to payment (paid_on: the day the provider received the money)."""

    invoice_id: str
    provider_id: str
    amount_pence: int
    received_on: date
    valid_on: date  # became valid and undisputed (the same as received_on unless queried or disputed)
    approved_on: date | None = None
    paid_on: date | None = None

    @property
    def days_to_pay(self) -> int:
        """Days from receipt, where day 1 is the day after the invoice was received (reg. 38)."""
        return (self.paid_on - self.received_on).days

    @property
    def days_from_valid(self) -> int:
        return (self.paid_on - max(self.valid_on, self.received_on)).days


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / whole).quantize(ONE_DECIMAL, ROUND_HALF_UP) if whole else Decimal("0.0")


@dataclass(frozen=True, slots=True)
class PromptPaymentFigures:
    invoices_paid: int
    value_paid_pence: int
    average_days_to_pay: Decimal
    within_30_days_pct: Decimal
    within_31_to_60_days_pct: Decimal
    after_60_days_pct: Decimal
    within_30_days_of_valid_pct: Decimal

    @classmethod
    def of(cls, paid: list[InvoiceTimeline]) -> PromptPaymentFigures:
        n = len(paid)
        days = [t.days_to_pay for t in paid]
        average = (Decimal(sum(days)) / n).quantize(ONE_DECIMAL, ROUND_HALF_UP) if n else Decimal("0.0")
        return cls(n, sum(t.amount_pence for t in paid), average,
                   _percent(sum(d <= TERM_DAYS for d in days), n),
                   _percent(sum(TERM_DAYS < d <= 2 * TERM_DAYS for d in days), n),
                   _percent(sum(d > 2 * TERM_DAYS for d in days), n),
                   _percent(sum(t.days_from_valid <= TERM_DAYS for t in paid), n))


@dataclass(frozen=True, slots=True)
class PaymentsComplianceNotice:
    council_name: str
    period_start: date
    period_end: date
    overall: PromptPaymentFigures
    by_provider: dict[str, PromptPaymentFigures]  # in provider order
    payable_not_paid_in_period_pct: Decimal
    approver_statement: str  # reg. 38(2)(e): the finance director approves the notice (name, job title)


def compliance_notice(timelines: Iterable[InvoiceTimeline], period_start: date, period_end: date, council_name: str,
                      approver_name: str = "", approver_title: str = "") -> PaymentsComplianceNotice:
    """The notice for invoices paid (and sums that became payable) in [period_start, period_end]."""
    if period_end < period_start:
        raise PaymentRefused("to", f"the period ends ({period_end}) before it starts ({period_start})")
    timelines = list(timelines)
    for t in timelines:
        if t.paid_on is not None and t.paid_on < t.received_on:
            raise PaymentRefused("paid_on", f"invoice {t.invoice_id} is paid before it was received")
    paid = [t for t in timelines if t.paid_on is not None and period_start <= t.paid_on <= period_end]
    by_provider: dict[str, list[InvoiceTimeline]] = defaultdict(list)
    for t in paid:
        by_provider[t.provider_id].append(t)
    payable = [t for t in timelines if period_start <= t.valid_on <= period_end]
    unpaid = sum(t.paid_on is None or t.paid_on > period_end for t in payable)
    statement = (f"Approved by {approver_name}, {approver_title}" if approver_name
                 else "Awaiting approval by the officer responsible for the council's finances")
    return PaymentsComplianceNotice(council_name, period_start, period_end, PromptPaymentFigures.of(paid),
                                    {p: PromptPaymentFigures.of(by_provider[p]) for p in sorted(by_provider)},
                                    _percent(unpaid, len(payable)), statement)


@dataclass(frozen=True, slots=True)
class PublishedPayment:
    """One payment for transparency publication: no personal data (provider payments only)."""

    payment_reference: str
    paid_on: date
    payee_id: str
    payee_name: str
    amount_pence: int
    service_types: tuple[str, ...]
    cost_centres: tuple[str, ...]


def payments_over(runs: Iterable[PaymentRun], threshold_pence: int) -> list[PublishedPayment]:
    """Provider payments of approved runs above `threshold_pence` (OVER_500_PENCE, OVER_30000_PENCE)."""
    published = []
    for run in runs:
        if run.status is not RunStatus.APPROVED:
            continue
        for p in run.payments:
            if p.payee_kind is PayeeKind.PROVIDER and p.amount_pence > threshold_pence:
                published.append(PublishedPayment(
                    p.reference, run.pay_date, p.payee_id, p.payee_name, p.amount_pence,
                    tuple(sorted({str(line.service_type) for line in p.lines})),
                    tuple(sorted({line.cost_centre for line in p.lines}))))
    return sorted(published, key=lambda x: (x.paid_on, x.payment_reference))
