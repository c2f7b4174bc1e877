"""Individual service funds: each four-weekly period's budget advanced to the provider before it.

An agreement with mechanism `isf` (always on plan, four-weekly) is never invoiced in arrears. Instead
the council raises one `isf_advance` per agreement and four-weekly period: its lines are the plan's
spans of the period exactly as a scheduled invoice's (`scheduled.plan_invoice`), it is checked like a
scheduled invoice, numbered `IA-<provider>-000001`, and due on the period's first day or the day it is
raised if later (`payment_terms.advance_due_date`). Each round the job raises the previous and
current periods (catching up what a stopped job missed) and the next one once it starts within the
advance days.
"""
from __future__ import annotations

from datetime import date, timedelta

from contracts.common import Cycle, SpendMechanism
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.invoice import Invoice, InvoiceKind
from services.invoicing.domain.periods import (DEFAULT_FOUR_WEEKLY_ANCHOR, Period, format_day, four_weeks_of,
                                               period_starting)
from services.invoicing.domain.scheduled import plan_invoice

DEFAULT_ADVANCE_DAYS = 14


def is_isf(agreement: AgreementOnFile) -> bool:
    return agreement.mechanism is SpendMechanism.ISF


def build_isf_advance(agreement: AgreementOnFile, period: Period, *, number: str, issued_on: date,
                      invoice_id: str | None = None) -> Invoice:
    """The draft advance of an ISF agreement for a four-weekly `period`.

    Raises `NothingToInvoice` when no day of the period is payable (before the start, after the end,
    suspended throughout) and `InvalidInvoiceInput` for an agreement that is not an ISF on plan."""
    if not is_isf(agreement):
        raise InvalidInvoiceInput("mechanism", f"agreement {agreement.agreement_id} is not an individual service"
                                               " fund: it is not paid in advance")
    return plan_invoice(agreement, period, InvoiceKind.ISF_ADVANCE, number=number, issued_on=issued_on,
                        invoice_id=invoice_id)


def advance_period(period_start: date, anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> Period:
    """The four-weekly period starting on `period_start`; refused (field period_start) for any other day."""
    period = period_starting(period_start, Cycle.FOUR_WEEKLY, anchor)
    if period is None:
        around = four_weeks_of(period_start, anchor)
        raise InvalidInvoiceInput("period_start", f"{period_start} does not start a four-weekly period: the period"
                                                  f" around it starts on {format_day(around.first)} and the next on"
                                                  f" {format_day(around.last + timedelta(days=1))}")
    return period


def periods_to_advance(today: date, advance_days: int = DEFAULT_ADVANCE_DAYS,
                       anchor: date = DEFAULT_FOUR_WEEKLY_ANCHOR) -> list[Period]:
    """What a round of the job raises on `today`: the previous and current four-weekly periods, and the
    next when it starts within `advance_days` days."""
    if advance_days < 0:
        raise ValueError(f"advance days cannot be negative ({advance_days})")
    current = four_weeks_of(today, anchor)
    periods = [four_weeks_of(current.first - timedelta(days=1), anchor), current]
    following = four_weeks_of(current.last + timedelta(days=1), anchor)
    if (following.first - today).days <= advance_days:
        periods.append(following)
    return periods
