"""Every string and list a client sends has a bound at the edge: an over-long value is a 422 naming the field,
never a row, an outbox event or a log line of any size the client likes.

The OpenAPI documents are built from the apps as imported (nothing is started); a TestClient answers the
requests whose bodies fail validation, which FastAPI refuses before the route (or the database) is reached.
"""
from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shared.auth import mint_token
from shared.settings import Settings

SERVICES = ("agreements", "delivery", "invoicing", "payments", "queries", "reporting", "requests")
# Parsed by pydantic into a value of fixed size, whatever the text: dates, times.
FIXED_FORMATS = {"date", "date-time", "time", "partial-time", "uuid"}
# Bodies that are files (a CSV upload, a bank's confirmation file): held by the body size caps instead.
FILE_BODIES = {"multipart/form-data", "text/csv", "application/octet-stream",
               "application/csv", "application/xml", "text/xml"}  # delivery's visit files


def _app(service: str):
    return importlib.import_module(f"services.{service}.app").app


def _unbounded(doc: dict, schema: dict, where: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """The places under `schema` where a string has no maxLength or an array no maxItems."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen, schema = seen | {name}, doc["components"]["schemas"][name]
    found: list[str] = []
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    is_decimal = any(b.get("type") == "number" for b in branches)  # a Decimal: number or numeric string
    for branch in branches:
        if not (is_decimal and branch.get("type") == "string"):
            found += _unbounded(doc, branch, where, seen)
    kind = schema.get("type")
    if kind == "string" and "maxLength" not in schema and "enum" not in schema and "const" not in schema \
            and schema.get("format") not in FIXED_FORMATS:
        found.append(f"{where} (string without maxLength)")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where} (array without maxItems)")
        found += _unbounded(doc, schema.get("items", {}), f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        found += _unbounded(doc, sub, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _unbounded(doc, schema["additionalProperties"], f"{where}.*", seen)
    return found


def unbounded_inputs(service: str) -> list[str]:
    doc = _app(service).openapi()
    found = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            where = f"{service} {method.upper()} {path}"
            for param in op.get("parameters", []):
                if param["in"] in ("query", "header", "cookie"):
                    found += _unbounded(doc, param.get("schema", {}), f"{where} {param['in']}:{param['name']}")
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if media not in FILE_BODIES:
                    found += _unbounded(doc, content.get("schema", {}), f"{where} body")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_string_and_list_a_request_carries_is_bounded(service):
    offenders = unbounded_inputs(service)
    assert not offenders, "unbounded inputs:\n" + "\n".join(offenders)


def test_the_walk_finds_an_unbounded_string_and_list():
    doc = {"components": {"schemas": {"In": {"type": "object", "properties": {
        "note": {"type": "string"}, "ids": {"type": "array", "items": {"type": "string", "maxLength": 9}},
        "on": {"type": "string", "format": "date"}, "units": {"anyOf": [{"type": "number"}, {"type": "string"}]}}}}}}
    assert _unbounded(doc, {"$ref": "#/components/schemas/In"}, "body") == [
        "body.note (string without maxLength)", "body.ids (array without maxItems)"]


# --- what a client sees ------------------------------------------------------------------------------


@pytest.fixture
def as_role(monkeypatch):
    """A TestClient of a service's app (no lifespan: nothing is started) and a token of `role`."""
    def make(service: str, role: str) -> tuple[TestClient, dict[str, str]]:
        app = _app(service)
        settings = Settings(service=service, port=0)
        monkeypatch.setattr(app.state, "runtime", SimpleNamespace(settings=settings), raising=False)
        token = mint_token(settings.auth_secret, subject="u1", role=role)
        return TestClient(app, raise_server_exceptions=False), {"Authorization": f"Bearer {token}"}
    return make


def _locs(answer) -> list[list]:
    assert answer.status_code == 422, answer.text[:300]
    return [e["loc"] for e in answer.json()["errors"]]


def test_an_over_long_release_reason_is_refused_naming_the_reason(as_role):
    client, headers = as_role("payments", "finance_approver")
    answer = client.post("/invoices/INV-1/release-hold", json={"reason": "x" * 1001}, headers=headers)
    assert _locs(answer) == [["body", "reason"]]


def test_an_over_long_payment_run_scope_id_is_refused_naming_the_list_and_item(as_role):
    client, headers = as_role("payments", "finance_officer")
    answer = client.post("/payment-runs", json={"pay_date": "2026-01-09", "providers": ["PRV-1", "P" * 65]},
                         headers=headers)
    assert _locs(answer) == [["body", "providers", 1]]


def test_an_invoice_of_too_many_lines_is_refused_naming_the_lines(as_role):
    from shared.bounds import MAX_INVOICE_LINES
    client, headers = as_role("invoicing", "finance_officer")
    line = {"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 1}
    answer = client.post("/providers/PRV-1/invoices", json={"invoice_number": "N1",
                                                            "lines": [line] * (MAX_INVOICE_LINES + 1)},
                         headers=headers)
    assert _locs(answer) == [["body", "lines"]]


def test_an_over_long_work_list_filter_is_refused_naming_the_parameter(as_role):
    client, headers = as_role("queries", "finance_officer")
    answer = client.get("/queries", params={"officer_id": "o" * 201}, headers=headers)
    assert _locs(answer) == [["query", "officer_id"]]


# --- the models, where a value is read outside FastAPI's own checks -------------------------------------


def test_an_invoice_line_with_an_over_long_visit_id_is_kept_as_unreadable_naming_the_field():
    from services.invoicing.api.models import read_lines
    lines, unreadable = read_lines([{"agreement_ref": "AGR-1", "service_user_ref": "P-1", "amount_pence": 100,
                                     "date_from": "2026-01-05", "visit_id": "V" * 201}])
    assert lines == []
    assert [u.line_number for u in unreadable] == [1]
    assert unreadable[0].problems[0].startswith("visit_id:")
    assert all(len(value) <= 100 for _, value in unreadable[0].raw)


def test_weekly_units_of_more_digits_than_any_week_holds_are_refused():
    from services.agreements.api.models import VariationIn
    with pytest.raises(ValidationError) as refused:
        VariationIn(effective_from=date(2026, 1, 5), reason="more hours", weekly_units=Decimal("1" * 20))
    assert [e["loc"] for e in refused.value.errors()] == [("weekly_units",)]
    assert VariationIn(effective_from=date(2026, 1, 5), reason="more hours",
                       weekly_units=Decimal("168.00")).weekly_units == Decimal("168.00")
