"""Queries events are registered, keyed by query_id, and carry refs and amounts, never free text."""
import inspect

import pytest

import contracts.queries as queries_contract
from contracts.envelope import Event
from contracts.registry import all_events, lookup
from contracts.topics import BY_NAME

EVENTS = sorted((cls for _, cls in inspect.getmembers(queries_contract, inspect.isclass)
                 if issubclass(cls, Event) and cls.__module__ == queries_contract.__name__
                 and "EVENT_TYPE" in cls.__dict__), key=lambda cls: cls.EVENT_TYPE)
EFFECT_REQUESTS = [cls for cls in EVENTS if issubclass(cls, queries_contract.EffectRequested)]
# Free text may hold personal data: it stays in the queries service.
FREE_TEXT_NAMES = ("description", "note", "text", "summary", "reason", "comment", "message", "name")


def test_the_contract_defines_every_event_the_issue_asks_for():
    names = {cls.EVENT_TYPE for cls in EVENTS}
    assert names >= {"QueryRaised", "QueryAcknowledged", "QueryAssigned", "QueryNoteAdded", "QueryResolved",
                     "QueryClosed", "QueryReopened", "QuerySlaBreached", "DisputeOpened", "DisputeClosed",
                     "CreditNoteRequested", "SupplementaryPaymentRequested", "VisitReverificationRequested",
                     "AgreementVariationRequested"}


@pytest.mark.parametrize("event", EVENTS, ids=lambda cls: cls.EVENT_TYPE)
def test_every_queries_event_is_registered_on_the_queries_topic(event):
    assert lookup(event.EVENT_TYPE, event.SCHEMA_VERSION) is event
    assert (event.EVENT_TYPE, event.SCHEMA_VERSION) in all_events()
    assert event.TOPIC == "queries.events" and BY_NAME[event.TOPIC].owner == "queries"


@pytest.mark.parametrize("event", EVENTS, ids=lambda cls: cls.EVENT_TYPE)
def test_no_queries_event_carries_a_free_text_field(event):
    fields = set(event.model_fields)
    assert "query_id" in fields
    offending = {f for f in fields if any(word in f for word in FREE_TEXT_NAMES) and not is_reference(f)}
    assert not offending, f"{event.EVENT_TYPE} carries free text {offending}: keep it in the queries service"


@pytest.mark.parametrize("event", EVENTS, ids=lambda cls: cls.EVENT_TYPE)
def test_every_plain_string_in_a_queries_event_is_a_reference(event):
    strings = {name for name, field in event.model_fields.items() if field.annotation in (str, str | None)}
    assert all(is_reference(name) or name == "team" for name in strings), strings


def is_reference(field_name: str) -> bool:
    return field_name.endswith(("_id", "_ref"))


@pytest.mark.parametrize("event", EFFECT_REQUESTS, ids=lambda cls: cls.EVENT_TYPE)
def test_every_effect_request_carries_the_ids_the_completing_event_must_echo(event):
    assert {"query_id", "effect_id"} <= set(event.model_fields)
    assert "query_id" in (event.__doc__ or "") and "effect_id" in (event.__doc__ or "")


def test_events_are_keyed_by_query_id():
    event = queries_contract.DisputeOpened(query_id="QRY-1", invoice_id="INV-1", provider_id="PRV-101010101")
    assert event.aggregate_id() == "QRY-1"


def test_an_event_with_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        queries_contract.QueryReopened(query_id="QRY-1", reopened_by_role="person",
                                       resolve_due_at="2026-04-08T23:00:00")
