"""What the invoicing API accepts and answers (money in pence, dates as yyyy-mm-dd)."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus, UnreadableLine
from services.invoicing.domain.provider_invoices import SubmittedLine
from shared.bounds import MAX_INVOICE_LINES, MAX_LINE_FIELDS, Description, Key, Reference, text
from shared.clock import BusinessDate, PlausibleDate
from shared.uploads import ColumnReport

MAX_PENCE = 10 ** 11  # a billion pounds: past any invoice
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Text that must say something, with no NUL (shared.bounds).
InvoiceNumber = text(100, 1, says_something=True)
Why = text(1000, 1, says_something=True)


def _iso_date(value: Any) -> Any:
    """A date as its `format: date` says, yyyy-mm-dd (pydantic alone reads 0 or "0" as 1970-01-01)."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    shown = repr(value[:20]) if isinstance(value, str) else f"the {type(value).__name__} {str(value)[:20]}"
    raise ValueError(f"{shown} is not a date: use yyyy-mm-dd")


IsoDate = BeforeValidator(_iso_date)
# Dates a client sends, yyyy-mm-dd only: any day (in a query string), a business date, a plausible date
# (shared.clock's windows).
QueryDate = Annotated[date, IsoDate]
BusinessDay = Annotated[BusinessDate, IsoDate]
PlausibleDay = Annotated[PlausibleDate, IsoDate]
# One line as sent: read field by field below, so one bad line is kept and named, not refused.
RawLine = Annotated[dict[Annotated[str, StringConstraints(max_length=64)], Any], Field(max_length=MAX_LINE_FIELDS)]


class LineIn(BaseModel):
    """One line of a provider's invoice: the agreement and service user, the dates (or a week
    commencing Monday), the amount in pence, and for actuals optionally the visit and carer."""

    model_config = ConfigDict(extra="forbid")

    agreement_ref: Reference
    service_user_ref: Reference
    amount_pence: int
    date_from: PlausibleDay | None = None
    date_to: PlausibleDay | None = None
    week_commencing: PlausibleDay | None = None
    visit_id: Key | None = None
    carer_id: Key | None = None
    description: Description = ""


class ProviderInvoiceIn(BaseModel):
    """A provider's invoice. Lines are read one by one: a line that cannot be read is kept, and the
    invoice held naming it, so nothing sent is lost."""

    invoice_number: InvoiceNumber = Field(description="The provider's own number for this invoice (not blank).")
    invoice_date: PlausibleDay | None = None
    period_start: PlausibleDay | None = None
    period_end: PlausibleDay | None = None
    lines: list[RawLine] = Field(min_length=1, max_length=MAX_INVOICE_LINES)


def _kept(text: str) -> str:
    """Text of a line that could not be read, as it is kept: a NUL (which Postgres cannot store) shown as U+FFFD."""
    return text.replace("\x00", "\ufffd")


def read_lines(raw: list[dict[str, Any]]) -> tuple[list[SubmittedLine], list[UnreadableLine]]:
    """Each line read as LineIn; one that cannot be is kept (its fields, cut to 100 characters, and every problem
    with it) as an unreadable line, so the invoice is held naming it."""
    lines, unreadable = [], []
    for number, item in enumerate(raw, start=1):
        try:
            line = LineIn.model_validate(item)
        except ValidationError as exc:
            problems = tuple(_kept(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}")
                             for e in exc.errors())
            unreadable.append(UnreadableLine(number, problems, raw=tuple((_kept(str(k)), _kept(str(v)[:100]))
                                                                         for k, v in item.items())))
            continue
        lines.append(SubmittedLine(line.agreement_ref, line.service_user_ref, line.amount_pence, line.date_from,
                                   line.date_to, line.week_commencing, line.visit_id, line.carer_id, line.description))
    return lines, unreadable


class ReasonIn(BaseModel):
    reason: Why = Field(description="Why (not blank): recorded with who did it.")


class CorrectionIn(ReasonIn):
    amount_pence: int = Field(gt=0, le=MAX_PENCE, description="The amount credited or added, in pence.")


class ScheduledRunOut(BaseModel):
    period_start: date
    raised: int
    approved: int
    held: int
    already_invoiced: int
    nothing_payable: int
    invoice_ids: list[str]


class IsfAdvanceRunIn(BaseModel):
    period_start: BusinessDay = Field(description="First day of a four-weekly period, past or future.")


class IsfAdvanceRunOut(BaseModel):
    period_start: date
    period_end: date
    raised: int
    approved: int
    held: int
    already_advanced: int
    nothing_payable: int
    invoice_ids: list[str]


