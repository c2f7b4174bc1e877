"""The invoice: its lines, its kind, where it stands, and what happened to it (who and why).

    draft -> validating -> held | approved -> scheduled -> paid      (and void, see `lifecycle`)

Amounts are integer pence. A credit note's lines are positive: `signed_pence` makes it negative.
`received_on` is the date the council received a provider's invoice, or issued its own; the
30-day payment clock runs from it (see `payment_terms.invoice_due_date`; an ISF advance is due on its
period's first day instead).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from shared.money import format_gbp
from services.invoicing.domain.holds import HoldReason
from services.invoicing.domain.periods import Period, format_span


def new_invoice_id() -> str:
    """32 hex digits, the first 12 the time in milliseconds: ids sort by creation, so a run's
    ~700,000 lines are appended to the lines' index rather than scattered through it."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


class InvoiceKind(StrEnum):
    SELF_BILLED = "self_billed"  # raised by the council from confirmed actuals
    SCHEDULED = "scheduled"  # raised by the council from a plan
    PROVIDER_SUBMITTED = "provider"  # the value contracts/invoicing.py uses
    SUPPLEMENTARY = "supplementary"  # adds to an earlier invoice
    CREDIT_NOTE = "credit_note"  # takes away from an earlier invoice
    ISF_ADVANCE = "isf_advance"  # an individual service fund's budget for a period, paid before it


COUNCIL_RAISED = frozenset({InvoiceKind.SELF_BILLED, InvoiceKind.SCHEDULED, InvoiceKind.SUPPLEMENTARY,
                            InvoiceKind.CREDIT_NOTE, InvoiceKind.ISF_ADVANCE})
CORRECTIONS = frozenset({InvoiceKind.SUPPLEMENTARY, InvoiceKind.CREDIT_NOTE})


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    VALIDATING = "validating"
    HELD = "held"
    APPROVED = "approved"
    SCHEDULED = "scheduled"  # in a payment run
    PAID = "paid"
    VOID = "void"


class InvoiceLine(NamedTuple):
    """One line: what it is for (agreement, person, dates, visit or plan) and its amount.

    A visit line has `visit_id` (and `carer_id`, `minutes`, hourly `rate_pence`); a plan line has
    weekly `units` at weekly `rate_pence`; any other line covers `first_day`..`last_day`.
    An immutable NamedTuple rather than a frozen dataclass because a self-billing run builds
    ~700,000 of them: 0.6 µs each against 3 µs (change one with `line._replace(...)`).
    """

    line_number: int
    agreement_id: str
    person_ref: str
    first_day: date
    last_day: date
    amount_pence: int
    visit_id: str | None = None
    carer_id: str | None = None
    minutes: int | None = None
    rate_pence: int | None = None
    units: Decimal | None = None
    description: str = ""
    source_row: int | None = None  # row of the provider's file (header = row 1)

    @property
    def days(self) -> Period:
        return Period(self.first_day, self.last_day)

    @property
    def summary(self) -> str:
        """The description, or one built from the fields (visit lines carry none, to stay light)."""
        if self.description:
            return self.description
        when = format_span(self.first_day, self.last_day)
        if self.visit_id is not None:
            carer = f", carer {self.carer_id}" if self.carer_id else ""
            rate = f" at {format_gbp(self.rate_pence)} an hour" if self.rate_pence is not None else ""
            minutes = f", {self.minutes} min" if self.minutes is not None else ""
            return f"Visit {self.visit_id} on {when}{carer}{minutes}{rate}"
        return f"{when}, {self.minutes} min" if self.minutes is not None else when


@dataclass(frozen=True, slots=True)
class UnreadableLine:
    """A line of a provider's invoice that could not be read; kept so nothing sent is lost."""

    line_number: int
    problems: tuple[str, ...]
    source_row: int | None = None
    raw: tuple[tuple[str, str], ...] = ()  # (column, cell) as received


@dataclass(frozen=True, slots=True)
class Dispute:
    """A query disputing the invoice; the payment clock stops from `opened_on` to `closed_on`."""

    query_ref: str
    opened_on: date
    closed_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One step in the invoice's life: every write records who and why."""

    action: str
    before: InvoiceStatus | None
    after: InvoiceStatus
    by: str
    why: str


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_id: str
    kind: InvoiceKind
    provider_ref: str
    number: str
    period: Period
    received_on: date
    lines: tuple[InvoiceLine, ...]
    unreadable: tuple[UnreadableLine, ...] = ()
    status: InvoiceStatus = InvoiceStatus.DRAFT
    holds: tuple[HoldReason, ...] = ()
    due_on: date | None = None
    corrects: str | None = None  # invoice_id of the invoice a credit note or supplementary corrects
    provider_dated: date | None = None  # the date the provider printed on it
    disputes: tuple[Dispute, ...] = ()
    resumes_as: InvoiceStatus | None = None  # where a disputed invoice returns when its disputes close
    payment_run_id: str | None = None
    paid_on: date | None = None
    history: tuple[StatusChange, ...] = ()

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines)

    @property
    def signed_pence(self) -> int:
        """What the invoice adds to the provider's payment: negative for a credit note."""
        return -self.total_pence if self.kind is InvoiceKind.CREDIT_NOTE else self.total_pence

    @property
    def agreement_ids(self) -> tuple[str, ...]:
        """The agreements on the invoice, in the order they first appear."""
        return tuple(dict.fromkeys(line.agreement_id for line in self.lines))

    @property
    def open_disputes(self) -> tuple[Dispute, ...]:
        return tuple(d for d in self.disputes if d.is_open)

    @property
    def is_council_raised(self) -> bool:
        return self.kind in COUNCIL_RAISED
