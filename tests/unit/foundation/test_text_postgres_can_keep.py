"""Every string a client sends says in the published document what it may hold, and none can bring a NUL
character (U+0000), which Postgres text cannot keep, past the edge: the document's `pattern` refuses it and
so does the model (422 `nul_character` naming the field). So a request the document calls valid is never
refused by the database, and an integrator learns the rule from the document alone.

The vocabulary is shared.bounds; a string with a stricter pattern of its own (an id, a cursor), a format or an
enum needs none of it. Headers are left out: HTTP refuses a NUL in one before any route. Files (CSV, XML,
multipart uploads) are read row by row and answer for their own content.
"""
from __future__ import annotations

import jsonschema_rs
import pytest
from pydantic import TypeAdapter, ValidationError

from shared.bounds import (BLANK_RULE, NO_NUL, NUL_RULE, SAYS_SOMETHING, Description, Filter, Key, Name, PathId,
                           Reason, Reference, Text, text)
from tests.unit.foundation.request_schemas import SERVICES, as_role, nodes, request_nodes  # noqa: F401 (a fixture)

STATED = {"pattern", "format", "enum", "const"}


def _unstated(doc: dict, schema: dict, where: str) -> list[str]:
    return [at for at, node in nodes(doc, schema, where) if node.get("type") == "string" and not STATED & node.keys()]


@pytest.mark.parametrize("service", SERVICES)
def test_every_string_a_request_carries_states_what_it_may_hold(service):
    offenders = [at for at, node, _ in request_nodes(service, ("path", "query", "body"))
                 if node.get("type") == "string" and not STATED & node.keys()]
    assert not offenders, ("strings with no pattern, format or enum (use shared.bounds' vocabulary):\n"
                           + "\n".join(offenders))


def test_the_walk_finds_a_string_that_states_nothing():
    doc = {"components": {"schemas": {"In": {"type": "object", "properties": {
        "note": {"type": "string", "maxLength": 9}, "ids": {"type": "array", "items": {"type": "string"}},
        "on": {"type": "string", "format": "date"}, "kind": {"type": "string", "enum": ["a"]},
        "ref": {"anyOf": [{"type": "string", "pattern": NO_NUL}, {"type": "null"}]}}}}}}
    assert _unstated(doc, {"$ref": "#/components/schemas/In"}, "body") == ["body.note", "body.ids[]"]


VOCABULARY = [Reference, Key, Name, Reason, Text, Description, Filter, PathId]


@pytest.mark.parametrize("kind", VOCABULARY)
def test_the_vocabulary_refuses_a_nul_and_its_schema_says_so(kind):
    adapter = TypeAdapter(kind)
    schema = adapter.json_schema()
    assert schema["pattern"] == NO_NUL
    for value in ("x", "line one\nline two", "ünïcödé"):
        assert adapter.validate_python(value) == value
        assert jsonschema_rs.validator_for(schema).is_valid(value)
    for value in ("\x00", "x\x00", "before\x00after"):
        with pytest.raises(ValidationError) as refused:
            adapter.validate_python(value)
        assert [(e["type"], e["msg"]) for e in refused.value.errors()] == [("nul_character", NUL_RULE)]
        assert not jsonschema_rs.validator_for(schema).is_valid(value)


@pytest.mark.parametrize("value", ["x", " x ", "\ufeff", "\u200b", "", " ", "\t\n", "\x1c\x1f", "\u3000", "\xa0",
                                   "x\x00", "\x00"])
def test_text_that_must_say_something_is_refused_where_its_pattern_says(value):
    kind = text(100, 1, says_something=True)
    schema = TypeAdapter(kind).json_schema()
    assert schema["pattern"] == SAYS_SOMETHING
    try:
        TypeAdapter(kind).validate_python(value)
        accepted = True
    except ValidationError as refused:
        accepted = False
        assert refused.errors()[0]["msg"] in (NUL_RULE, BLANK_RULE, "String should have at least 1 character")
    assert accepted is jsonschema_rs.validator_for(schema).is_valid(value) is ("\x00" not in value and bool(value.strip()))


def test_says_something_is_what_strip_trims_in_every_engine():
    import re
    every = [chr(c) for c in range(0x10000)]  # nothing above the BMP is a space
    assert [c for c in every if bool(re.search(SAYS_SOMETHING, c)) != (c != "\x00" and bool(c.strip()))] == []


def test_a_field_with_a_pattern_of_its_own_cannot_take_the_vocabulary_too():
    from pydantic import BaseModel, Field

    class Coded(BaseModel):
        code: Reference = Field(pattern="^[A-Z]+$")

    with pytest.raises(TypeError, match="one pattern"):
        Coded.model_json_schema()


# --- what a client is told --------------------------------------------------------------------------------------


def _nul_refused(answer) -> list[tuple[str, str]]:
    assert answer.status_code == 422, answer.text[:300]
    problem = answer.json()
    assert problem["code"] == "invalid_request" and "NUL" in problem["detail"]
    return [(e["field"], e["type"]) for e in problem["errors"]]


def test_a_nul_in_a_query_note_is_a_422_naming_the_field(as_role):
    client, headers = as_role("queries", "finance_officer")
    answer = client.post("/queries/QRY-1/notes", json={"text": "see the\x00 attached"}, headers=headers)
    assert _nul_refused(answer) == [("body.text", "nul_character")]
    assert answer.json()["detail"] == f"body.text: {NUL_RULE}"


def test_a_nul_in_a_path_or_a_filter_is_a_422_naming_it(as_role):
    client, headers = as_role("queries", "finance_officer")
    assert _nul_refused(client.get("/queries/QRY-1%00", headers=headers)) == [("path.query_id", "nul_character")]
    assert _nul_refused(client.get("/queries", params={"officer_id": "o\x00"}, headers=headers)) == [
        ("query.officer_id", "nul_character")]
