"""How a consumer classifies what it reads: usable, skipped, or poison with a reason."""
import json
from datetime import date

import pytest

from contracts.envelope import Actor
from contracts.requests import RequestCancelled, ServiceRequested
from shared.consumer import EventConsumer, RawBatchConsumer
from shared.records import Poison
from shared.events import Cause, envelope_for
from shared.testing import Record




async def _noop(conn, event, ctx):
    return None


CONSUMER = EventConsumer(name="test.requests", topic="requests.events", handlers={ServiceRequested: _noop})


def _envelope(event=None):
    event = event or ServiceRequested(request_id="REQ-1", person_ref="P1", requested_by="person",
                                      requested_start=date(2026, 12, 1))
    return envelope_for(event, producer="requests", council_id="c",
                        cause=Cause("corr", None, Actor(id="u", role="person")))


def _record(value: bytes | None, key: bytes | None = b"REQ-1") -> Record:
    return Record("requests.events", 0, 7, key, value)


def test_a_handled_event_is_decoded_with_its_typed_payload_and_event_id():
    env = _envelope()
    item = CONSUMER.decode(_record(env.model_dump_json().encode()))
    assert isinstance(item.event, ServiceRequested)
    assert item.message_id == str(env.event_id)
    assert item.envelope.correlation_id == "corr"


def test_a_known_event_the_consumer_does_not_handle_is_skipped_not_poison():
    env = _envelope(RequestCancelled(request_id="REQ-1", person_ref="P1", reason="moved away"))
    item = CONSUMER.decode(_record(env.model_dump_json().encode()))
    assert item.event is None


@pytest.mark.parametrize("value, key, reason", [
    (b"{nope", b"REQ-1", "invalid_json"),
    (None, b"REQ-1", "empty_value"),
    (json.dumps({"event_type": "ServiceRequested"}).encode(), b"REQ-1", "invalid_envelope"),
])
def test_unreadable_messages_are_poison(value, key, reason):
    with pytest.raises(Poison) as err:
        CONSUMER.decode(_record(value, key))
    assert err.value.reason == reason


def _mutated(**changes) -> bytes:
    env = json.loads(_envelope().model_dump_json())
    for k, v in changes.items():
        if k == "payload":
            env["payload"].update(v)
        else:
            env[k] = v
    return json.dumps(env).encode()


@pytest.mark.parametrize("changes, reason", [
    ({"event_type": "NoSuchThing"}, "unknown_event_type"),
    ({"schema_version": 42}, "unknown_schema_version"),
    ({"aggregate_id": "REQ-2"}, "wrong_key"),
    ({"payload": {"requested_start": "not a date"}}, "invalid_payload"),
    ({"payload": {"requested_start": "not a date", "unexpected": 1}}, "invalid_payload"),
])
def test_messages_that_break_the_contract_are_poison(changes, reason):
    with pytest.raises(Poison) as err:
        CONSUMER.decode(_record(_mutated(**changes)))
    assert err.value.reason == reason


def test_an_unknown_field_beside_a_real_fault_is_poison_that_names_only_the_fault():
    with pytest.raises(Poison) as err:
        CONSUMER.decode(_record(_mutated(payload={"requested_start": "not a date", "unexpected": 1})))
    assert "requested_start" in err.value.error and "unexpected" not in err.value.error


@pytest.mark.parametrize("headers", [(), (("event_type", b"ServiceRequested"), ("schema_version", b"1"))],
                         ids=["two passes", "named in its headers"])
def test_fields_the_contract_does_not_know_are_ignored_and_named_not_poison(headers):
    value = _mutated(payload={"unexpected": 1, "note": {"deep": True}}, traced_by="x")
    item = CONSUMER.decode(Record("requests.events", 0, 7, b"REQ-1", value, headers=headers))
    assert isinstance(item.event, ServiceRequested) and item.event.request_id == "REQ-1"
    assert item.unknown_fields == ("payload.note", "payload.unexpected", "traced_by")
    assert "unexpected" not in item.event.model_dump() and "traced_by" not in item.envelope.model_dump()


def test_raw_topic_records_are_identified_by_topic_partition_offset():
    raw = RawBatchConsumer(name="raw", topic="ecm.visits", batch_handler=_noop)
    item = raw.decode(Record("ecm.visits", 3, 1234, b"1-123456789", b"anything"))
    assert item.message_id == "ecm.visits:3:1234"
    assert item.key == "1-123456789"


def test_an_unhandled_event_named_in_the_headers_is_skipped_without_parsing_its_body():
    env = _envelope(RequestCancelled(request_id="REQ-1", person_ref="P1", reason="moved away"))
    record = Record("requests.events", 0, 9, b"REQ-1", b"not even json",
                    headers=(("event_type", b"RequestCancelled"), ("schema_version", b"1")))
    item = CONSUMER.decode(record)
    assert item.event is None
    assert env.event_type == "RequestCancelled"


def test_a_handled_event_named_in_the_headers_is_still_fully_checked():
    record = Record("requests.events", 0, 9, b"REQ-1", b"not even json",
                    headers=(("event_type", b"ServiceRequested"), ("schema_version", b"1")))
    with pytest.raises(Poison) as err:
        CONSUMER.decode(record)
    assert err.value.reason == "invalid_json"


def test_a_record_with_utf8_headers_is_handed_on_as_it_is_and_a_hostile_one_cleaned():
    from aiokafka.structs import ConsumerRecord

    from shared.kafka_io import cleaned as _cleaned

    def record(headers):
        return ConsumerRecord("t", 0, 1, 0, 0, b"k", b"v", None, 1, 1, headers)

    fine = record((("event_type", b"VisitVerified"), ("correlation_id", "é".encode())))
    assert _cleaned(fine) is fine
    hostile = _cleaned(record((("event_type", b"\xff\xfeVisit"), ("empty", None))))
    assert hostile.headers == (("event_type", "\ufffd\ufffdVisit".encode()), ("empty", b""))
    assert _cleaned(record(None)).headers == ()


async def test_a_batch_is_named_by_its_ends_and_handed_on_whole_with_every_body():
    from aiokafka.structs import ConsumerRecord
    from faststream.kafka.message import KafkaMessage
    from faststream.kafka.parser import AioKafkaBatchParser

    from shared.kafka_io import tolerant_parser as _tolerant_parser

    records = tuple(ConsumerRecord("t", 0, offset, 1_000 + offset, 0, b"k", b"v%d" % offset, None, 1, 2,
                                   (("event_type", b"VisitVerified"),)) for offset in range(10, 20))
    message = await _tolerant_parser(records, AioKafkaBatchParser(msg_class=KafkaMessage, regex=None).parse_batch)
    assert message.raw_message is records  # the handler gets every record, untouched
    assert message.body == [b"v%d" % o for o in range(10, 20)]  # FastStream's size metric counts them all
    assert message.message_id == "10-19-1010" and message.headers == {"event_type": "VisitVerified"}
