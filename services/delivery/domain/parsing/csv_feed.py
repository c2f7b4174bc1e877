"""The flat visit export (CSV), read as a stream.

Columns are found by header name: case-insensitive, spaces or hyphens read as `_`, any order;
unknown columns (extra or misspelt) are not read, and are named in `ignored_columns` (those read, as the
header names them, in `mapped_columns`) for the upload's report; a missing required column is one
file-level error naming them all.
UTF-8 with or without BOM (Excel), CRLF or LF. The binary stream is decoded in small chunks, so
memory stays bounded whatever the file size. Rows are numbered as a spreadsheet shows them: the
header is row 1, the first visit row 2.

Cells are returned as text, unchanged: anything written back out (reports, exports) must go
through `safe_cell` (re-exported here) so a cell such as `=HYPERLINK(...)` is never run.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from services.delivery.domain.rejects import FeedFileError, Reason, Reject, excerpt, refuse_wide_encoding, reject
from shared.spreadsheet import safe_cell

__all__ = ["REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "VisitCsv", "open_visit_csv", "safe_cell"]

REQUIRED_COLUMNS = ("provider_ref", "service_user_ref", "visit_id", "carer_id", "planned_start", "planned_end",
                    "check_in", "check_out", "check_in_method")
OPTIONAL_COLUMNS = ("exception_code", "agreement_ref")
_SEPARATORS = re.compile(r"[\s\-]+")
_CHUNK = 64 * 1024
MAX_HEADER_CHARS = 64 * 1024  # the header line: ~40 columns take under 1 KiB
MAX_LINE_CHARS = 256 * 1024  # any later line; a cell is also held to csv's 128 KiB field limit


class _LineTooLong(Exception):
    pass


class _BoundedLines:
    """The file's lines for `csv.reader`, none longer than its bound: an over-long header ends the
    file (FeedFileError); an over-long later line is skipped unread (`_LineTooLong`, once per line;
    reading goes on after it), so memory stays bounded whatever one line holds."""

    def __init__(self, text: io.TextIOBase):
        self._text = text
        self._header = True

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        if self._header:
            self._header = False
            line = self._text.readline(MAX_HEADER_CHARS + 1)
            if len(line) > MAX_HEADER_CHARS:
                raise FeedFileError("header_too_long", f"the header row is longer than {MAX_HEADER_CHARS} characters "
                                    f"(it starts: {safe_cell(line[:80])}…): is this a visit export?", line=1)
        else:
            line = self._text.readline(MAX_LINE_CHARS + 1)
            if len(line) > MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                while line and not line.endswith(("\n", "\r")):  # drop the rest of the line, a chunk at a time
                    line = self._text.readline(_CHUNK)
                raise _LineTooLong()
        if not line:
            raise StopIteration
        return line


def _found(header: list[str]) -> str:
    """The header's cells, as an error message quotes them: an excerpt."""
    return excerpt(", ".join(safe_cell(h) for h in header))


def _column_name(header: str) -> str:
    return _SEPARATORS.sub("_", header.strip().lower())


class VisitCsv:
    """An opened flat visit export: the header is read and checked; `rows()` streams the rest."""

    def __init__(self, stream: BinaryIO):
        if stream.seekable():
            start = stream.read(64)
            stream.seek(-len(start), io.SEEK_CUR)
            refuse_wide_encoding(start, "'CSV UTF-8 (Comma delimited)'")
        # errors="replace": a row with bytes that are not UTF-8 is reported on its own; the rest go on.
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        self._text._CHUNK_SIZE = _CHUNK  # type: ignore[attr-defined]  # fewer, larger reads
        self._reader = csv.reader(_BoundedLines(self._text))
        try:
            header = next(self._reader)
        except StopIteration:
            raise FeedFileError("empty_file", "the file is empty: expected a header row naming the columns") from None
        except csv.Error as e:
            raise FeedFileError("header_unparseable", f"the header row cannot be read: {excerpt(str(e))}",
                                line=1) from None
        if "\ufffd" in "".join(header):
            raise FeedFileError("not_utf8", "the header row has bytes that are not UTF-8 (found: "
                                f"{_found(header)}): save the file as 'CSV UTF-8'", line=1)
        names = [_column_name(h) for h in header]
        self.columns: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in REQUIRED_COLUMNS or name in OPTIONAL_COLUMNS:
                if name in self.columns:
                    raise FeedFileError("duplicate_column", f"column {excerpt(name)!r} appears twice in the header",
                                        line=1, columns=(name,))
                self.columns[name] = i
        missing = tuple(c for c in REQUIRED_COLUMNS if c not in self.columns)
        if missing:
            raise FeedFileError(
                "missing_columns", f"the header lacks required column(s): {', '.join(missing)} "
                f"(found: {_found(header) or 'none'})", line=1, columns=missing)
        # As the header names them (defused, and an excerpt of an over-long one), in header order.
        self.mapped_columns = tuple(excerpt(safe_cell(h)) for h, n in zip(header, names) if n in self.columns)
        self.ignored_columns = tuple(excerpt(safe_cell(h)) for h, n in zip(header, names) if n not in self.columns)
        self._width = len(header)

    def rows(self) -> Iterator[tuple[int, dict[str, str]] | Reject]:
        """Each visit row as (row number, {column: text}), or a `Reject` for a row that cannot be
        split into cells. Blank rows (Excel leaves trailing ones) are skipped."""
        columns = tuple(self.columns.items())
        width = self._width
        row = 1
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                self._text.detach()  # leave the caller's stream open (a TextIOWrapper would close it)
                return
            except csv.Error as e:
                row += 1
                yield reject(row, None, Reason.ROW_UNPARSEABLE, f"row {row} cannot be read as CSV: {excerpt(str(e))}")
                continue
            except _LineTooLong:
                row += 1
                yield reject(row, None, Reason.ROW_UNPARSEABLE,
                             f"row {row} is longer than {MAX_LINE_CHARS} characters: it was skipped unread")
                continue
            row += 1
            if not any(cells):
                continue
            if "\ufffd" in "".join(cells):
                yield reject(row, None, Reason.NOT_UTF8,
                             f"row {row} has bytes that are not UTF-8: save the file as 'CSV UTF-8'", raw=cells)
                continue
            if len(cells) > width and any(cells[width:]):
                yield reject(row, None, Reason.TOO_MANY_CELLS,
                             f"row {row} has {len(cells)} cells but the header has {width}: "
                             "a value probably contains an unquoted comma", raw=cells)
                continue
            if len(cells) >= width:
                yield row, {name: cells[i] for name, i in columns}
            else:  # a short row lacks its trailing fields: validation reports each one as missing
                yield row, {name: cells[i] for name, i in columns if i < len(cells)}


def open_visit_csv(stream: BinaryIO) -> VisitCsv:
    """Open a flat visit export from a binary stream (raises `FeedFileError` for a bad header)."""
    return VisitCsv(stream)
