"""Every error a service answers is an RFC 9457 problem (shared/problems.py, shared/error_handlers.py):
application/problem+json with a stable code, the field where there is one, the path and the correlation id.
The app is a real service's wiring (create_service), not started."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.auth import Principal, mint_token, require
from shared.errors import IllegalState, NotEntitled, RuleBroken
from shared.limits import RequestLimits
from shared.problems import PROBLEM_JSON, ApiProblem, Problem
from shared.service import create_service
from shared.settings import REPO_ROOT

SECRET = "problems-test-secret-of-32-bytes-at-least"


class Line(BaseModel):
    amount_pence: int


class Invoice(BaseModel):
    lines: list[Line]


class Refused(IllegalState):
    code = "already_refused"  # a subclass's own code, as a class attribute


router = APIRouter()


@router.post("/invoices")
async def create_invoice(body: Invoice) -> dict:
    return {"lines": len(body.lines)}


@router.get("/invoices")
async def list_invoices(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list:
    return []


@router.post("/invoices/preview")
async def preview_invoice() -> dict:
    return {}


@router.get("/invoices/{invoice_id}")
async def get_invoice(invoice_id: str) -> dict:
    return {"invoice_id": invoice_id}


@router.get("/string-detail")
async def string_detail() -> None:
    raise HTTPException(404, detail="invoice INV-9 not found", headers={"X-Extra": "kept"})


@router.get("/list-detail")
async def list_detail() -> None:
    raise HTTPException(422, detail=[{"loc": ["query", "from"], "msg": "'from' is after 'to'", "type": "value_error",
                                      "input": "2026-02-01"},
                                     {"loc": ["query", "to"], "msg": "'to' is before 'from'", "type": "value_error"}])


@router.get("/specific")
async def specific() -> None:
    raise ApiProblem(409, "invoice_already_paid", "invoice INV-1 is paid, so it cannot be voided",
                     errors=[{"loc": ["path", "invoice_id"], "msg": "paid", "type": "state", "row": 3}])


@router.post("/rule")
async def rule(code: str | None = None) -> None:
    raise RuleBroken("lines.0.amount_pence", "must be more than nothing", code=code)


@router.post("/state")
async def state(code: str | None = None) -> None:
    raise IllegalState("invoice INV-1 is paid, so it cannot be approved", code=code)


@router.post("/refused")
async def refused() -> None:
    raise Refused("request R-1 is refused")


@router.post("/entitled")
async def entitled() -> None:
    raise NotEntitled("another provider's invoice", code="not_your_invoice")


@router.get("/bug")
async def bug() -> None:
    raise KeyError("secret-internal-detail")


@router.get("/who")
async def who(principal: Annotated[Principal, Depends(require("ops"))]) -> dict:
    return {"role": principal.role}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_service("requests", service_dir=Path(REPO_ROOT / "services" / "requests"), routers=[router])
    runtime = app.state.runtime
    runtime.settings = runtime.settings.model_copy(update={"auth_secret": SECRET})
    return TestClient(app, raise_server_exceptions=False)


def problem(response, status: int, code: str) -> dict:
    """The response's problem, checked for its shape, status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    Problem.model_validate(body)
    assert (body["status"], body["code"], body["type"]) == (status, code, f"urn:carepay:problem:{code}")
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_a_body_that_fails_validation_names_each_field_joined_with_dots(client):
    sent = client.post("/invoices", json={"lines": [{"amount_pence": "lots"}]},
                       headers={"X-Correlation-Id": "flow-42"})
    body = problem(sent, 422, "invalid_request")
    assert (body["title"], body["instance"], body["correlation_id"]) == ("Unprocessable Entity", "/invoices", "flow-42")
    [error] = body["errors"]
    assert error["field"] == "body.lines.0.amount_pence"
    assert error["loc"] == ["body", "lines", 0, "amount_pence"] and error["type"] == "int_parsing"
    assert "input" not in error  # the refused input is not echoed back
    assert body["detail"].startswith("body.lines.0.amount_pence: ")


def test_a_body_that_cannot_be_read_at_all_is_422_naming_the_body(client):
    sent = client.post("/invoices", content=b'{"lines": "\xff\xfe"}', headers={"Content-Type": "application/json"})
    body = problem(sent, 422, "invalid_request")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("body", "body_unreadable")]


def test_a_bad_query_parameter_is_named_query_dot_its_name(client):
    body = problem(client.get("/invoices?limit=0"), 422, "invalid_request")
    assert [e["field"] for e in body["errors"]] == ["query.limit"]
    assert body["correlation_id"]  # assigned when the caller sent none


def test_a_string_detail_is_the_problems_detail_and_headers_are_kept(client):
    answer = client.get("/string-detail")
    body = problem(answer, 404, "not_found")
    assert (body["detail"], body["errors"]) == ("invoice INV-9 not found", [])
    assert answer.headers["x-extra"] == "kept"


def test_a_list_detail_becomes_errors_with_a_one_sentence_detail(client):
    body = problem(client.get("/list-detail"), 422, "invalid_request")
    assert [e["field"] for e in body["errors"]] == ["query.from", "query.to"]
    assert body["errors"][0]["input"] == "2026-02-01"  # a route's own keys are kept
    assert body["detail"] == "query.from: 'from' is after 'to' (and 1 more problem: see errors)"


