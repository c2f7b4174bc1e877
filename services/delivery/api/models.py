"""Bodies of delivery's HTTP resources: what officers send (`AllocateIn`, `RejectIn`) and every answer's shape
(feed reports, the records listed, a week's actuals, an officer's decision), so the OpenAPI document says
what each route returns."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.delivery.domain.visit_rules import FlagCode
from shared.bounds import Reference, text
from shared.uploads import ColumnReport

# --- requests -------------------------------------------------------------------------------------------------

OfficerNote = text(500)  # why an officer allocated a record: may be left out
WhyRejected = text(500, 3)


class AllocateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreement_id: Reference = Field(description="The agreement (of the record's own provider) whose planned visit "
                                                "the record belongs to.")
    planned_start: datetime = Field(description="Start of the agreement's planned visit (no offset: London time).")
    reason: OfficerNote | None = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: WhyRejected = Field(description="Why the record will never be paid.")


# --- feed reports ---------------------------------------------------------------------------------------------

Outcome = Literal["verified", "unallocated", "rejected"]


class RecordProblem(BaseModel):
    """One thing wrong with a record."""

    field: str | None = Field(description="The record's field, when the problem is in one")
    reason: str = Field(description="Machine-readable reason (e.g. missing_field, time_unparseable)")
    message: str = Field(description="What is wrong, for the provider to act on")


class _Placed(BaseModel):
    record_id: str = Field(description="The record's id in delivery: `<intake_id>.<row>`")
    location: str = Field(description="Where it was in what was sent: `record 4`, `row 17`, "
                                      "`carer record 2 (line 9, /ServiceDeliveryFile/...)`")
    reason: str | None = Field(description="Why it was rejected or left unallocated (None when verified)")
    field: str | None = Field(description="The field the reason is about, when there is one")
    message: str | None = Field(description="The reason in words")
    visit_key: str | None = Field(None, description="The planned visit a verified record was matched to")
    problems: list[RecordProblem] = Field(default_factory=list, description=(
        "Every problem, when a record has more than one (the first is also in reason, field and message)"))


class BatchRecord(_Placed):
    """Where one record of a JSON batch ended."""

    index: int = Field(description="The record's 0-based index in the array sent")
    outcome: Outcome


class FileReject(_Placed):
    """One bad row of an uploaded file."""

    row: int = Field(description="CSV: the spreadsheet row (the header is row 1). XML: the n-th carer record")


class _Totals(BaseModel):
    intake_id: str = Field(description="This batch or file in delivery (its records' ids start with it)")
    file_reference: str | None = Field(description="The file's reference, accepted once per provider (None for a "
                                                   "JSON batch)")
    received: int = Field(description="Records received (a resumed file: with the earlier part's)")
    verified: int
    unallocated: int = Field(description="Records held for an officer: they match no planned visit")
    rejected: int
    resumed_after_row: int | None = Field(description="An interrupted upload of this file sent again: the rows up "
                                                      "to this one were already committed")
    file_error: str | None = Field(description="A file-level error part-way (e.g. truncated XML): the rows before "
                                               "it were processed")


class BatchReport(_Totals):
    """The outcome of a JSON batch: totals and every record's outcome by its index."""

    records: list[BatchRecord]


class FileReport(_Totals):
    """The outcome of an uploaded file: totals, the columns read and every bad row."""

    format: Literal["csv", "xml"]
    columns: ColumnReport | None = Field(description="CSV: the header's columns read and those ignored (extra or "
                                                     "misspelt). None for XML.")
    rejects: list[FileReject] = Field(description="Every bad row, up to the first 10,000 (all in `all_rejects`)")
    rejects_listed: int = Field(description="How many of the rejected rows `rejects` lists")
    all_rejects: str = Field(description="Where every rejected row of this file is listed")


# --- records listed -------------------------------------------------------------------------------------------


