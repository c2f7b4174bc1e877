"""Attendance records: feed times, reason codes and batch validation (attendance.py, validation.py)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from services.delivery.domain.attendance import AttendanceRecord, CheckInMethod, ExceptionCode, parse_feed_time
from services.delivery.domain.validation import validate_batch, validate_feed, validate_json_batch
from shared.clock import london_date

from .builders import PROVIDER, raw, utc


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-04T09:00:00Z", utc(2024, 3, 4, 9)),
    ("2024-07-04T09:00:00+01:00", utc(2024, 7, 4, 8)),
    ("2024-07-04T09:00", utc(2024, 7, 4, 8)),  # no offset: London summer time
    ("2024-01-04 09:00:00", utc(2024, 1, 4, 9)),  # no offset: London winter time
    ("04/07/2024 09:00", utc(2024, 7, 4, 8)),  # dd/mm/yyyy local
    ("4/1/2024 09:05:30", utc(2024, 1, 4, 9, 5).replace(second=30)),
])
def test_feed_times_are_normalised_to_utc(text, expected):
    parsed = parse_feed_time(text)
    assert parsed == expected and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["yesterday", "2024-03-04", "31/02/2024 09:00", "2024-13-01T09:00", "", "09:00",
                                  "2024-03-04T09:00:00Z" + " " * 60])  # longer than any time: not one
def test_unparseable_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_feed_time(text)


def test_local_times_on_the_spring_dst_day_use_the_offset_in_force():
    assert parse_feed_time("31/03/2024 00:30") == utc(2024, 3, 31, 0, 30)  # GMT
    assert parse_feed_time("31/03/2024 03:30") == utc(2024, 3, 31, 2, 30)  # BST


def test_an_ambiguous_autumn_time_is_read_as_its_first_occurrence():
    assert parse_feed_time("27/10/2024 01:30") == utc(2024, 10, 27, 0, 30)


def test_local_date_of_a_late_evening_utc_time_in_summer_is_the_next_day():
    assert london_date(parse_feed_time("2024-10-26T23:30:00Z")) == date(2024, 10, 27)


def test_a_valid_record_parses_with_normalised_values():
    r = AttendanceRecord.model_validate(raw(check_in_method=" App ", exception_code="noaccess", agreement_ref=""))
    assert r.check_in_method is CheckInMethod.APP
    assert r.exception_code is ExceptionCode.NOACCESS
    assert r.agreement_ref is None


def reasons(batch) -> list[tuple[int, str | None, str]]:
    return [(r.row, r.field, r.reason) for r in batch.rejects]


@pytest.mark.parametrize(("bad", "field", "reason"), [
    (raw(carer_id=""), "carer_id", "missing_carer_id"),
    ({k: v for k, v in raw().items() if k != "carer_id"}, "carer_id", "missing_carer_id"),
    (raw(carer_id=None), "carer_id", "missing_carer_id"),
    (raw(check_in_method="fax"), "check_in_method", "unknown_check_in_method"),
    (raw(check_in="at nine"), "check_in", "time_unparseable"),
    (raw(planned_end="2024-03-04"), "planned_end", "time_unparseable"),
    (raw(check_out="2024-03-04T08:59:00Z"), "check_out", "check_out_before_check_in"),
    ({k: v for k, v in raw().items() if k != "visit_id"}, "visit_id", "missing_field"),
    (raw(service_user_ref="  "), "service_user_ref", "missing_field"),
    (raw(check_out=""), "check_out", "missing_field"),
    (raw(exception_code="LATE"), "exception_code", "unknown_exception_code"),
    (raw(provider_ref="1-999999999"), "provider_ref", "provider_mismatch"),
])
def test_bad_records_are_rejected_with_field_and_reason_while_good_ones_pass(bad, field, reason):
    batch = validate_batch([raw(), bad, raw(visit_id="V-2")], provider_ref=PROVIDER)
    assert reasons(batch) == [(1, field, reason)]
    assert [r.visit_id for r in batch.records] == ["V-1", "V-2"]
    assert batch.rows == [0, 2]
    assert batch.rejects[0].raw == bad
    assert batch.rejects[0].message


def test_an_exception_record_needs_no_check_in_or_check_out():
    batch = validate_batch([raw(check_in="", check_out="", exception_code="CANCELLED_SHORT_NOTICE")])
    assert batch.rejects == [] and batch.records[0].check_in is None


def test_every_problem_of_a_record_is_named():
    batch = validate_batch([raw(carer_id="", check_in="x")])
    assert [(p.field, p.reason) for p in batch.rejects[0].problems] == [
        ("carer_id", "missing_carer_id"), ("check_in", "time_unparseable")]


def test_a_record_that_is_not_an_object_is_rejected():
    assert reasons(validate_batch([5, raw()])) == [(0, None, "not_an_object")]


def test_rejects_carry_the_callers_row_numbers():
    batch = validate_batch([raw(), raw(carer_id="")], rows=[2, 3])
    assert batch.rows == [2] and reasons(batch) == [(3, "carer_id", "missing_carer_id")]


def test_a_formula_in_a_bad_value_is_defused_in_the_message():
    batch = validate_batch([raw(check_in="=HYPERLINK(\"http://x\")")])
    assert '"\'=HYPERLINK' in batch.rejects[0].message


def test_json_batch_validates_kafka_payloads_in_one_pass():
    payloads = [json.dumps(raw(visit_id=f"V-{i}")).encode() for i in range(3)]
    batch = validate_json_batch(payloads, provider_ref=PROVIDER)
    assert [r.visit_id for r in batch.records] == ["V-0", "V-1", "V-2"] and batch.rejects == []


def test_json_batch_names_broken_payloads_and_keeps_good_ones():
    payloads = [json.dumps(raw()).encode(), b"{not json", json.dumps(raw(carer_id="")).encode(),
                json.dumps(raw(provider_ref="1-000000000")).encode()]
    batch = validate_json_batch(payloads, provider_ref=PROVIDER)
    assert batch.rows == [0]
    assert reasons(batch) == [(1, None, "json_invalid"), (2, "carer_id", "missing_carer_id"),
                              (3, "provider_ref", "provider_mismatch")]


def test_validate_feed_batches_rows_and_keeps_reader_rejects():
    from services.delivery.domain.rejects import reject
    items = [(2, raw()), reject(3, None, "too_many_cells", "x"), (4, raw(carer_id="")), (5, raw(visit_id="V-5"))]
    batches = list(validate_feed(items, provider_ref=PROVIDER, batch_size=2))
    assert [b.rows for b in batches] == [[2], [5]]
    assert [(r.row, r.reason) for b in batches for r in b.rejects] == [(3, "too_many_cells"), (4, "missing_carer_id")]


def test_the_record_schema_can_be_published():
    schema = AttendanceRecord.model_json_schema()
    assert {"carer_id", "check_in", "check_in_method"} <= set(schema["properties"])
    assert set(schema["required"]) >= {"provider_ref", "carer_id", "planned_start", "check_in_method"}


def test_an_id_with_a_nul_character_is_refused_as_an_invalid_value():
    batch = validate_batch([raw(carer_id="C-\x00"), raw(agreement_ref="A\x00")])
    assert [(r.row, r.field, r.reason) for r in batch.rejects] == [
        (0, "carer_id", "invalid_value"), (1, "agreement_ref", "invalid_value")]
    assert all("\x00" not in r.message for r in batch.rejects)
