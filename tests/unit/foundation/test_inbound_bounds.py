"""Every string and list a client sends has a bound at the edge: an over-long value is a 422 naming the field,
never a row, an outbox event or a log line of any size the client likes.

The OpenAPI documents are built from the apps as imported (nothing is started); a TestClient answers the
requests whose bodies fail validation, which FastAPI refuses before the route (or the database) is reached.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.unit.foundation.request_schemas import SERVICES, as_role, nodes, request_nodes  # noqa: F401 (a fixture)

# Parsed by pydantic into a value of fixed size, whatever the text: dates, times.
FIXED_FORMATS = {"date", "date-time", "time", "partial-time", "uuid"}


def _missing_bound(node: dict) -> str | None:
    kind = node.get("type")
    if kind == "string" and not {"maxLength", "enum", "const"} & node.keys() \
            and node.get("format") not in FIXED_FORMATS:
        return "string without maxLength"
    if kind == "array" and "maxItems" not in node:
        return "array without maxItems"
    return None


def _unbounded(doc: dict, schema: dict, where: str) -> list[str]:
    """The places under `schema` where a string has no maxLength or an array no maxItems."""
    return [f"{at} ({missing})" for at, node in nodes(doc, schema, where) if (missing := _missing_bound(node))]


def unbounded_inputs(service: str) -> list[str]:
    return [f"{at} ({missing})" for at, node, _ in request_nodes(service, ("query", "header", "cookie", "body"))
            if (missing := _missing_bound(node))]


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


# --- what a client sees (as_role: a TestClient of the app, nothing started) -----------------------------------


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
