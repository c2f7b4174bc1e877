"""The fuzz's sample files (tests/integration/hostile/fuzz_samples.py) are read by their services' own parsers
without a problem, and pass the checks that follow given the state they need (an ISF for the person, a PA with
approved hours); every type an upload route's document declares has one, and a valid case sends it."""
from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis

from contracts.common import SpendMechanism
from services.delivery.domain.parsing.csv_feed import open_visit_csv
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.validation import validate_feed
from services.invoicing.api.isf_models import IsfReturnIn
from services.invoicing.domain.isf_returns import ReturnStatus, check_return
from services.invoicing.domain.isf_returns_csv import parse_isf_returns_csv
from services.invoicing.domain.periods import DEFAULT_FOUR_WEEKLY_ANCHOR
from services.payments.api.uploads import columns_of
from services.payments.domain.confirmation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, parse_confirmation_csv
from services.payments.domain.net_pay import check_net_pay, parse_net_pay_csv
from services.payments.domain.timesheets import PersonalAssistant
from tests.integration.hostile import fuzz_samples as samples
from tests.integration.hostile.fuzz_hooks import _over, give_upload_a_file
from tests.unit.invoicing.invoicing_builders import PROVIDER, residential

ROOT = Path(__file__).resolve().parents[3]
# A Wednesday, a Monday, and the first and last day of a four-weekly period (counted from 1 April 2024).
TODAYS = (date(2026, 3, 4), date(2026, 3, 2), date(2026, 3, 30), date(2026, 3, 29), date(2026, 12, 8))


def _visits(reader, provider_id: str):
    [batch] = validate_feed(reader.rows(), provider_ref=provider_id)
    assert batch.rejects == [] and len(batch.records) == 1
    return batch.records[0]


@pytest.mark.parametrize("today", TODAYS)
def test_the_visit_csv_names_every_column_and_holds_one_valid_attendance_of_last_week(today):
    reader = open_visit_csv(io.BytesIO(samples.visit_csv("PRV-7", today).encode()))
    assert reader.ignored_columns == () and len(reader.mapped_columns) == 11
    record = _visits(reader, "PRV-7")
    assert record.provider_ref == "PRV-7" and record.check_in_method.value == "app"
    assert 7 <= (today - record.planned_start.date()).days <= 13 and record.planned_start.weekday() == 0


@pytest.mark.parametrize("provider_id", ["PRV-7", "PRV-\u00e9\u4e2d \"<&>'"])
def test_the_service_delivery_file_names_the_paths_provider_and_holds_the_same_attendance(provider_id):
    today = TODAYS[0]
    text = samples.service_delivery_xml(provider_id, today)
    assert text.isascii()
    reader = open_service_delivery_file(io.BytesIO(text.encode()))
    assert reader.provider_ref == provider_id and reader.reference == "SDF-FUZZ-20260301"
    csv_record = _visits(open_visit_csv(io.BytesIO(samples.visit_csv(provider_id, today).encode())), provider_id)
    assert _visits(reader, provider_id) == csv_record


def _isf_check(submission, today: date):
    isf = replace(residential("AGR-ISF", samples.PERSON, start=date(2024, 4, 1)), mechanism=SpendMechanism.ISF)
    return check_return(submission, return_id="R-1", provider_ref=PROVIDER, agreements=[isf],
                        anchor=DEFAULT_FOUR_WEEKLY_ANCHOR, today=today, submitted_by="fuzz")


@pytest.mark.parametrize("today", TODAYS)
def test_the_isf_returns_csv_and_json_are_one_return_accepted_for_a_period_that_is_over(today):
    read = parse_isf_returns_csv(samples.isf_returns_csv(today))
    assert read.problems == [] and read.columns.ignored == () and len(read.columns.mapped) == 7
    [from_csv] = read.submissions
    from_json = IsfReturnIn.model_validate_json(samples.isf_return_json(today)).submission()
    for submission in (from_csv, from_json):
        found, problems = _isf_check(submission, today)
        assert problems == [] and found.status is ReturnStatus.ACCEPTED, problems
        assert found.period.last < today <= found.period.last + timedelta(days=28)
        assert found.spend_pence == 6000 and found.lines[0].hours == Decimal("2.50")


