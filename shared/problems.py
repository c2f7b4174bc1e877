"""Every error a service answers, as RFC 9457 `application/problem+json`.

    {"type": "urn:carepay:problem:<code>", "title": <HTTP reason phrase>, "status": <int>,
     "detail": <one sentence>, "code": <stable snake_case code>, "instance": <request path>,
     "correlation_id": <the request's X-Correlation-Id>, "errors": [<ProblemError>...]}

`errors` is on every problem (empty when the problem has no parts): one item per thing wrong, naming
`field` (the `loc` joined with ".": "body.lines.0.amount_pence", "query.after", "header.Idempotency-Key")
and, for a row of a file, `row`. `code` is the status's default (DEFAULT_CODES) unless the raiser gave a
more specific one: `raise ApiProblem(409, "invoice_already_paid", "invoice INV-1 is paid: ...")`.

`shared.error_handlers.install_error_handlers` answers every exception through `problem_response`;
`shared.limits` (before any route) builds the same body with `problem_body`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:carepay:problem:"
DEFAULT_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_request", 429: "too_many_requests", 431: "headers_too_large", 500: "internal_error",
    503: "unavailable",
}
# Where a part of a request can be: a `loc` starting with one of these names a field of the request.
LOCATIONS = ("body", "query", "path", "header", "cookie")


class ProblemError(BaseModel):
    """One thing wrong with the request: where (`field`, `row`, `loc`), what (`msg`) and its kind (`type`).
    A route may add keys of its own (the `columns` a file lacks, the `input` refused)."""

    model_config = ConfigDict(extra="allow", title="ProblemError")

    field: str | None = Field(None, description='The part of the request, its `loc` joined with "." '
                                                '(e.g. "body.lines.0.amount_pence", "query.after"), when known')
    row: int | None = Field(None, description="The row of an uploaded file, when the problem is in one")
    loc: list[str | int] = Field(default_factory=list, description="The location as a path of names and indexes")
    msg: str = Field(description="What is wrong, and what to send instead")
    type: str = Field(description="The kind of problem (e.g. missing, int_parsing, value_error)")


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details), `application/problem+json`."""

    model_config = ConfigDict(title="Problem")

    type: str = Field(description="urn:carepay:problem:<code>")
    title: str = Field(description="The HTTP reason phrase of `status`")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong, in one sentence")
    code: str = Field(description="Stable snake_case code for programs to act on (e.g. invalid_request, conflict)")
    instance: str | None = Field(None, description="The path of the request")
    correlation_id: str | None = Field(None, description="The request's X-Correlation-Id (sent or assigned)")
    errors: list[ProblemError] = Field(default_factory=list, description="Each thing wrong, where known")


class ApiProblem(HTTPException):
    """An HTTP error with a specific `code` (and, where there are parts, `errors`): answered as a Problem.

    `raise ApiProblem(409, "invoice_already_paid", "invoice INV-1 is paid, so it cannot be voided")`."""

    def __init__(self, status: int, code: str | None = None, detail: str | None = None, *,
                 errors: Iterable[Mapping[str, Any]] = (), headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, detail=detail or title_of(status), headers=dict(headers) if headers else None)
        self.code = code or default_code(status)
        self.errors = [error_item(e) for e in errors]


def title_of(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def default_code(status: int) -> str:
    if status in DEFAULT_CODES:
        return DEFAULT_CODES[status]
    return "server_error" if status >= 500 else "client_error"


def field_of(loc: Sequence[Any]) -> str | None:
    """'body.lines.0.amount_pence' for ("body", "lines", 0, "amount_pence"); None when `loc` names no part
    of the request."""
    if not loc or str(loc[0]) not in LOCATIONS:
        return None
    return ".".join(str(part) for part in loc)


def error_item(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A `ProblemError` dict from a FastAPI-style `{loc, msg, type, ...}`: `field` from `loc` (else the item's
    own), `row` when the item names one; the item's other keys are kept."""
    item = dict(raw)
    loc = [part if isinstance(part, int) else str(part) for part in item.get("loc") or ()]
    item["loc"] = loc
    item["field"] = field_of(loc) or item.get("field")  # one convention: the loc, when it names the part
    row = item.get("row")
    item["row"] = row if isinstance(row, int) and not isinstance(row, bool) else None
    item["msg"] = str(item.get("msg", ""))
    item["type"] = str(item.get("type", "value_error"))
    return jsonable_encoder(item, custom_encoder={BaseException: str})


def summary_of(errors: Sequence[Mapping[str, Any]]) -> str:
    """One sentence over a list of errors: the first one, and how many more."""
    if not errors:
        return "the request is invalid"
    first = errors[0]
    where = first.get("field") or (".".join(map(str, first.get("loc") or ())) or None)
    said = f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    more = len(errors) - 1
    return said if not more else f"{said} (and {more} more problem{'s' if more > 1 else ''}: see errors)"


def problem_body(status: int, detail: str, *, code: str | None = None, errors: Iterable[Mapping[str, Any]] = (),
                 instance: str | None = None, correlation_id: str | None = None) -> dict[str, Any]:
    """The problem+json body (a dict in Problem's shape)."""
    code = code or default_code(status)
    return {"type": TYPE_PREFIX + code, "title": title_of(status), "status": status, "detail": detail,
            "code": code, "instance": instance, "correlation_id": correlation_id,
            "errors": [error_item(e) for e in errors]}


def correlation_id_of(request: Request) -> str | None:
    return getattr(request.state, "correlation_id", None)


def problem_response(request: Request, status: int, detail: str, *, code: str | None = None,
                     errors: Iterable[Mapping[str, Any]] = (),
                     headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The answer to `request`: a problem with its path as `instance` and its correlation id."""
    body = problem_body(status, detail, code=code, errors=errors, instance=request.url.path,
                        correlation_id=correlation_id_of(request))
    return JSONResponse(body, status_code=status, headers=dict(headers) if headers else None, media_type=PROBLEM_JSON)
