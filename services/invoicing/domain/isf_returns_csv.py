"""ISF returns uploaded as CSV: one row per line of spend, one return per (person_ref, period_start).

Columns by header name (case-insensitive, spaces or hyphens read as `_`, any order, unknown ones
ignored and reported: `ReturnsFile.columns`): person_ref, period_start, support_type, hours, spend (pounds:
24.00, £1,234.56) required; subcontractor and over_budget_reason optional (the reason may be on any row of
its return, the same wherever it is given). Dates, money and the file's encoding are read as the provider
invoice CSV reads them (`invoice_csv`). Rows are numbered as a spreadsheet shows them (header = row 1);
every problem is given with its row and column, and `isf_returns.check_return` adds those of each return's
content.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.spreadsheet import safe_cell
from services.invoicing.domain.invoice_csv import (HeaderColumns, UnreadableInvoiceFile, decode_text, header_columns,
                                                   parse_amount, parse_date)
from services.invoicing.domain.isf_returns import MAX_REASON, Problem, ReturnLine, ReturnSubmission

REQUIRED_COLUMNS = ("person_ref", "period_start", "support_type", "hours", "spend")
OPTIONAL_COLUMNS = ("subcontractor", "over_budget_reason")
ALIASES = {"service_user_ref": "person_ref", "spend_gbp": "spend", "sub_contractor": "subcontractor"}
MAX_ROWS = 10_000
MAX_PERSON_REF = 64


def _column(header: str) -> str:
    name = "_".join(header.strip().lower().replace("-", " ").split())
    return ALIASES.get(name, name)


def _known(cell: str) -> bool:
    name = _column(cell)
    return name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS


@dataclass(frozen=True, slots=True)
class ReturnsFile:
    """What a file of returns holds: its returns, every problem found reading it, and its header's columns."""

    submissions: list[ReturnSubmission]
    problems: list[Problem]
    columns: HeaderColumns = HeaderColumns()


def _header(cells: list[str]) -> tuple[dict[str, int], list[Problem]]:
    columns: dict[str, int] = {}
    problems = []
    for i, cell in enumerate(cells):
        name = _column(cell)
        if _known(cell):
            if name in columns:
                problems.append(Problem(name, f"column {name} appears twice in the header", 1))
            columns[name] = i
    problems += [Problem(c, f"the header has no column {c} (required: {', '.join(REQUIRED_COLUMNS)})", 1)
                 for c in REQUIRED_COLUMNS if c not in columns]
    return columns, problems


def _hours(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        shown = safe_cell(text if len(text) <= 40 else text[:37] + "...")
        raise ValueError(f"{shown!r} is not a number of hours (e.g. 12.50)")
    return value


def parse_isf_returns_csv(content: str | bytes) -> ReturnsFile:
    """The returns in the file, every problem found reading it (the returns' own checks come after), and the
    header's columns (mapped and ignored)."""
    try:
        rows = list(csv.reader(io.StringIO(decode_text(content), newline="")))
    except (UnreadableInvoiceFile, csv.Error) as e:
        return ReturnsFile([], [Problem("file", f"the file cannot be read as CSV: {e}")])
    if not rows:
        return ReturnsFile([], [Problem("file", "the file is empty: expected a header row naming the columns", 1)])
    report = header_columns(rows[0], _known)
    if len(rows) > MAX_ROWS + 1:
        return ReturnsFile([], [Problem("file", f"the file has more than {MAX_ROWS:,} rows: send it in parts")],
                           report)
    columns, problems = _header(rows[0])
    if problems:
        if report.ignored:
            problems.append(Problem("file", f"the columns not read were {', '.join(map(repr, report.ignored))}", 1))
        return ReturnsFile([], problems, report)
    groups: dict[tuple, dict] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cell = {name: (cells[i] if i < len(cells) else "").strip() for name, i in columns.items()}
        found = _row(number, cell, problems)
        if found is None:
            continue
        key, line, reason = found
        group = groups.setdefault(key, {"row": number, "lines": [], "reason": None, "reason_row": None})
        group["lines"].append(line)
        if reason:
            if group["reason"] is None:
                group["reason"], group["reason_row"] = reason, number
            elif reason != group["reason"]:
                problems.append(Problem("over_budget_reason", f"over_budget_reason differs from row "
                                                              f"{group['reason_row']}'s for the same return", number))
    if not groups and not problems:
        problems.append(Problem("file", "the file holds no rows of spend", 2))
    submissions = [ReturnSubmission(person, start, tuple(g["lines"]), g["reason"], g["row"])
                   for (person, start), g in groups.items()]
    return ReturnsFile(submissions, problems, report)


def _row(number: int, cell: dict[str, str], problems: list[Problem]) -> tuple[tuple, ReturnLine, str] | None:
    """One row's return key, line and reason; None when it cannot count (its problems added)."""
    before = len(problems)

    def parsed(column: str, parse):
        if not cell.get(column):
            problems.append(Problem(column, f"{column} is empty", number))
            return None
        try:
            return parse(cell[column])
        except ValueError as e:
            problems.append(Problem(column, f"{column} {e}", number))
            return None

    person = cell.get("person_ref", "")
    if not person:
        problems.append(Problem("person_ref", "person_ref is empty", number))
    elif len(person) > MAX_PERSON_REF:
        problems.append(Problem("person_ref", f"person_ref is longer than {MAX_PERSON_REF} characters", number))
    start = parsed("period_start", parse_date)
    hours = parsed("hours", _hours)
    spend = parsed("spend", parse_amount)
    reason = cell.get("over_budget_reason", "")
    if len(reason) > MAX_REASON:
        problems.append(Problem("over_budget_reason", f"over_budget_reason is longer than {MAX_REASON} characters",
                                number))
    if len(problems) > before:
        return None
    line = ReturnLine(cell.get("support_type", ""), cell.get("subcontractor") or None, hours, spend, row=number)
    return (person, start), line, reason