def test_the_bank_report_is_its_header_naming_every_column_and_no_payment():
    text = samples.bank_report_csv()
    assert parse_confirmation_csv(text) == ([], [])
    assert columns_of(text, REQUIRED_COLUMNS + OPTIONAL_COLUMNS).ignored == []


def test_the_net_pay_file_is_one_employees_pay_recorded_for_a_week_that_has_ended():
    rows = parse_net_pay_csv(samples.net_pay_csv())
    week = date(2026, 3, 2)
    pa = PersonalAssistant("PA-1", "DP-1", "P-1", samples.EMPLOYEE, date(2026, 1, 1), None, ())
    lines, unchanged = check_net_pay(rows, week, week + timedelta(days=7), [pa], {"PA-1": 20_000}, {})
    assert unchanged == 0 and [(x.pa_id, x.net_pence) for x in lines] == [("PA-1", 10_000)]


def _upload_routes():
    for (service, endpoint), builders in samples.UPLOADS.items():
        method, path = endpoint.split(" ", 1)
        yield service, path, method, builders


def _declared_types(body: dict) -> set[str]:
    """Each type a route's document says its file may have: raw bodies that are strings, and form parts."""
    found = {media for media, content in body["content"].items()
             if media != "multipart/form-data" and content["schema"].get("type") == "string"}
    encoding = body["content"]["multipart/form-data"]["encoding"]["file"]["contentType"]
    return found | {t.strip() for t in encoding.split(",")}


@pytest.mark.parametrize(("service", "path", "method", "builders"), list(_upload_routes()))
def test_every_type_an_upload_route_documents_has_a_sample(service, path, method, builders):
    document = json.loads((ROOT / "contracts" / "openapi" / f"{service}.json").read_text())
    declared = _declared_types(document["paths"][path][method.lower()]["requestBody"])
    assert declared == set(builders), f"{service} {method} {path}"
    assert samples.sample(service, f"{method} {path}", "image/png", {}, TODAYS[0]) is None


@pytest.mark.parametrize(("service", "path", "method", "builders"), list(_upload_routes()))
def test_a_valid_case_sends_the_sample_of_the_type_it_names_and_the_document_still_calls_it_valid(
        service, path, method, builders):
    operation = schemathesis.openapi.from_path(ROOT / "contracts" / "openapi" / f"{service}.json")[path][method]
    today, params = TODAYS[0], {"provider_id": "PRV-7", "run_id": "RUN-1", "agreement_id": "DP-1",
                                "week_start": "2026-02-23"}
    params = {k: v for k, v in params.items() if "{" + k + "}" in path}
    for media, content in operation.definition.raw["requestBody"]["content"].items():
        validator = jsonschema_rs.validator_for(content["schema"])
        case = operation.Case(path_parameters=params, media_type=media,
                              body={"file": "0"} if media == "multipart/form-data" else "0")
        give_upload_a_file(case, today)
        if media == "multipart/form-data":
            part = case.multipart_content_types["file"]
            assert case.body["file"] == builders[part](params, today) and part == "text/csv", media
        elif content["schema"].get("type") == "string":
            assert case.body == builders[media](params, today), media
        else:  # a JSON body is generated from its schema
            assert case.body == "0", media
            continue
        assert validator.is_valid(case.body), media  # schemathesis still counts the case as valid


def test_a_week_or_period_that_must_be_over_is_moved_back_whole_periods_until_it_is():
    today = date(2026, 3, 4)  # a Wednesday
    for given, days, expected in (("2026-03-02", 7, "2026-02-23"), ("2026-02-23", 7, "2026-02-23"),
                                  ("2026-03-16", 7, "2026-02-23"), ("2026-03-02", 28, "2026-02-02"),
                                  ("2026-01-05", 28, "2026-01-05")):
        values = {"week_start": given}
        _over(values, "week_start", days, today)
        assert values == {"week_start": expected}, (given, days)
    for odd in ({"week_start": "not a date"}, {"week_start": 7}, {}):
        before = dict(odd)
        _over(odd, "week_start", 7, today)
        assert odd == before