def test_an_api_problem_carries_its_own_code_and_errors(client):
    body = problem(client.get("/specific"), 409, "invoice_already_paid")
    assert body["detail"] == "invoice INV-1 is paid, so it cannot be voided"
    assert [(e["field"], e["row"]) for e in body["errors"]] == [("path.invoice_id", 3)]


@pytest.mark.parametrize("code, expected", [(None, "invalid_request"), ("amount_not_positive", "amount_not_positive")])
def test_a_broken_rule_is_422_naming_its_field_under_body(client, code, expected):
    body = problem(client.post("/rule", params={"code": code} if code else {}), 422, expected)
    assert body["detail"] == "lines.0.amount_pence: must be more than nothing"
    [error] = body["errors"]
    assert (error["field"], error["msg"]) == ("body.lines.0.amount_pence", "must be more than nothing")


@pytest.mark.parametrize("code, expected", [(None, "conflict"), ("invoice_already_paid", "invoice_already_paid")])
def test_an_illegal_state_is_409_with_its_message(client, code, expected):
    body = problem(client.post("/state", params={"code": code} if code else {}), 409, expected)
    assert body["detail"] == "invoice INV-1 is paid, so it cannot be approved" and body["errors"] == []


def test_a_subclass_may_name_its_code_as_a_class_attribute(client):
    assert problem(client.post("/refused"), 409, "already_refused")["detail"] == "request R-1 is refused"


def test_not_entitled_is_403_saying_why(client):
    body = problem(client.post("/entitled"), 403, "not_your_invoice")
    assert body["detail"] == "not permitted: another provider's invoice"


def test_missing_and_wrong_role_tokens_are_401_and_403_problems(client):
    missing = problem(client.get("/who"), 401, "unauthenticated")
    assert "missing bearer token" in missing["detail"]
    token = mint_token(SECRET, subject="u1", role="social_worker")
    wrong = problem(client.get("/who", headers={"Authorization": f"Bearer {token}"}), 403, "forbidden")
    assert "needs one of: ops" in wrong["detail"]


def test_an_unknown_path_and_an_unknown_method_are_problems(client):
    assert "/nowhere" in problem(client.get("/nowhere"), 404, "not_found")["detail"]
    answer = client.delete("/invoices")
    body = problem(answer, 405, "method_not_allowed")
    assert "DELETE is not allowed on /invoices" in body["detail"]
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_the_allow_of_a_concrete_path_names_its_own_methods_not_those_of_a_template_matching_it(client):
    """POST /invoices/preview beside GET /invoices/{invoice_id}: the document's path item /invoices/preview
    has POST alone, and so has the Allow of a 405 there (it said GET, POST)."""
    concrete = client.delete("/invoices/preview")
    problem(concrete, 405, "method_not_allowed")
    assert concrete.headers["allow"] == "POST"
    templated = client.delete("/invoices/INV-1")
    problem(templated, 405, "method_not_allowed")
    assert templated.headers["allow"] == "GET"


def test_an_unhandled_error_is_a_500_problem_that_leaks_nothing(client):
    answer = client.get("/bug", headers={"X-Correlation-Id": "bug-1"})
    body = problem(answer, 500, "internal_error")
    assert "secret-internal-detail" not in answer.text and "KeyError" not in answer.text
    assert body["correlation_id"] == "bug-1" and answer.headers["x-correlation-id"] == "bug-1"


def test_the_refusals_of_the_request_limits_are_problems_naming_the_header(client):
    bad_id = problem(client.get("/invoices", headers={"X-Correlation-Id": "no spaces"}), 400, "bad_request")
    assert [e["field"] for e in bad_id["errors"]] == ["header.X-Correlation-Id"]
    assert bad_id["correlation_id"] is None and bad_id["instance"] == "/invoices"
    assert bad_id["detail"].startswith("header X-Correlation-Id must be 1 to 128 characters")
    huge = problem(client.get("/invoices", headers={"X-Padding": "x" * (20 << 10), "X-Correlation-Id": "c-1"}),
                   431, "headers_too_large")
    assert huge["correlation_id"] == "c-1" and "bytes allowed" in huge["detail"]
    too_long = problem(client.post("/invoices", content=b"x" * ((1 << 20) + 1)), 413, "too_large")
    assert [e["field"] for e in too_long["errors"]] == ["body"]
    assert "larger than the 1048576 bytes" in too_long["detail"]


def test_a_content_length_that_is_no_number_is_400_naming_the_header():
    sent: list[dict] = []

    async def app(scope, receive, send):  # never reached
        raise AssertionError("the request went past the limits")

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": "/x", "headers": [(b"content-length", b"12abc")]}
    asyncio.run(RequestLimits(app)(scope, None, send))
    body = json.loads(sent[1]["body"])
    assert (sent[0]["status"], dict(sent[0]["headers"])[b"content-type"]) == (400, PROBLEM_JSON.encode())
    assert (body["code"], [e["field"] for e in body["errors"]]) == ("bad_request", ["header.Content-Length"])


def test_existing_refusals_with_their_own_constructors_still_work():
    from services.payments.domain.errors import NotPermitted, RunConflict
    from services.queries.domain.errors import IllegalTransition

    assert (NotPermitted("approved_by", "not the proposer").code, RunConflict("run", "approved").code) == (None, None)
    assert IllegalTransition("Q-1", "open", "resolved", ["acknowledged"]).code is None
    assert RuleBroken("a", "b").code is None and IllegalState("x", code="c").code == "c"
