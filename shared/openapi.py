"""Each service's OpenAPI document, made to tell an integrator what the service does (create_service installs it).

- operationId: the endpoint function's name in camelCase (`def list_invoices` -> `listInvoices`);
  `install_openapi` refuses to build an app in which two operations would share one (ValueError naming both).
- `components.securitySchemes.bearer` (HTTP bearer, JWT); an operation whose dependencies reach
  `shared.auth.current_principal` (directly, through `require(...)`, or any other sub-dependency) gets
  `security: [{bearer: []}]` and 401 and 403.
- Problems (shared.problems.Problem, application/problem+json) documented where they can happen: 404 on an
  operation with path parameters; 422 on one with parameters or a body (in place of FastAPI's
  HTTPValidationError, whose components are removed); 503 everywhere but /health, /metrics and
  /asyncapi.json (they need no database); on every POST and PUT the `Idempotency-Key` header
  (shared.idempotency) with its 409 and 422; 413 where there is a request body. Other statuses a route
  returns it declares itself: `responses=problem_responses(409, 415)`. Any 4xx/5xx response a route
  declares without content gets the Problem content.
- 400 and 431 (a malformed X-Correlation-Id or Content-Length, headers too large: shared.limits) can answer
  any request, so they are described once, in `info.description`, not on each operation.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from shared.auth import current_principal
from shared.problems import PROBLEM_JSON, Problem, ProblemError

PROBLEM_REF = "#/components/schemas/Problem"
# FastAPI's own 422 schemas: every 422 here is a Problem, so they are not in the document at all.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
UNGUARDED = ("/health", "/metrics", "/asyncapi.json")  # answered without the database: no 503
IDEMPOTENT_METHODS = ("post", "put")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Send the same key again to retry this request safely: a repeat of the same request gets the "
                   "first response (with `Idempotent-Replayed: true`) and does not act again; the same key with "
                   "another request is 422 idempotency_key_reused, and while the first is still running 409 "
                   "idempotency_key_in_progress. Keys are kept per caller for 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]{1,200}$"},
}
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
          "description": "A token from the council's identity provider (locally: `carepay token --role ...`)."}
DESCRIPTIONS = {
    401: "No valid bearer token: missing, expired, or not issued for this service (the detail says which)",
    403: "The token's role or scope does not allow this",
    404: "Nothing at this path: an id in the path names nothing this service holds (or nothing the caller may see)",
    406: "None of the media types in Accept can be answered",
    409: "The current state does not allow this, or an earlier request with the same Idempotency-Key is "
         "still running (idempotency_key_in_progress)",
    413: "The request body is larger than this route takes",
    415: "The request body's Content-Type is not one this route takes",
    422: "The request is invalid: each of `errors` names its field (e.g. body.lines.0.amount_pence, query.limit)",
    503: "Not available now (database unreachable, or the request met other work and was undone): nothing was "
         "changed; send it again after Retry-After seconds",
}
HEADERS_NOTE = """

**Errors** are RFC 9457 problems (`application/problem+json`, schema `Problem`) with a stable `code`, the
`field` or `row` of each thing wrong, and the request's `correlation_id`. Any request can also be answered
**400** (`X-Correlation-Id` not 1 to 128 of `A-Za-z0-9._:-`, or `Content-Length` not a whole number:
`errors[].field` names the header) or **431** (request headers over the service's limit, 16 KiB unless
configured); these are not repeated on each operation."""


def camel_case(name: str) -> str:
    """'list_invoices' -> 'listInvoices'; 'approve_payment_run' -> 'approvePaymentRun'."""
    parts = [p for p in name.split("_") if p]
    if not parts:
        return name
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def operation_id(route: APIRoute) -> str:
    """FastAPI's `generate_unique_id_function`: the endpoint's name (route.name) in camelCase."""
    return camel_case(route.name)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the problems a route can answer beyond those documented for every route:
    `@router.post(..., responses=problem_responses(409, 415))`."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {"description": description or DESCRIPTIONS.get(status) or HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of `app` with its effective settings (routers' prefixes and dependencies applied)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def check_operation_ids(app: FastAPI) -> None:
    """ValueError naming both routes when two operations of `app` would share an operationId."""
    seen: dict[str, str] = {}
    for route in _api_routes(app):
        for method in sorted(route.methods):
            op = route.operation_id or route.unique_id
            where = f"{method} {route.path_format} ({getattr(route.endpoint, '__qualname__', route.name)})"
            if op in seen:
                raise ValueError(f"operationId {op!r} is used twice in {app.title}: by {seen[op]} and by {where}; "
                                 "give one of the functions a name that says what it does")
            seen[op] = where


def depends_on(dependant: Dependant | None, call: Callable[..., Any]) -> bool:
    """Whether `call` is among the dependencies of `dependant`, at any depth."""
    if dependant is None:
        return False
    stack, seen = list(dependant.dependencies), set()
    while stack:
        dep = stack.pop()
        if dep.call is call:
            return True
        if id(dep) not in seen:
            seen.add(id(dep))
            stack.extend(dep.dependencies)
    return False


def document(app: FastAPI, base: dict[str, Any]) -> dict[str, Any]:
    """`base` (FastAPI's document of `app`) with security, problems and Idempotency-Key (module docstring)."""
    doc = copy.deepcopy(base)
    protected = {(route.path_format, method.lower()) for route in _api_routes(app)
                 for method in route.methods if depends_on(route.dependant, current_principal)}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                _complete(op, path, method, secured=(path, method) in protected)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    schemas.setdefault("ProblemError", ProblemError.model_json_schema())
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    info = doc.setdefault("info", {})
    info["description"] = (info.get("description") or "") + HEADERS_NOTE
    return doc


def _complete(op: dict[str, Any], path: str, method: str, *, secured: bool) -> None:
    responses = op["responses"]
    add: list[int] = []
    if secured:
        op["security"] = [{"bearer": []}]
        add += [401, 403]
    if "{" in path:
        add.append(404)
    if method in IDEMPOTENT_METHODS:
        params = op.setdefault("parameters", [])
        if not any(p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key" for p in params):
            params.append(copy.deepcopy(IDEMPOTENCY_KEY))
        add += [409, 422]
    if op.get("parameters") or op.get("requestBody"):
        add.append(422)
    if op.get("requestBody"):
        add.append(413)
    if path not in UNGUARDED:
        add.append(503)
    for status in add:
        responses.setdefault(str(status), {})
    for status, response in responses.items():
        if not (status.isdigit() and int(status) >= 400):
            continue
        content = response.get("content") or {}
        fastapi_422 = any("HTTPValidationError" in str(media.get("schema")) for media in content.values())
        if not content or fastapi_422:
            described = None if fastapi_422 else response.get("description")
            response.update(_problem_response(int(status), described))
        if status == "503" and PROBLEM_JSON in response.get("content", {}):
            response.setdefault("headers", {})["Retry-After"] = {
                "description": "Seconds to wait before sending the request again", "schema": {"type": "integer"}}
    op["responses"] = dict(sorted(responses.items()))


def install_openapi(app: FastAPI) -> None:
    """operationIds checked now; `app.openapi()` then answers the completed document (built once per routes
    version, as FastAPI's own). Call it after every router is included."""
    check_operation_ids(app)
    made = FastAPI.openapi  # FastAPI's own, cached on app.openapi_schema
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        base = made(app)
        if built.get("base") is not base:
            built["doc"], built["base"] = document(app, base), base
        return built["doc"]

    app.openapi = openapi  # type: ignore[method-assign]