class ReceivedRecord(BaseModel):
    """A record as received and where it ended (rejected or unallocated), with an officer's decision if any."""

    record_id: str
    intake_id: str = Field(description="The batch or file it came in (`kafka:<message id>` for the Kafka feed)")
    source: Literal["kafka", "http", "csv", "xml"]
    location: str = Field(description="Where it was in what was sent (row, record, partition@offset)")
    received_at: datetime
    provider_id: str | None = Field(description="The provider (PRV-…), None when it could not be told")
    provider_ref: str | None = Field(description="The CQC ID the record named its provider by")
    service_user_ref: str | None
    visit_id: str | None
    carer_id: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    check_in: datetime | None
    check_out: datetime | None
    check_in_method: str | None
    exception_code: str | None
    agreement_ref: str | None
    outcome: Literal["unallocated", "rejected"]
    visit_key: str | None = Field(description="The planned visit it was allocated to, once it is")
    reason: str | None = Field(description="Machine-readable reason it was rejected or left unallocated")
    field: str | None
    message: str | None
    resolution: Literal["allocated", "rejected", "superseded"] | None = Field(
        description="Unallocated records: an officer's decision, or superseded by a later record (None: open)")
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_reason: str | None


class RejectedRecord(ReceivedRecord):
    """A rejected record, with what was received (shortened when large)."""

    raw: Any = Field(None, description="What was received for the record, as sent (JSON, or text)")


# --- a week's actuals -----------------------------------------------------------------------------------------


class VisitFlag(BaseModel):
    code: FlagCode
    reason: str


class PeriodLine(BaseModel):
    """A carer's verified visit of the week, at its latest revision."""

    visit_key: str
    visit_id: str
    carer_id: str
    local_date: date
    planned_start: datetime
    planned_minutes: int
    actual_minutes: int | None
    payable_minutes: int
    rate_pence_per_hour: int
    amount_pence: int
    revision: int
    flags: list[VisitFlag]


class Adjustment(BaseModel):
    """A change to a confirmed week's visit, paid with the agreement's next confirmed week."""

    visit_key: str
    carer_id: str
    week_start: date = Field(description="The week of the visit changed")
    amount_pence_delta: int
    revision: int
    applied_week: date | None = Field(description="The confirmed week it is paid with (None: waiting)")


class PlannedVisitOut(BaseModel):
    """A visit the agreement plans in the week, as delivery reads it."""

    visit_key: str
    planned_start: datetime
    planned_minutes: int
    carers_required: int
    rate_pence_per_hour: int | None = Field(description="None when the terms give no hourly rate for it")


class PeriodOut(BaseModel):
    """One agreement's Monday-Sunday week: its verified lines, adjustments and planned visits."""

    agreement_id: str
    person_ref: str
    provider_id: str
    week_start: date
    status: Literal["open", "confirmed"]
    confirmed_at: datetime | None
    confirmed_by: Literal["provider", "officer", "auto"] | None
    auto_confirms_at: datetime = Field(description="When the week confirms itself if no one has")
    visits: int = Field(description="Lines (carer visits verified)")
    payable_minutes: int
    amount_pence: int
    adjustments_pence: int = Field(description="Confirmed: the adjustments paid with this week. Open: those "
                                               "waiting for the next confirmation")
    lines: list[PeriodLine]
    adjustments: list[Adjustment]
    planned_visits: list[PlannedVisitOut]


# --- an officer's decision ------------------------------------------------------------------------------------


class VerifiedCarer(BaseModel):
    carer_id: str
    revision: int
    payable_minutes: int
    amount_pence: int
    flags: list[FlagCode]


class AllocationOut(BaseModel):
    """An unallocated record allocated to a planned visit, and the carers verified there."""

    record_id: str
    outcome: Literal["allocated"]
    visit_key: str
    verified: list[VerifiedCarer]


class RejectionOut(BaseModel):
    """An unallocated record rejected: it is never paid."""

    record_id: str
    outcome: Literal["rejected"]
    reason: str
