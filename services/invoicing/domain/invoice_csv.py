"""Provider invoices uploaded as CSV: one row per line, read into the same submissions as JSON.

Columns are found by header name: case-insensitive, spaces or hyphens read as `_`, any order;
unknown columns are ignored and reported (`HeaderColumns`: mapped and ignored, as the header names them);
a missing required column rejects the file, naming them all and the columns not read. UTF-8 with
or without BOM (Excel), UTF-16 with a BOM, or Windows-1252, CRLF or LF; at most 16 MB and 100,000
rows (413 beyond, to split the file). Rows are numbered as a spreadsheet shows
them (header = row 1). A file may hold several invoices: rows are grouped by `invoice_number`.
A row that cannot be read is kept as an unreadable line of its invoice, naming its row and what
is wrong, so the invoice is held and the provider told exactly which rows to fix. Values quoted
back go through `safe_cell`, as everything from outside does.

Required: invoice_number, agreement_ref, service_user_ref, amount (pounds: 24.00, £1,234.56).
Each row also needs date_from (date_to optional) or week_commencing (a Monday).
Optional: invoice_date, period_start, period_end, visit_id, carer_id, description.
Dates: yyyy-mm-dd or dd/mm/yyyy.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shared.money import pounds_to_pence
from shared.spreadsheet import safe_cell
from services.invoicing.domain.invoice import UnreadableLine
from services.invoicing.domain.periods import Period
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission, SubmittedLine

REQUIRED_COLUMNS = ("invoice_number", "agreement_ref", "service_user_ref", "amount")
OPTIONAL_COLUMNS = ("invoice_date", "period_start", "period_end", "date_from", "date_to", "week_commencing",
                    "visit_id", "carer_id", "description")
ALIASES = {"agreement_id": "agreement_ref", "service_user_id": "service_user_ref", "person_ref": "service_user_ref",
           "date": "date_from", "visit_date": "date_from", "amount_gbp": "amount", "week_commencing_date":
           "week_commencing", "invoice_no": "invoice_number"}
HEADER_FIELDS = ("invoice_date", "period_start", "period_end")  # the same on every row of one invoice
_SEPARATORS = re.compile(r"[\s\-]+")
# Far above any provider's month of invoice lines; a file past these is refused before it is read whole.
MAX_FILE_BYTES = 16 << 20
MAX_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class HeaderColumns:
    """The columns of a file's header as the header names them: those read (`mapped`) and those this file
    does not know (`ignored`: extra or misspelt), each in header order."""

    mapped: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


def header_columns(cells: Sequence[str], known: Callable[[str], bool]) -> HeaderColumns:
    """Which header cells name a column `known` says is read (given each cell as sent)."""
    return HeaderColumns(tuple(c for c in cells if known(c)), tuple(c for c in cells if not known(c)))


class UnreadableInvoiceFile(ValueError):
    """The file as a whole cannot be read (no header, missing columns): nothing in it is an invoice.
    `columns`: the header's, when there was one (so a misspelt column shows among those ignored)."""

    def __init__(self, message: str, columns: HeaderColumns | None = None) -> None:
        super().__init__(message)
        self.columns = columns


class InvoiceFileTooLarge(UnreadableInvoiceFile):
    """More bytes or rows than one upload may hold: split it."""


@dataclass(frozen=True, slots=True)
class InvoiceUpload:
    invoices: tuple[ProviderInvoiceSubmission, ...]
    problems: tuple[str, ...] = ()  # rows that belong to no invoice
    columns: HeaderColumns = HeaderColumns()


