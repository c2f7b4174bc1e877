"""What the payments API answers about personal assistants' timesheets, a payroll week and the bureau's net pay
(timesheets.py, payroll.py). Money in integer pence; times are London times."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from contracts.agreements import DayCategory, TimeBand
from shared.uploads import ColumnReport

TIMESHEET_STATUS = Literal["submitted", "approved", "rejected"]


class BandPayOut(BaseModel):
    """A shift's minutes in one time band at one hourly rate, and their price (rounded once)."""

    band: TimeBand
    day_category: DayCategory | None = Field(description="The rate's kind of day; null when the band's every-day "
                                                         "rate applied")
    hourly_pence: int
    minutes: int
    pence: int


class ShiftOut(BaseModel):
    seq: int
    work_date: date
    start: str = Field(description="HH:MM, London time")
    end: str = Field(description="HH:MM, London time")
    ends_next_day: bool
    note: str | None
    minutes: int
    gross_pence: int
    bands: list[BandPayOut]


class TimesheetOut(BaseModel):
    """A timesheet: its shifts priced by time band, and its status."""

    timesheet_id: str
    pa_id: str
    direct_payment_id: str
    status: TIMESHEET_STATUS
    source: Literal["json", "csv"]
    submitted_by: str
    submitted_by_role: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None = Field(description="Why it was rejected")
    shifts: list[ShiftOut]
    minutes_by_band: dict[str, int] = Field(description="Minutes in each band (day, evening, night)")
    minutes: int
    gross_pence: int
    columns: ColumnReport | None = Field(default=None, description="Submitted as CSV: the header's columns read "
                                                                   "and ignored (only in the answer to the upload)")


class TimesheetSummaryOut(BaseModel):
    """A timesheet in a list: its totals, not its shifts."""

    timesheet_id: str
    status: TIMESHEET_STATUS
    source: Literal["json", "csv"]
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    shifts: int = Field(description="How many shifts")
    minutes: int
    gross_pence: int
    first_day: date | None
    last_day: date | None


class NetPayOut(BaseModel):
    net_pence: int
    status: Literal["pending", "recorded", "rejected"]
    upload_id: str
    line_id: str
    run_id: str | None = Field(description="The run paying it, once one does")
    payment_reference: str | None
    paid: bool = Field(description="Whether that run is exported")


class PayrollAssistantOut(BaseModel):
    pa_id: str
    employee_ref: str
    shifts: int
    minutes: dict[str, int] = Field(description="Approved minutes by band (day, evening, night)")
    hours: dict[str, str] = Field(description="The same in hours, to two decimal places ('7.50')")
    rates_pence: dict[str, list[int]] = Field(description="The hourly pence each band was paid at, lowest first")
    gross_pence: int
    net_pay: NetPayOut | None = Field(description="The bureau's net pay for the week, once uploaded")


class PayrollWeekOut(BaseModel):
    """A direct payment's payroll week (Monday to Sunday): each PA's approved hours, rates, gross and net pay."""

    agreement_id: str
    council_managed: bool
    week_start: date
    week_end: date
    timesheets_awaiting_approval: int = Field(description="Submitted timesheets with shifts in the week: not yet in "
                                                          "its gross")
    gross_pence: int
    personal_assistants: list[PayrollAssistantOut]


class NetPayUploadOut(BaseModel):
    """The bureau's net pay for a week as recorded: payable once `recorded` (above the threshold, once a second
    finance approver approves it)."""

    upload_id: str | None = Field(description="null when every row was recorded already, as sent")
    agreement_id: str
    week_start: date
    total_pence: int
    status: Literal["pending", "recorded", "rejected"]
    uploaded_by: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    lines: int | None = Field(default=None, description="Rows recorded by this upload")
    already_recorded: int = Field(default=0, description="Rows recorded already with the same net pay")
    payable: bool
    columns: ColumnReport | None = Field(default=None, description="The CSV header's columns read and ignored (only "
                                                                   "in the answer to the upload)")