class PreviewIn(BaseModel):
    agreement_id: Reference
    period_start: BusinessDay = Field(description="Any day of the period: the agreement's cycle gives the period.")
    period_end: BusinessDay | None = Field(default=None, description="Only to preview a period of your own choosing.")


class LineOut(BaseModel):
    line_number: int
    agreement_id: str
    person_ref: str
    first_day: date
    last_day: date
    amount_pence: int
    visit_id: str | None
    carer_id: str | None
    minutes: int | None
    rate_pence: int | None
    units: Decimal | None
    description: str
    source_row: int | None


class UnreadableOut(BaseModel):
    line_number: int
    source_row: int | None
    problems: list[str]


class HoldOut(BaseModel):
    code: HoldCode
    message: str
    lines: list[int]
    agreement_id: str | None
    expected_pence: int | None
    claimed_pence: int | None
    reference: str | None


class DisputeOut(BaseModel):
    query_id: str
    opened_on: date
    closed_on: date | None


class StepOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    by: str
    role: str
    why: str
    at: datetime | None


class InvoiceSummary(BaseModel):
    invoice_id: str
    kind: InvoiceKind
    provider_id: str
    number: str
    status: InvoiceStatus
    agreement_ids: list[str]
    period_start: date
    period_end: date
    received_on: date
    due_date: date | None
    total_pence: int
    line_count: int
    hold_codes: list[HoldCode]
    corrects_invoice_id: str | None


class InvoiceOut(InvoiceSummary):
    lines: list[LineOut]
    unreadable_lines: list[UnreadableOut]
    holds: list[HoldOut]
    disputes: list[DisputeOut]
    history: list[StepOut]


def invoice_out(invoice: Invoice, history: list[Any] | None = None) -> InvoiceOut:
    """The invoice as answered; `history` rows from the store (a preview has none)."""
    steps = [StepOut(action=h["action"], from_status=h["from_status"], to_status=h["to_status"], by=h["actor_id"],
                     role=h["actor_role"], why=h["reason"], at=h["recorded_at"]) for h in history or []]
    return InvoiceOut(
        invoice_id=invoice.invoice_id, kind=invoice.kind.value, provider_id=invoice.provider_ref, number=invoice.number,
        status=invoice.status.value, agreement_ids=list(invoice.agreement_ids), period_start=invoice.period.first,
        period_end=invoice.period.last, received_on=invoice.received_on, due_date=invoice.due_on,
        total_pence=invoice.total_pence, line_count=len(invoice.lines),
        hold_codes=sorted({h.code.value for h in invoice.holds}), corrects_invoice_id=invoice.corrects,
        lines=[LineOut(**line._asdict()) for line in invoice.lines],
        unreadable_lines=[UnreadableOut(line_number=u.line_number, source_row=u.source_row, problems=list(u.problems))
                          for u in invoice.unreadable],
        holds=[HoldOut(code=h.code.value, message=h.message, lines=list(h.line_numbers), agreement_id=h.agreement_id,
                       expected_pence=h.expected_pence, claimed_pence=h.claimed_pence, reference=h.reference)
               for h in invoice.holds],
        disputes=[DisputeOut(query_id=d.query_ref, opened_on=d.opened_on, closed_on=d.closed_on)
                  for d in invoice.disputes],
        history=steps)


class InvoiceFileOut(BaseModel):
    """What a CSV upload made: each invoice in it (approved, or held with every reason, naming the rows at
    fault), and which of the header's columns were read."""

    invoices: list[InvoiceOut] = Field(description="One per invoice_number in the file, in the file's order.")
    columns: ColumnReport


class ContributionRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period_start: BusinessDay = Field(description="First day of a four-weekly period that is over.")


class ContributionChargeIn(ContributionRunIn):
    person_ref: Reference


class ContributionRunOut(BaseModel):
    period_start: date
    period_end: date
    people: int = Field(description="People with a charge for the period after the run.")
    changed: int = Field(description="New revisions made (each published as ContributionCharged).")
    total_change_pence: int


class ContributionChargeOut(BaseModel):
    """A revision of a person's charge for a period: ContributionCharged's fields and the export it went in."""

    charge_id: str
    person_ref: str
    period_start: date
    period_end: date
    revision: int
    contribution_pence: int
    care_cost_pence: int
    charged_pence: int
    change_pence: int
    capped: bool
    reason: str
    exported_in: str | None


def charge_out(charge: Any) -> ContributionChargeOut:
    """From a stored charge row (or the dict of one just recorded)."""
    fields = {k: charge[k] for k in ContributionChargeOut.model_fields if k != "exported_in"}
    return ContributionChargeOut(**fields, exported_in=charge["export_id"])


class ContributionExportOut(BaseModel):
    export_id: str
    count: int
    total_pence: int
