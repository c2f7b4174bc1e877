"""Every error a service answers is a problem (shared.problems): one shape for clients to parse.

`install_error_handlers(app)` (create_service does it) answers:
- HTTPException (FastAPI's, Starlette's, ApiProblem): its status; a string `detail` is the problem's detail,
  a list of `{loc, msg, type}` becomes `errors` with a one-sentence detail; its headers (Allow,
  WWW-Authenticate, Retry-After) are kept. The router's own 404 and 405 say which path and method, and a
  405's Allow lists the methods of every route on the path.
- RequestValidationError: 422 invalid_request, one error per problem, `field` its `loc` joined with ".";
  a body FastAPI could not read at all (its 400 "error parsing the body") is a 422 naming the body too.
- RuleBroken 422 (its field, under "body."), IllegalState 409, NotEntitled 403: the exception's `code`
  when it has one, else the status's default.
- The database unreachable (503 database_unavailable, Retry-After: 2) or the request undone for contention
  (503 contention, Retry-After: 1): the caller may send it again.
- Input Postgres or date arithmetic cannot take (asyncpg DataError of the caller's making, OverflowError): 422.
- Anything else: 500 internal_error, logged (masked), with no internal text in the answer.
"""
from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import CONNECTION_ERRORS, CONTENTION_ERRORS
from shared.errors import IllegalState, NotEntitled, RuleBroken
from shared.logging import get_logger
from shared.problems import (ApiProblem, correlation_id_of, error_item, problem_response, summary_of,
                             title_of)
from shared.redaction import describe

log = get_logger(__name__)
# What FastAPI says (400) of a body it could not read at all (bytes that are not UTF-8, a broken form).
FASTAPI_UNREADABLE_BODY = "There was an error parsing the body"
UNREADABLE_BODY = {"loc": ["body"], "type": "body_unreadable",
                   "msg": "the body could not be read as its Content-Type says (JSON in UTF-8, or a well-formed form)"}


def _http_detail(request: Request, exc: StarletteHTTPException) -> tuple[str, list[dict]]:
    """(detail sentence, errors) of an HTTPException, whatever its `detail` holds."""
    detail = exc.detail
    if isinstance(detail, list) and all(isinstance(e, dict) for e in detail):
        errors = [error_item(e) for e in detail]
        return summary_of(errors), errors
    if isinstance(detail, str) and detail and detail != title_of(exc.status_code):
        return detail, []
    if detail is not None and not isinstance(detail, str):
        return str(detail), []
    # Starlette's own words ("Not Found", "Method Not Allowed"): say what was asked.
    if exc.status_code == 404:
        return f"nothing at {request.url.path}: check the path and its ids", []
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        also = f"; it takes {allowed}" if allowed else ""
        return f"{request.method} is not allowed on {request.url.path}{also}", []
    return detail or title_of(exc.status_code), []


def _concreteness(path_format: str) -> tuple[int, ...]:
    """Per path segment, 1 for a literal and 0 for a parameter: `/invoices/preview` (1, 1) is more concrete
    than `/invoices/{invoice_id}` (1, 0)."""
    return tuple(0 if "{" in part else 1 for part in path_format.strip("/").split("/"))


