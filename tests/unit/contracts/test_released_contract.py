"""The released contract and today's read each other's events: every released event type and version, and
the envelope (contracts/released/, refreshed at each release; its README says when and how).

(a) The released readers read today's events: payloads generated from today's schema, read by today's
    model and written as its producer writes them (every field), are valid under the released schema
    read tolerantly (`additionalProperties: false` dropped, as `contracts.tolerant` reads). A type
    changed, a required field removed, or a value the released readers refuse (a widening in use) fails.
(b) Today's readers read the released events: payloads generated from the released schema are read by
    today's model as a consumer reads them (`contracts.tolerant.read`). A required field added, a type
    changed, or a narrowing fails. (An added required field passes (a): released readers ignore it.)

Cross-field rules are not in the schemas. A generated payload that breaks only such a rule (a model
validator's error, reported at the model rather than at a field) is discarded: no producer could publish
it. Only AgreementEvent (funding and direct_payment_id) and DirectPaymentTerms (nominee and mechanism) have
such rules today, and a test below lists them, so a new one is looked at. Every other model reads the
generated payloads as they come.

A few examples per event, derandomized: the same payloads every run, well under a second per event.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from pydantic import BaseModel, ValidationError, create_model

from contracts.envelope import RawEnvelope
from contracts.registry import all_events
from contracts.tolerant import read
from shared.compatibility import incompatibilities
from shared import contract_docs
from shared.contract_docs import ENVELOPE, RELEASED_DIR, envelope_schema, event_schemas
from shared.schemas import inline_refs, tolerant

from tests.unit.contracts.schema_payloads import is_partial_time, payloads

EXAMPLES = 5
CHECK = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                 phases=(Phase.explicit, Phase.generate), suppress_health_check=(HealthCheck.too_slow,))

RELEASED = {path.stem: json.loads(path.read_text()) for path in sorted(RELEASED_DIR.glob("*.json"))}
CURRENT = {name: json.loads(text) for name, text in event_schemas().items()} | {ENVELOPE: envelope_schema()}
MODELS: dict[str, type[BaseModel]] = {f"{t}.v{v}": m for (t, v), m in all_events().items()} | {ENVELOPE: RawEnvelope}


def released_reader(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """The released schema read tolerantly, formats checked."""
    return jsonschema_rs.validator_for(tolerant(schema), validate_formats=True,
                                       formats={"partial-time": is_partial_time})


def _cross_field_only(exc: ValidationError) -> bool:
    return all(e["type"] == "value_error" and isinstance(e.get("input"), dict) for e in exc.errors())


def released_reads_current(model: type[BaseModel], current: dict[str, Any], released: dict[str, Any]) -> None:
    """(a): AssertionError naming where the released schema refuses a payload `model` writes."""
    validator, generated_from = released_reader(released), released_reader(current)

    @CHECK
    @given(payloads(current))
    def check(payload: Any) -> None:
        generated_from.validate(payload)  # the generator's own check: it makes only what the schema admits
        try:
            value = model.model_validate_json(json.dumps(payload))
        except ValidationError as exc:
            if _cross_field_only(exc):
                reject()
            raise
        refused = [f"{'.'.join(map(str, e.instance_path)) or '(top)'}: {e.message}"
                   for e in validator.iter_errors(json.loads(value.model_dump_json()))]
        assert not refused, f"the released {released.get('title')} refuses today's payload: {'; '.join(refused)}"

    check()


def current_reads_released(model: type[BaseModel], released: dict[str, Any]) -> None:
    """(b): AssertionError naming what `model` cannot read in a payload valid under the released schema."""
    generated_from = released_reader(released)

    @CHECK
    @given(payloads(released))
    def check(payload: Any) -> None:
        generated_from.validate(payload)
        try:
            read(model.model_validate_json, json.dumps(payload))
        except ValidationError as exc:
            if _cross_field_only(exc):
                reject()
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise AssertionError(f"today's {model.__name__} cannot read a released payload: {problems}") from None

    check()


def test_the_release_is_snapshotted_with_the_envelope():
    assert ENVELOPE in RELEASED and len(RELEASED) > 90
    assert (RELEASED_DIR / "README.md").exists()


def test_a_release_snapshots_what_the_code_publishes_and_drops_what_it_no_longer_does(tmp_path, monkeypatch):
    monkeypatch.setattr(contract_docs, "RELEASED_DIR", tmp_path)
    (tmp_path / "Retired.v1.json").write_text("{}")
    (tmp_path / "README.md").write_text("kept")
    changed = contract_docs.write_release()
    assert tmp_path / "Retired.v1.json" in changed and not (tmp_path / "Retired.v1.json").exists()
    assert (tmp_path / "README.md").read_text() == "kept"
    assert json.loads((tmp_path / "Envelope.json").read_text()) == envelope_schema()
    assert {p.stem for p in tmp_path.glob("*.json")} == set(CURRENT)
    assert contract_docs.write_release() == []  # a second run changes nothing


def test_every_released_event_version_is_still_read():
    assert sorted(set(RELEASED) - set(MODELS)) == [], "a released event version has no reader any more"


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_the_released_readers_read_todays_events(name):
    released_reads_current(MODELS[name], CURRENT[name], RELEASED[name])


@pytest.mark.parametrize("name", sorted(RELEASED))
def test_todays_readers_read_the_released_events(name):
    current_reads_released(MODELS[name], RELEASED[name])


def test_only_the_known_models_have_cross_field_rules():
    defined = set()
    for name, module in list(sys.modules.items()):
        if name == "contracts" or name.startswith("contracts."):
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, BaseModel):
                    defined |= {getattr(d.func, "__func__", d.func).__qualname__.split(".")[0]
                                for d in value.__pydantic_decorators__.model_validators.values()}
    assert defined == {"AgreementEvent", "DirectPaymentTerms"}


# --- the failure modes, shown on one event ------------------------------------------------------------
BASE = MODELS["VisitVerified.v1"]
BASE_RELEASED = RELEASED["VisitVerified.v1"]


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return tolerant(inline_refs(model.model_json_schema()))


def test_a_new_required_field_is_caught_by_todays_readers_of_released_events():
    grown = create_model("VisitVerified", __base__=BASE, supervisor_id=(str, ...))
    released_reads_current(grown, _schema(grown), BASE_RELEASED)  # released readers ignore it
    with pytest.raises(AssertionError, match=r"supervisor_id: Field required"):
        current_reads_released(grown, BASE_RELEASED)
    assert incompatibilities(BASE_RELEASED, _schema(grown)) == ["required field 'supervisor_id' added"]


def test_a_changed_type_is_caught_both_ways():
    retyped = create_model("VisitVerified", __base__=BASE, amount_pence=(str, ...))
    with pytest.raises(AssertionError, match=r"amount_pence: .* is not of type \"integer\""):
        released_reads_current(retyped, _schema(retyped), BASE_RELEASED)
    with pytest.raises(AssertionError, match=r"amount_pence: Input should be a valid string"):
        current_reads_released(retyped, BASE_RELEASED)
    assert incompatibilities(BASE_RELEASED, _schema(retyped)) == [
        "field 'amount_pence' changed type (integer -> string)"]


def test_a_removed_required_field_is_caught_by_the_released_readers():
    kept = {name: (field.annotation, field) for name, field in BASE.model_fields.items() if name != "carer_id"}
    shrunk = create_model("VisitVerified", **kept)
    with pytest.raises(AssertionError, match=r"\(top\): \"carer_id\" is a required property"):
        released_reads_current(shrunk, _schema(shrunk), BASE_RELEASED)
    assert incompatibilities(BASE_RELEASED, _schema(shrunk)) == ["required field 'carer_id' removed"]


def test_an_added_optional_field_is_read_both_ways():
    grown = create_model("VisitVerified", __base__=BASE, note=(str | None, None))
    released_reads_current(grown, _schema(grown), BASE_RELEASED)
    current_reads_released(grown, BASE_RELEASED)
    assert incompatibilities(BASE_RELEASED, _schema(grown)) == []
