"""Every parameter of every operation in the services' OpenAPI documents, given values at and past
the edges (an integer past Postgres's bigint, 10,000 characters, a NUL, bytes that are not UTF-8,
an impossible date), with a valid token: the answer is never a 5xx.

Random examples find these only by luck (schemathesis needed 40 an operation to reach an offset
past bigint); this walks them all every run. The other parameters get plain valid values, so the
extreme one is what the service has to deal with.
"""
from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import url
from tests.integration.hostile.authz_matrix import MATRIX
from tests.integration.hostile.fuzz import ONLY_INVALID_INPUT
from tests.integration.hostile.fuzz_hooks import headers_for

pytestmark = pytest.mark.stack

HUGE = "9" * 30
EXTREMES = {
    "integer": [HUGE, f"-{HUGE}", "1e400", "NaN"],
    "number": [f"{HUGE}e300", "-Infinity", "NaN"],
    "string": ["x" * 10_000, "nul\x00byte", "%ff%fe%80", "../../etc/passwd", "' OR 1=1 --", "=HYPERLINK(\"x\")"],
    "date": ["9999-12-31", "0001-01-01", "2026-02-30", "99999-01-01"],
    "date-time": ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "2026-03-02T25:00:00"],
    "boolean": ["maybe", ""],
}
PLAIN = {"integer": "1", "number": "1", "string": "AUTHZ-NOPE", "date": "2026-03-02",
         "date-time": "2026-03-02T09:00:00Z", "boolean": "false"}


def _kind(schema: dict) -> str:
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("format") in ("date", "date-time"):
            return option["format"]
        if option.get("type") in EXTREMES:
            return option["type"]
    return "string"


def _plain(schema: dict) -> str:
    for option in [schema, *schema.get("anyOf", [])]:
        if "enum" in option:
            return str(option["enum"][0])
        if "default" in schema and schema["default"] is not None:
            return str(schema["default"]).lower() if isinstance(schema["default"], bool) else str(schema["default"])
    return PLAIN[_kind(schema)]


def _operations(service: str) -> list[tuple[str, str, list[dict]]]:
    doc = httpx.get(f"{url(service)}/openapi.json", timeout=10).json()
    return [(method.upper(), path, [p for p in op.get("parameters", []) if p["in"] in ("path", "query")])
            for path, ops in doc["paths"].items() for method, op in ops.items()]


def _url(base: str, path: str, params: list[dict], extreme: dict[str, str]) -> str:
    """The request URL with every parameter plain but those in `extreme` (raw values, not yet escaped)."""
    def value(p: dict) -> str:
        raw = extreme.get(p["name"], _plain(p.get("schema", {})))
        return raw if raw.startswith("%") else quote(raw, safe="")  # "%ff..." is sent as raw bytes
    filled = re.sub(r"\{([^}]+)\}", lambda m: next(value(p) for p in params if p["name"] == m.group(1)), path)
    query = "&".join(f"{p['name']}={value(p)}" for p in params
                     if p["in"] == "query" and (p.get("required") or p["name"] in extreme))
    return f"{base}{filled}" + (f"?{query}" if query else "")


def _extremes(params: list[dict]):
    """One parameter at a time at each of its edges; then every date at once at each end of the calendar."""
    for p in params:
        for raw in EXTREMES[_kind(p.get("schema", {}))]:
            yield p["name"], raw, {p["name"]: raw}
    dates = sorted(p["name"] for p in params if _kind(p.get("schema", {})) == "date")
    if len(dates) > 1:
        for first, last in (("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")):
            yield "+".join(dates), f"{first}..{last}", {name: first if name != dates[-1] and name != "to" else last
                                                         for name in dates}


@pytest.mark.parametrize("service", list(MATRIX))
async def test_no_parameter_value_makes_a_server_error(service, stack):
    base = url(service)
    calls = []
    for method, path, params in _operations(service):
        endpoint = f"{method} {path}"
        if method != "GET" and endpoint in ONLY_INVALID_INPUT.get(service, ()):
            continue  # plain values could act on the whole stack; schemathesis sends these invalid input
        for name, raw, extreme in _extremes(params):
            calls.append((endpoint, name, raw, method, _url(base, path, params, extreme)))
    semaphore = asyncio.Semaphore(16)

    async def send(client: httpx.AsyncClient, call) -> tuple:
        endpoint, name, raw, method, target = call
        async with semaphore:
            # No body: a POST answers 422 for it, after its path and query parameters were read.
            for attempt in (1, 2):  # once more on a fresh connection: a kept-alive one may close as it is reused
                try:
                    answer = await client.request(method, target, headers=headers_for(service, endpoint))
                    break
                except httpx.TransportError as exc:
                    if attempt == 2:  # dropped twice with no answer at all
                        return endpoint, name, raw[:40], 599, repr(exc)
        return endpoint, name, raw[:40], answer.status_code, answer.text[:200]

    async with httpx.AsyncClient(timeout=30) as client:
        answers = await asyncio.gather(*(send(client, call) for call in calls))
    assert calls, f"{service} documents no parameters"
    errors = [a for a in answers if a[3] >= 500]
    assert not errors, "\n".join(f"{e} {n}={r!r}: {s} {t}" for e, n, r, s, t in errors)