def allowed_methods(request: Request) -> str | None:
    """The `Allow` of the request's path: the methods of every route of the path's most concrete template among
    those that match it (Starlette's router names only the first such route's, so GET and POST routes on one
    path said only one). As OpenAPI matches a concrete path before a templated one, `/invoices/preview` is
    the path item of POST /invoices/preview alone, though GET /invoices/{invoice_id} matches it too."""
    path = request.scope["path"]
    root = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):] or "/"
    found: dict[tuple[int, ...], set[str]] = {}
    for route in iter_route_contexts(request.app.routes):
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            concrete = _concreteness(getattr(route, "path_format", None) or getattr(route, "path", ""))
            found.setdefault(concrete, set()).update(route_methods)
    return ", ".join(sorted(found[max(found)])) if found else None


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as application/problem+json (see the module docstring)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            allow = allowed_methods(request)
            if allow:
                exc.headers = {**(exc.headers or {}), "Allow": allow}
        if exc.status_code == 400 and exc.detail == FASTAPI_UNREADABLE_BODY:
            # An invalid body, like one that is not JSON at all (422 json_invalid): answered the same way.
            return problem_response(request, 422, f"body: {UNREADABLE_BODY['msg']}", errors=[UNREADABLE_BODY])
        detail, errors = _http_detail(request, exc)
        if isinstance(exc, ApiProblem):
            errors = exc.errors or errors
        return problem_response(request, exc.status_code, detail, code=getattr(exc, "code", None), errors=errors,
                                headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The input refused is not echoed back (`input`): it can be a whole body, and the field says where.
        errors = [error_item({k: v for k, v in e.items() if k not in ("input", "url")}) for e in exc.errors()]
        return problem_response(request, 422, summary_of(errors), errors=errors)

    @app.exception_handler(RuleBroken)
    async def rule_broken(request: Request, exc: RuleBroken) -> JSONResponse:
        errors = [error_item({"loc": ["body", *exc.field.split(".")], "msg": exc.rule, "type": "value_error"})]
        return problem_response(request, 422, str(exc), code=exc.code, errors=errors)

    @app.exception_handler(IllegalState)
    async def illegal_state(request: Request, exc: IllegalState) -> JSONResponse:
        field = getattr(exc, "field", None)
        errors = [{"loc": ["body", *field.split(".")], "msg": str(exc), "type": exc.code or "conflict"}] if field else ()
        return problem_response(request, 409, str(exc), code=getattr(exc, "code", None), errors=errors)

    @app.exception_handler(NotEntitled)
    async def not_entitled(request: Request, exc: NotEntitled) -> JSONResponse:
        return problem_response(request, 403, f"not permitted: {exc}", code=getattr(exc, "code", None))

    # The database went away under the request (a restart, a failover): the caller may try again, as
    # while the service starts; not a fault of the request (500), nor of the service's code.
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, 503, f"database unavailable ({type(exc).__name__}): try again in a few "
                                "seconds", code="database_unavailable", headers={"Retry-After": "2"})

    for error in CONNECTION_ERRORS:
        app.add_exception_handler(error, database_unavailable)

    # Postgres undid this request's transaction for contention (a deadlock with a consumer's batch, a
    # serialisation failure, a lock or statement timeout): nothing of it was kept, and the same request
    # will go through in a moment.
    async def try_again(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, 503, "the request met other work on the same records, or ran out of time,"
                                " and was undone; nothing was changed: send it again", code="contention",
                                headers={"Retry-After": "1"})

    for error in CONTENTION_ERRORS:  # the classification consumers use too (shared.db.transient_kind)
        app.add_exception_handler(error, try_again)

    # Input no route checks for, that fails only where it meets Postgres or date arithmetic: the
    # caller's to fix (422), not a fault of the service (500).
    @app.exception_handler(asyncpg.exceptions.DataError)
    @app.exception_handler(OverflowError)
    async def unusable_input(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, asyncpg.exceptions.CharacterNotInRepertoireError):
            msg, code = "text may not contain a NUL character (\\u0000, %00): remove it", "nul_character"
        elif isinstance(exc, OverflowError) or str(exc).startswith("invalid input for query argument"):
            msg = f"a date or number is outside the range this service works with ({describe(exc, limit=200)})"
            code = "out_of_range"
        else:
            raise exc  # a data error of the service's own making: a 500, logged
        return problem_response(request, 422, msg, code=code,
                                errors=[{"loc": ["request"], "msg": msg, "type": "value_error"}])

    # Last: whatever no handler above answers is the service's fault. Logged masked, answered without a word
    # of it (the text can hold SQL, values, paths); the correlation id lets the caller's report find the log.
    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        correlation_id = correlation_id_of(request)
        log.error("unhandled error", error=describe(exc), method=request.method, path=request.url.path,
                  correlation_id=correlation_id)
        headers = {"x-correlation-id": correlation_id} if correlation_id else None
        return problem_response(request, 500, "the service failed on this request; nothing in this answer says "
                                "why: quote its correlation_id when reporting it", headers=headers)
