"""Every endpoint of every service × every role, no token and bad tokens, against `authz_matrix`.

Requests are cheap and change nothing: ids that do not exist and a body that is not an object, so
a role that passes the gate gets a 4xx for its input (or a 200 for a read) and one that does not
gets 403. A provider, person or personal assistant calls with its own reference wherever the path
names one.
"""
from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid

import httpx
import pytest

from shared.auth import mint_token
from tests.conftest import SETTINGS, auth, url
from tests.integration.hostile.authz_matrix import MATRIX, OPEN_PATHS, ROLES, Rule

pytestmark = pytest.mark.stack

PROVIDER, PERSON = f"PRV-AUTHZ-{uuid.uuid4().hex[:8].upper()}", f"P-AUTHZ-{uuid.uuid4().hex[:8].upper()}"
PA = f"PA-AUTHZ-{uuid.uuid4().hex[:8].upper()}"
SAMPLE = {"week_start": "2026-03-02", "name": "journal"}
# A query string that keeps a probe from changing anything: the debtors export marks what it hands over as
# exported, so a caller it lets through is refused on the format (422) before anything is marked.
PROBE_QUERY = {"payments": {"POST /debts/exports": "?format=probe"}}
ENDPOINTS = [(service, endpoint) for service, rules in MATRIX.items() for endpoint in rules]


def _token(role: str) -> dict[str, str]:
    return auth(role, provider=PROVIDER if role == "provider" else None, person=PERSON if role == "person" else None,
                pa=PA if role == "personal_assistant" else None)


def _forged(claims: dict, secret: str = SETTINGS.auth_secret, alg: str = "HS256") -> str:
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head, body = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode()), b64(json.dumps(claims).encode())
    sig = b"" if alg == "none" else hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


LATER = int(time.time()) + 3600
BAD_AUTH = {
    "no token": {},
    "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    "garbage": {"Authorization": "Bearer not-a-token"},
    "non-ascii": {"Authorization": "Bearer \u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9".encode()},
    "wrong secret": {"Authorization": f"Bearer {mint_token('not-the-secret', subject='x', role='ops')}"},
    "expired": {"Authorization": f"Bearer {_forged({'sub': 'x', 'role': 'ops', 'exp': int(time.time()) - 60})}"},
    "unknown role": {"Authorization": f"Bearer {_forged({'sub': 'x', 'role': 'admin', 'exp': LATER})}"},
    "alg none": {"Authorization": f"Bearer {_forged({'sub': 'x', 'role': 'ops', 'exp': LATER}, alg='none')}"},
}


def _path(template: str, rule: Rule, role: str) -> str:
    """The path with made-up ids, or the caller's own provider, person or PA where the path names one."""
    def fill(match: re.Match) -> str:
        name = match.group(1)
        if role == "provider" and rule.scope.startswith("provider:path") and name.startswith("provider"):
            return PROVIDER
        if role == "person" and rule.scope.startswith("person:path") and name == "person_ref":
            return PERSON
        if role == "personal_assistant" and "personal_assistant:path" in rule.scope and name == "pa_id":
            return PA
        return SAMPLE.get(name, f"AUTHZ-NOPE-{name}")
    return re.sub(r"\{([a-z_]+)\}", fill, template)


async def _call(http: httpx.AsyncClient, service: str, endpoint: str, headers: dict, path: str) -> httpx.Response:
    method, _ = endpoint.split(" ", 1)
    body = {"json": "authz-probe"} if method in ("POST", "PUT") else {}
    query = PROBE_QUERY.get(service, {}).get(endpoint, "")
    return await http.request(method, f"{url(service)}{path}{query}", headers=headers, **body)


def test_the_matrix_names_every_endpoint_the_services_serve(stack):
    served = {}
    for service in MATRIX:
        doc = httpx.get(f"{url(service)}/openapi.json", timeout=10).json()
        served[service] = {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops if p not in OPEN_PATHS}
    missing = {s: sorted(served[s] - set(MATRIX[s])) for s in MATRIX if served[s] - set(MATRIX[s])}
    stale = {s: sorted(set(MATRIX[s]) - served[s]) for s in MATRIX if set(MATRIX[s]) - served[s]}
    assert not missing, f"endpoints with no row in authz_matrix.py (say who may call them): {missing}"
    assert not stale, f"rows in authz_matrix.py for endpoints no service serves: {stale}"


@pytest.mark.parametrize(("service", "endpoint"), ENDPOINTS, ids=[f"{s}:{e}" for s, e in ENDPOINTS])
async def test_each_role_is_let_through_or_refused_as_the_matrix_says(service, endpoint, http):
    rule = MATRIX[service][endpoint]
    template = endpoint.split(" ", 1)[1]
    answers = await asyncio.gather(*(_call(http, service, endpoint, _token(role), _path(template, rule, role))
                                     for role in ROLES))
    wrong = []
    for role, resp in zip(ROLES, answers):
        refused_by_scope = role == "social_worker" and "social_worker:caseload" in rule.scope
        if resp.status_code >= 500:
            wrong.append(f"{role}: {resp.status_code} {resp.text[:200]}")
        elif role in rule.roles and not refused_by_scope and resp.status_code in (401, 403):
            wrong.append(f"{role}: refused {resp.status_code} {resp.text[:200]}")
        elif (role not in rule.roles or refused_by_scope) and resp.status_code != 403:
            wrong.append(f"{role}: expected 403, got {resp.status_code} {resp.text[:200]}")
    assert not wrong, f"{service} {endpoint}:\n" + "\n".join(wrong)


@pytest.mark.parametrize(("service", "endpoint"), ENDPOINTS, ids=[f"{s}:{e}" for s, e in ENDPOINTS])
async def test_no_token_or_a_bad_token_is_401(service, endpoint, http):
    path = _path(endpoint.split(" ", 1)[1], MATRIX[service][endpoint], "ops")
    answers = await asyncio.gather(*(_call(http, service, endpoint, headers, path) for headers in BAD_AUTH.values()))
    wrong = {why: f"{r.status_code} {r.text[:120]}" for why, r in zip(BAD_AUTH, answers) if r.status_code != 401}
    assert not wrong, f"{service} {endpoint}: {wrong}"
    assert all(r.headers.get("www-authenticate") == "Bearer" for r in answers)


@pytest.mark.parametrize("service", list(MATRIX))
async def test_the_open_routes_need_no_token(service, http):
    answers = {path: await http.get(f"{url(service)}{path}") for path in OPEN_PATHS}
    assert {p: r.status_code for p, r in answers.items() if r.status_code in (401, 403) or r.status_code >= 500} == {}
