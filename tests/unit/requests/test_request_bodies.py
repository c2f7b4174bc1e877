"""The requests API's bodies say in their schema what the service refuses: a text that is only spaces, a
locality of other characters, direct_payment as a kind of care, a figure out of bounds, and (in the document)
the rules between fields of an assessment and a mechanism. For each body here the published schema and the
service (model, then domain) agree on whether it is accepted."""
from __future__ import annotations


import jsonschema_rs
import pytest
from pydantic import ValidationError

from services.requests.api.models import AllocationIn, AssessIn, BudgetIn, MechanismIn, ReasonIn, RequestIn
from services.requests.app import app
from services.requests.domain.assessment import Assessment
from services.requests.domain.errors import InvalidInput
from services.requests.domain.mechanism import MechanismChoice
from shared.bounds import SAYS_SOMETHING as NOT_BLANK

DOC = app.openapi()


def schema_accepts(model: str, body: dict) -> bool:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{model}",
            "components": DOC["components"]}
    return jsonschema_rs.validator_for(root).is_valid(body)


def field_refused(model, body: dict) -> list[str]:
    try:
        model.model_validate(body)
    except ValidationError as exc:
        return [".".join(map(str, e["loc"])) for e in exc.errors()]
    return []


def test_not_blank_is_what_strip_trims_in_every_engine():
    import re
    spaces = [chr(c) for c in range(0x10000) if chr(c).isspace()]  # none above the BMP
    assert all(not re.search(NOT_BLANK, c) for c in spaces)
    assert all(re.search(NOT_BLANK, c) for c in "a-_.\ufeff\u200b")
    for text in ("  ", "\t\n", "\x1c", "\u3000", ""):
        assert field_refused(ReasonIn, {"reason": text}) == ["reason"], repr(text)
        assert not schema_accepts("ReasonIn", {"reason": text}), repr(text)
    assert field_refused(ReasonIn, {"reason": " moved away "}) == [] and schema_accepts("ReasonIn", {"reason": "x"})
    assert field_refused(AllocationIn, {"worker_id": " ", "worker_role": "social_worker"}) == ["worker_id"]


@pytest.mark.parametrize("locality, ok", [
    ("North", True), (" North ", True), ("East-2", True), ("a" * 40, True), ("North_East", False), ("a" * 41, False),
    ("   ", False), ("---", False), ("\tNorth", False), ("North\n", False), ("", False), ("Nörth", False)])
def test_a_locality_is_refused_exactly_where_its_schema_says(locality, ok):
    body = {"person_ref": "P-123", "requested_by": "person", "requested_start": "2026-01-05", "locality": locality}
    refused = field_refused(RequestIn, body)
    assert (refused == []) is ok and schema_accepts("RequestIn", body) is ok
    if not ok:
        assert refused == ["locality"]
        with pytest.raises(ValidationError, match="letters, digits, spaces or hyphens"):
            RequestIn.model_validate(body)


def _assessment_ok(body: dict) -> bool:
    try:
        model = AssessIn.model_validate(body)
        Assessment(model.eligible, model.service_type, tuple(model.needs), tuple(model.outcomes))
    except (ValidationError, InvalidInput):
        return False
    return True


@pytest.mark.parametrize("body", [
    {"eligible": True, "service_type": "home_care", "needs": ["washing"], "outcomes": ["at home"]},
    {"eligible": True, "service_type": "home_care", "needs": ["washing"]},
    {"eligible": True, "service_type": "home_care", "needs": [], "outcomes": ["at home"]},
    {"eligible": False, "service_type": "day_care"},
    {"eligible": False, "service_type": "direct_payment"},
    {"eligible": False, "service_type": "day_care", "needs": [" "]},
])
def test_an_assessment_is_refused_exactly_where_its_schema_says(body):
    assert schema_accepts("AssessIn", body) is _assessment_ok(body)


def _mechanism_ok(body: dict) -> bool:
    try:
        model = MechanismIn.model_validate(body)
        MechanismChoice(model.mechanism, model.nominee, model.preferred_provider_id)
    except (ValidationError, InvalidInput):
        return False
    return True


@pytest.mark.parametrize("body", [
    {"mechanism": "direct_payment", "nominee": "council"}, {"mechanism": "direct_payment"},
    {"mechanism": "direct_payment", "nominee": None}, {"mechanism": "isf", "nominee": "person"},
    {"mechanism": "direct_payment", "nominee": "person", "preferred_provider_id": "PRV-1"},
    {"mechanism": "council_arranged", "preferred_provider_id": "PRV-1"}, {"mechanism": "isf", "nominee": None},
])
def test_a_mechanism_is_refused_exactly_where_its_schema_says(body):
    assert schema_accepts("MechanismIn", body) is _mechanism_ok(body)


@pytest.mark.parametrize("budget, contribution, refused", [
    (0, 0, []), (100_000_000, 0, []), (-1, 0, ["weekly_budget_pence"]),
    (100_000_001, 0, ["weekly_budget_pence"]), (10, -5, ["weekly_contribution_pence"]),
    (1.5, 0, ["weekly_budget_pence"]),
    (4500.0, 0, []), ("4500", 0, ["weekly_budget_pence"]), (True, 0, ["weekly_budget_pence"])])
def test_weekly_figures_are_whole_pence_within_bounds(budget, contribution, refused):
    body = {"weekly_budget_pence": budget, "weekly_contribution_pence": contribution}
    assert field_refused(BudgetIn, body) == refused
    assert schema_accepts("BudgetIn", body) is (not refused)