def decode_text(content: str | bytes) -> str:
    """The file as text: UTF-8 (a BOM dropped), UTF-16 with a BOM, else Windows-1252."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text"
        return content.decode("utf-16")
    if b"\x00" in content[:64]:
        raise UnreadableInvoiceFile("the file is UTF-16 or UTF-32 without a byte-order mark: save it as "
                                    "'CSV UTF-8 (Comma delimited)' and send it again")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _column(header: str) -> str:
    name = _SEPARATORS.sub("_", header.strip().lower())
    return ALIASES.get(name, name)


def _quote(value: str) -> str:
    text = safe_cell(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{_quote(text)} is not a date (use dd/mm/yyyy or yyyy-mm-dd)")


def parse_amount(text: str) -> int:
    cleaned = text.strip().replace("£", "").replace(",", "")
    try:
        return pounds_to_pence(cleaned)
    except (ValueError, ArithmeticError):
        raise ValueError(f"{_quote(text)} is not an amount in pounds and pence (e.g. 24.00)") from None


def _known(cell: str) -> bool:
    name = _column(cell)
    return name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS


def _header(rows: list[list[str]]) -> tuple[dict[str, int], HeaderColumns]:
    if not rows:
        raise UnreadableInvoiceFile("the file is empty: expected a header row naming the columns")
    report = header_columns(rows[0], _known)
    columns: dict[str, int] = {}
    for i, cell in enumerate(rows[0]):
        name = _column(cell)
        if _known(cell):
            if name in columns:
                raise UnreadableInvoiceFile(f"column {name!r} appears twice in the header", report)
            columns[name] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        ignored = f"; the columns not read were {', '.join(map(repr, report.ignored))}" if report.ignored else ""
        raise UnreadableInvoiceFile("the header has no column " + ", ".join(missing)
                                    + " (required: " + ", ".join(REQUIRED_COLUMNS) + ")" + ignored, report)
    return columns, report


class _Row:
    """One row's cells by column name, collecting what is wrong with them."""

    def __init__(self, number: int, cells: dict[str, str]) -> None:
        self.number, self.cells, self.problems = number, cells, []

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.cells.get(column, "").strip()
        if not value and required:
            self.problems.append(f"{column} is empty")
        return value or None

    def parsed(self, column: str, parse: Callable, required: bool = False):
        value = self.text(column, required)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as e:
            self.problems.append(f"{column} {e}")
            return None


def _line(row: _Row) -> SubmittedLine | None:
    amount = row.parsed("amount", parse_amount, required=True)
    first, last = row.parsed("date_from", parse_date), row.parsed("date_to", parse_date)
    week = row.parsed("week_commencing", parse_date)
    agreement, person = row.text("agreement_ref", True), row.text("service_user_ref", True)
    if row.text("date_from") is None and row.text("week_commencing") is None:
        row.problems.append("date_from (or week_commencing) is empty: say which dates the line is for")
    if row.problems:
        return None
    return SubmittedLine(agreement, person, amount, first, last, week, row.text("visit_id"), row.text("carer_id"),
                         row.text("description") or "", source_row=row.number)


def parse_invoice_csv(content: str | bytes, *, provider_ref: str, received_on: date) -> InvoiceUpload:
    """The invoices in a provider's CSV upload, each with its readable and unreadable lines."""
    if len(content) > MAX_FILE_BYTES:
        raise InvoiceFileTooLarge(f"the file is larger than {MAX_FILE_BYTES >> 20} MB: send it in parts")
    rows = []
    try:
        for cells in csv.reader(io.StringIO(decode_text(content), newline="")):
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1:  # and the header
                raise InvoiceFileTooLarge(f"the file has more than {MAX_ROWS:,} rows: send it in parts")
    except csv.Error as e:
        raise UnreadableInvoiceFile(f"the file is not CSV that can be read: {e}") from None
    columns, report = _header(rows)
    grouped: dict[str | None, list[_Row]] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = _Row(number, {name: cells[i] if i < len(cells) else "" for name, i in columns.items()})
        grouped.setdefault(row.text("invoice_number"), []).append(row)
    problems: list[str] = []
    orphans = grouped.pop(None, [])
    if orphans and len(grouped) == 1:
        only = next(iter(grouped.values()))
        only.extend(orphans)
        only.sort(key=lambda r: r.number)
        for row in orphans:
            row.problems.append("invoice_number is empty")
    else:
        problems += [f"row {r.number}: invoice_number is empty, and the file holds {len(grouped)} invoices: say"
                     " which invoice the row belongs to" for r in orphans]
    invoices = [_submission(number, rows_of, provider_ref, received_on) for number, rows_of in grouped.items()]
    return InvoiceUpload(tuple(invoices), tuple(problems), report)


def _submission(invoice_number: str, rows: list[_Row], provider_ref: str, received_on: date
                ) -> ProviderInvoiceSubmission:
    header: dict[str, date] = {}
    lines: list[SubmittedLine] = []
    unreadable: list[UnreadableLine] = []
    for position, row in enumerate(rows, start=1):
        for field in HEADER_FIELDS:
            value = row.parsed(field, parse_date)
            if value is not None and header.setdefault(field, value) != value:
                row.problems.append(f"{field} {value:%d/%m/%Y} differs from {header[field]:%d/%m/%Y} on an earlier"
                                    " row of the same invoice")
        line = _line(row)
        if line is None:
            raw = tuple((name, safe_cell(value)) for name, value in row.cells.items() if value.strip())
            unreadable.append(UnreadableLine(position, tuple(row.problems), row.number, raw))
        else:
            lines.append(line)
    start, end = header.get("period_start"), header.get("period_end")
    period = Period(start, end) if start and end and start <= end else None
    return ProviderInvoiceSubmission(provider_ref, invoice_number, received_on, tuple(lines), tuple(unreadable),
                                     invoice_date=header.get("invoice_date"), period=period)
