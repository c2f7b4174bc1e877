"""The committed contract documents match the code, and events only change compatibly (the rule in full:
tests/unit/contracts/test_compatibility_rule.py)."""
import json

import pytest

from shared.compatibility import incompatibilities
from shared.contract_docs import ASYNCAPI_DIR, OPENAPI_DIR, SCHEMA_DIR, asyncapi_documents, event_schemas, openapi_documents

HINT = "run `make contracts` and commit contracts/ (and bump SCHEMA_VERSION for incompatible changes)"


@pytest.mark.parametrize("service, text", sorted(asyncapi_documents().items()))
def test_committed_asyncapi_document_matches_the_code(service, text):
    path = ASYNCAPI_DIR / f"{service}.json"
    assert path.exists(), f"{path} is missing: {HINT}"
    assert path.read_text() == text, f"{path} drifted from the code: {HINT}"


@pytest.mark.parametrize("service, text", sorted(openapi_documents().items()))
def test_committed_openapi_document_matches_the_code(service, text):
    path = OPENAPI_DIR / f"{service}.json"
    assert path.exists(), f"{path} is missing: {HINT}"
    assert path.read_text() == text, f"{path} drifted from the code: {HINT}"


@pytest.mark.parametrize("name, text", sorted(event_schemas().items()))
def test_every_event_version_has_a_committed_schema_and_changes_only_compatibly(name, text):
    path = SCHEMA_DIR / f"{name}.json"
    assert path.exists(), f"{path} is missing: {HINT}"
    problems = incompatibilities(json.loads(path.read_text()), json.loads(text))
    assert not problems, f"{name} changed incompatibly ({'; '.join(problems)}): {HINT}"


def test_removing_a_required_field_is_incompatible():
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]}
    new = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert incompatibilities(old, new) == ["required field 'b' removed"]


def test_retyping_a_required_field_is_incompatible():
    old = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    new = {"properties": {"a": {"type": "integer"}}, "required": ["a"]}
    assert incompatibilities(old, new) == ["field 'a' changed type (string -> integer)"]


def test_the_committed_event_schemas_forbid_no_field_a_reader_does_not_know():
    assert all('"additionalProperties": false' not in text for text in event_schemas().values())


def test_adding_an_optional_field_or_rewording_a_description_is_compatible():
    old = {"properties": {"a": {"type": "string", "description": "x"}}, "required": ["a"]}
    new = {"properties": {"a": {"type": "string", "description": "y"}, "b": {"type": "string"}},
           "required": ["a"]}
    assert incompatibilities(old, new) == []
