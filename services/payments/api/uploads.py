"""Reading an uploaded file: the request's body with its own Content-Type, or the part `file` of a
multipart/form-data form (shared.uploads); a CSV as UTF-8 text with the report of its header's columns;
the problems of a file's rows as one 422 naming each row.

Any other Content-Type is 415 naming the types taken; a form without the part `file` is 422 on `body.file`;
bytes that are not UTF-8 are 422 on the file (`body`, or `body.file` in a form).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from shared.openapi import problem_responses
from shared.problems import ApiProblem
from shared.uploads import MULTIPART, ColumnReport, csv_columns, media_type_of, read_upload, upload_body_doc

CSV = "text/csv"
JSON = "application/json"
# A route taking files answers 415 for any other Content-Type (413 and 422 are documented for every body).
UPLOAD_PROBLEMS = problem_responses(415)
# Header rows longer than this are not a CSV header a person wrote (bounded before it is reported back).
MAX_HEADER_COLUMNS = 200


@dataclass(frozen=True)
class UploadedText:
    """A received text file: its media type (one of those accepted), its text and where it was sent."""

    media_type: str
    text: str
    loc: tuple[str, ...]  # ("body",) for a raw body, ("body", "file") for a form's part


def file_loc(request: Request) -> tuple[str, ...]:
    return ("body", "file") if media_type_of(request.headers.get("content-type")) == MULTIPART else ("body",)


async def uploaded(request: Request, what: str, accept: tuple[str, ...] = (CSV,)) -> UploadedText:
    """The file `what` (e.g. "the bank's confirmation CSV"), raw or as the form part `file`, as UTF-8 text
    (a BOM dropped); 415 for another type, 422 naming the file when its bytes are not UTF-8."""
    loc = file_loc(request)
    async with await read_upload(request, accept=accept) as upload:
        data = await upload.read()
        media_type = upload.media_type
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise invalid(loc, f"{what} is not UTF-8 text (byte {bad.start} cannot be read): save it as UTF-8",
                      "unicode_decode") from None
    return UploadedText(media_type, text, loc)


def invalid(loc: Sequence[str | int], msg: str, kind: str = "value_error") -> HTTPException:
    """422 with one error at `loc` (e.g. ("query", "over"), ("path", "week_start"))."""
    return HTTPException(422, detail=[{"loc": list(loc), "msg": msg, "type": kind}])


def header_of(text: str) -> list[str]:
    """The first row of a CSV text (its header), as sent."""
    first = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    return [c.strip() for c in first[:MAX_HEADER_COLUMNS]]


def columns_of(text: str, known: Iterable[str] | Mapping[str, Any]) -> ColumnReport:
    """Which columns of the CSV's header are read (`known`) and which are ignored."""
    return csv_columns(header_of(text), known)


def rows_refused(code: str, detail: str, loc: Sequence[str], problems: Iterable[tuple[int, str | None, str]]
                 ) -> ApiProblem:
    """422 `code`: one error per (row, column, message) of an uploaded file, each naming its row."""
    errors = [{"loc": list(loc), "row": row, "column": column, "msg": msg, "type": "value_error"}
              for row, column, msg in problems]
    return ApiProblem(422, code, detail, errors=errors)


def csv_upload_doc(description: str, *, json_schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """`openapi_extra` of a route taking a CSV file (raw text/csv or the form part `file`), and JSON too
    when `json_schema` is given. The CSV is text (UTF-8), so its schema is a string, not bytes."""
    doc = upload_body_doc((CSV,), description)
    content = doc["requestBody"]["content"]
    content[CSV] = {"schema": {"type": "string", "contentMediaType": CSV, "description": description}}
    form = content[MULTIPART]["schema"]["properties"]["file"]
    form.pop("format", None)
    form["contentMediaType"] = CSV
    if json_schema is not None:
        content[MULTIPART]["encoding"]["file"]["contentType"] = f"{CSV}, {JSON}, application/octet-stream"
        form["description"] = f"The file ({CSV}, or {JSON} as the JSON body would be)."
        form.pop("contentMediaType")
        doc["requestBody"]["content"] = {JSON: {"schema": json_schema}, **content}
    return doc
