"""Why a feed record (or a whole file) was refused, in words a machine and a provider can act on.

Every record of a feed ends in exactly one place: verified, unallocated, or rejected. A `Reject`
names the row (CSV: the spreadsheet row, header = 1; XML: the n-th carer record, with its line and
element path; JSON array: the 0-based index) and each problem as (field, reason code, message).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.spreadsheet import safe_cell


class Reason(StrEnum):
    """Machine-readable reasons a record is rejected."""

    MISSING_CARER_ID = "missing_carer_id"
    MISSING_FIELD = "missing_field"
    UNKNOWN_CHECK_IN_METHOD = "unknown_check_in_method"
    UNKNOWN_EXCEPTION_CODE = "unknown_exception_code"
    TIME_UNPARSEABLE = "time_unparseable"
    CHECK_OUT_BEFORE_CHECK_IN = "check_out_before_check_in"
    PROVIDER_MISMATCH = "provider_mismatch"
    INVALID_VALUE = "invalid_value"
    NOT_AN_OBJECT = "not_an_object"
    JSON_INVALID = "json_invalid"
    # Decided against what delivery knows of agreements and providers (see sorting.py).
    UNKNOWN_SERVICE_USER = "unknown_service_user"
    UNKNOWN_PROVIDER = "unknown_provider"
    # Raised by the file readers before a record exists.
    NOT_UTF8 = "not_utf8"
    TOO_MANY_CELLS = "too_many_cells"
    ROW_UNPARSEABLE = "row_unparseable"
    MISPLACED_ELEMENT = "misplaced_element"
    VISIT_WITHOUT_CARER = "visit_without_carer"
    OUTSIDE_SERVICE_WEEK = "outside_service_week"


@dataclass(frozen=True, slots=True)
class Problem:
    field: str | None
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Reject:
    """One refused record. `field`, `reason` and `message` are those of its first problem."""

    row: int
    problems: tuple[Problem, ...]
    raw: Any = None
    line: int | None = None  # XML: source line of the element
    path: str | None = None  # XML: element path, e.g. /ServiceDeliveryFile/ProviderContract[1]/...

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def reason(self) -> str:
        return self.problems[0].reason

    @property
    def message(self) -> str:
        return self.problems[0].message


def reject(row: int, field: str | None, reason: str, message: str, **where: Any) -> Reject:
    """A reject with a single problem."""
    return Reject(row, (Problem(field, reason, message),), **where)


class FeedFileError(ValueError):
    """The whole file cannot be read (missing columns, not XML, a DTD, ...): nothing after it is read."""

    def __init__(self, reason: str, message: str, *, line: int | None = None, columns: tuple[str, ...] = ()):
        message = excerpt(message, MAX_MESSAGE)  # a backstop: a message never echoes a file at length
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.line = line
        self.columns = columns


_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 LE/BE, UTF-32 (LE starts as UTF-16 LE)


def refuse_wide_encoding(start: bytes, kind: str) -> None:
    """Refuse a file that is UTF-16 or UTF-32 (Excel's "Unicode Text"), told by its byte-order mark or
    by NUL bytes among its first characters: read as UTF-8 it is only a riddle of NULs."""
    if start.startswith(_WIDE_BOMS) or b"\x00" in start[:64]:
        raise FeedFileError("not_utf8", f"the file is UTF-16 or UTF-32, not UTF-8: save it as {kind} and send it "
                                        "again", line=1)


EXCERPT = 200  # characters of a file's own text that an error message may quote
MAX_MESSAGE = 1000  # characters of any one file-level error message


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """At most `limit` characters of `text`, saying how much was left out (errors quote, never echo)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def quoted(value: object, limit: int = 40) -> str:
    """A value quoted in an error message: shortened and defused (reports are opened in Excel)."""
    text = safe_cell(value)
    return '"' + (text if len(text) <= limit else text[:limit] + "…") + '"'
