"""A timesheet as a CSV file: a header row (row 1) `work_date,start,end` and optionally `note`, then one
shift per row. Dates are `YYYY-MM-DD` (or `DD/MM/YYYY`), times `HH:MM` (24-hour, London). Blank rows are
skipped. Every problem names its row and column; a file with any problem is refused whole.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from services.payments.domain.timesheets import ShiftIn, TimesheetProblem, TimesheetRefused

REQUIRED = ("work_date", "start", "end")
OPTIONAL = ("note",)
MAX_SHIFTS = 500
MAX_NOTE = 500


def _date(text: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _time(text: str) -> time:
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise ValueError


def parse_timesheet_csv(text: str) -> list[ShiftIn]:
    """The shifts of the file, or TimesheetRefused naming each bad row and column."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise TimesheetRefused([TimesheetProblem(("row", 1), "row 1: the file is empty; the first row names the "
                                                             "columns work_date,start,end[,note]")])
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        said = (f"missing column(s) {', '.join(missing)}" if missing else
                f"unknown column(s) {', '.join(unknown)}" if unknown else "a column is named twice")
        raise TimesheetRefused([TimesheetProblem(("row", 1), f"row 1: {said}; the columns are work_date,start,end "
                                                             "and optionally note")])
    shifts: list[ShiftIn] = []
    problems: list[TimesheetProblem] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(shifts) + len(problems) >= MAX_SHIFTS:
            problems.append(TimesheetProblem(("row", number), f"row {number}: a timesheet has at most {MAX_SHIFTS} "
                                                              "shifts; send the rest in another"))
            break
        shift = _row(number, header, cells, problems)
        if shift is not None:
            shifts.append(shift)
    if problems:
        raise TimesheetRefused(problems)
    if not shifts:
        raise TimesheetRefused([TimesheetProblem(("row", 2), "row 2: the file has no shifts")])
    return shifts


def _row(number: int, header: list[str], cells: list[str], problems: list[TimesheetProblem]) -> ShiftIn | None:
    def refuse(column: str, message: str) -> None:
        problems.append(TimesheetProblem(("row", number, column), f"row {number} column {column}: {message}"))

    if len(cells) > len(header):
        refuse(header[-1], f"the row has {len(cells)} cells but the header names {len(header)} columns")
        return None
    row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
    parsed: dict[str, date | time] = {}
    for column, read, form in (("work_date", _date, "a date YYYY-MM-DD"), ("start", _time, "a time HH:MM"),
                               ("end", _time, "a time HH:MM")):
        if not row[column]:
            refuse(column, "is empty")
            continue
        try:
            parsed[column] = read(row[column])
        except ValueError:
            refuse(column, f"{row[column][:40]!r} is not {form}")
    note = row.get("note", "")
    if len(note) > MAX_NOTE:
        refuse("note", f"is {len(note)} characters long; at most {MAX_NOTE}")
    if len(parsed) < 3 or len(note) > MAX_NOTE:
        return None
    return ShiftIn(("row", number), f"row {number}", parsed["work_date"], parsed["start"], parsed["end"], note)
