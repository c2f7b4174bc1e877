"""The public ECM record (contracts/ecm.py) matches what delivery reads; summaries and stored raw values."""
from __future__ import annotations

from contracts.delivery import VisitRejected
from contracts.ecm import EcmAttendance, ecm_record_schema
from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.rejects import reject
from services.delivery.domain.sorting import Refused
from services.delivery.events import UNKNOWN_PROVIDER, received_by_provider, rejected_event
from services.delivery.handlers.ecm import ECM
from services.delivery.store.visits import clean, raw_for_storage
from shared.schemas import consumer_payload_schema

from .builders import raw


def test_the_published_record_has_exactly_the_fields_delivery_reads():
    assert set(EcmAttendance.model_fields) == set(AttendanceRecord.model_fields)
    required = {name for name, f in EcmAttendance.model_fields.items() if f.is_required()}
    assert required == {"provider_ref", "service_user_ref", "visit_id", "carer_id", "planned_start", "planned_end",
                        "check_in_method"}


def test_a_record_valid_under_the_contract_is_valid_for_delivery():
    record = raw(exception_code="NOACCESS", check_in=None, check_out=None)
    EcmAttendance.model_validate(record)
    assert AttendanceRecord.model_validate(record).exception_code == "NOACCESS"


def test_the_ecm_topic_documents_the_record_schema_for_integrators():
    schema = consumer_payload_schema(ECM)
    assert schema == ecm_record_schema()
    assert schema["properties"]["check_in_method"]["enum"] == ["app", "landline", "manual"]


def test_a_reject_of_an_unknown_provider_is_keyed_as_unknown_and_names_the_reference():
    refused = Refused(reject(3, "provider_ref", "unknown_provider", "not on the register",
                             raw={"provider_ref": "1-000"}))
    event = rejected_event(refused, "ecm.visits:1:3", "kafka", "ecm.visits/1@3")
    assert isinstance(event, VisitRejected)
    assert (event.aggregate_id(), event.provider_ref, event.reason, event.field) == (
        UNKNOWN_PROVIDER, "1-000", "unknown_provider", "provider_ref")


def test_a_batch_summary_is_one_event_per_provider():
    events = received_by_provider("kafka:x", "kafka", [("PRV-1", "verified"), ("PRV-2", "rejected"),
                                                       ("PRV-1", "unallocated"), (None, "rejected")])
    assert sorted((e.provider_id, e.received, e.verified, e.unallocated, e.rejected) for e in events) == [
        ("PRV-1", 2, 1, 1, 0), ("PRV-2", 1, 0, 0, 1), (UNKNOWN_PROVIDER, 1, 0, 0, 1)]


def test_what_was_received_is_stored_without_nul_bytes_and_shortened():
    assert clean("C-\x001") == "C-\ufffd1" and clean("C-1") == "C-1"
    assert raw_for_storage(b"\x00{not json") == "\ufffd{not json"
    assert raw_for_storage({"carer_id": "C-1"}) == {"carer_id": "C-1"}
    assert isinstance(raw_for_storage({"x": "\x00"}), str)  # jsonb cannot hold \u0000
    assert len(raw_for_storage("x" * 10_000)) == 4000
