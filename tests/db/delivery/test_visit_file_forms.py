"""The visit-file upload takes the file as the raw body with its own content type or as the part `file` of a
multipart/form-data form, and its report names the CSV columns read and those ignored; the fuzz's sample files
are read whole. Against Postgres alone (a fresh copy of the delivery schema), through the HTTP API and
`carepay ecm import`."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, time, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from services.delivery.app import app
from shared.cli import app as carepay
from shared.clock import london_date, london_local, utcnow, week_start
from tests.db.delivery.helpers import EVERY_DAY, delivery_knowing
from tests.db.delivery.test_feeds_by_provider_id import _bridge
from tests.integration.hostile import fuzz_samples

pytestmark = pytest.mark.db
PROVIDER, OTHER, CQC, PERSON, AGREEMENT = "PRV-FORM-1", "PRV-FORM-2", "1-900000301", "SU-FORM-1", "AGR-FORM-1"
WEEK = week_start(london_date(utcnow())) - timedelta(weeks=1)
COLUMNS = ("provider_ref", "service_user_ref", "visit_id", "carer_id", "planned_start", "planned_end", "check_in",
           "check_out", "check_in_method")


def csv_file(*days: int, header: tuple[str, ...] = COLUMNS, extra: tuple[str, ...] = ()) -> bytes:
    """A visit export of the 09:00-09:30 visit on each of `days` (0 = Monday); `extra` columns hold "x"."""
    lines = [",".join((*header, *extra))]
    for day in days:
        start = london_local(datetime.combine(WEEK + timedelta(days=day), time(9)))
        end = (start + timedelta(minutes=30)).isoformat()
        lines.append(",".join((CQC, PERSON, f"V-{day}", "C-1", start.isoformat(), end, start.isoformat(), end, "app",
                               *("x" for _ in extra))))
    return ("\n".join(lines) + "\n").encode()


def xml_file(reference: str, day: int) -> bytes:
    start = datetime.combine(WEEK + timedelta(days=day), time(9))
    sunday = WEEK + timedelta(days=6)
    return (f'<?xml version="1.0" encoding="UTF-8"?><ServiceDeliveryFile reference="{reference}" provider="{CQC}">'
            f'<ProviderContract reference="{AGREEMENT}"><ServiceWeek serviceUser="{PERSON}" weekEnding="{sunday}">'
            f'<Visit id="V-X{day}" plannedStart="{start:%Y-%m-%dT%H:%M}" '
            f'plannedEnd="{start + timedelta(minutes=30):%Y-%m-%dT%H:%M}"><Carer id="C-2" '
            f'checkIn="{start:%Y-%m-%dT%H:%M}" checkOut="{start + timedelta(minutes=30):%Y-%m-%dT%H:%M}" '
            'method="app"/></Visit></ServiceWeek></ProviderContract></ServiceDeliveryFile>').encode()


@pytest.fixture
async def db():
    async with delivery_knowing([(PROVIDER, CQC, []), (OTHER, "1-900000302", [])], agreement_id=AGREEMENT,
                                person_ref=PERSON, provider_id=PROVIDER, start=WEEK, weekdays=EVERY_DAY) as db:
        yield db



async def test_a_csv_sent_raw_reports_the_columns_it_read_and_those_it_ignored(db):
    header = ("Provider Ref", *COLUMNS[1:5], "Planned-End", *COLUMNS[6:])
    body = csv_file(0, 1, header=header, extra=("exception_cdoe", "Notes"))
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{PROVIDER}/visit-files", content=body,
                                 headers={**db.auth("ops"), "Content-Type": "text/csv; charset=utf-8"})
    assert sent.status_code == 200, sent.text
    report = sent.json()
    assert report["columns"] == {"mapped": list(header), "ignored": ["exception_cdoe", "Notes"]}
    assert (report["format"], report["verified"], report["rejected"]) == ("csv", 2, 0)
    assert report["file_reference"] == f"sha256:{hashlib.sha256(body).hexdigest()}"


async def test_a_csv_as_the_part_file_of_a_form_is_the_same_file_as_sent_raw(db):
    body = csv_file(2)
    async with db.http(app) as client:
        form = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                 files={"file": ("week.csv", body, "text/csv")})
        assert form.status_code == 200, form.text
        assert (form.json()["verified"], form.json()["columns"]["ignored"]) == (1, [])
        # The reference is the file's SHA-256, however it came: the same bytes raw are a duplicate.
        again = await client.post(f"/providers/{PROVIDER}/visit-files", content=body,
                                  headers={**db.auth("ops"), "Content-Type": "text/csv"})
        assert again.status_code == 409 and again.json()["code"] == "duplicate_file", again.text
        # A part of no particular type is read as CSV; a part without a filename is the file's text.
        generic = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                    files={"file": ("w.bin", csv_file(3), "application/octet-stream")})
        text = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                 files={"file": (None, csv_file(4).decode())})
    assert generic.status_code == 200 and generic.json()["verified"] == 1, generic.text
    assert text.status_code == 200 and text.json()["verified"] == 1, text.text


async def test_an_xml_file_raw_or_in_a_form_is_read_as_xml(db):
    async with db.http(app) as client:
        raw = await client.post(f"/providers/{PROVIDER}/visit-files", content=xml_file("SDF-FORM-1", 5),
                                headers={**db.auth("ops"), "Content-Type": "text/xml"})
        form = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                 files={"file": ("week.xml", xml_file("SDF-FORM-2", 6), "application/xml")})
    for sent, reference in ((raw, "SDF-FORM-1"), (form, "SDF-FORM-2")):
        assert sent.status_code == 200, sent.text
        report = sent.json()
        assert (report["format"], report["file_reference"], report["verified"], report["columns"]) == (
            "xml", reference, 1, None)


async def test_other_media_types_are_415_naming_those_taken_after_who_may_send(db):
    async with db.http(app) as client:
        plain = await client.post(f"/providers/{PROVIDER}/visit-files", content=csv_file(0),
                                  headers={**db.auth("ops"), "Content-Type": "text/plain"})
        part = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                 files={"file": ("w.json", b"[]", "application/json")})
        # A provider sending to another provider's route is refused for who it is, not for what it sent.
        theirs = await client.post(f"/providers/{OTHER}/visit-files", content=b"{}",
                                   headers={**db.auth("provider", provider=PROVIDER), "Content-Type": "text/plain"})
        no_part = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                    files={"attachment": ("w.csv", csv_file(0), "text/csv")})
    for refused in (plain, part):
        assert refused.status_code == 415, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "unsupported_media_type"
        assert "text/csv or application/csv or application/xml or text/xml" in refused.json()["detail"]
    assert theirs.status_code == 403, theirs.text
    assert no_part.status_code == 422 and no_part.json()["errors"][0]["field"] == "body.file", no_part.text
    assert await db.fetchval("SELECT count(*) FROM attendances") == 0


async def test_a_file_whose_header_lacks_columns_is_422_naming_them_and_the_row(db):
    body = csv_file(0, header=COLUMNS[:-1])
    async with db.http(app) as client:
        raw = await client.post(f"/providers/{PROVIDER}/visit-files", content=body,
                                headers={**db.auth("ops"), "Content-Type": "text/csv"})
        form = await client.post(f"/providers/{PROVIDER}/visit-files", headers=db.auth("ops"),
                                 files={"file": ("w.csv", body, "text/csv")})
    for refused, field in ((raw, "body"), (form, "body.file")):
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "missing_columns"
        [error] = problem["errors"]
        assert (error["field"], error["row"], error["columns"]) == (field, 1, ["check_in_method"])


async def test_carepay_ecm_import_names_the_columns_it_ignored(db, tmp_path, monkeypatch):
    path = tmp_path / "visits.csv"
    path.write_bytes(csv_file(0, extra=("Carer Name",)))
    real_client = httpx.Client
    loop = asyncio.get_running_loop()
    async with db.http(app) as client:
        monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=_bridge(client, loop), **kw))
        token = db.auth("provider", provider=PROVIDER)["Authorization"].removeprefix("Bearer ")
        done = await asyncio.to_thread(CliRunner().invoke, carepay, [
            "ecm", "import", str(path), "--provider", PROVIDER, "--url", "http://delivery.local", "--token", token],
            env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "columns ignored (not read): Carer Name" in done.output


async def test_the_fuzzs_sample_files_are_read_whole_for_a_provider_named_by_its_provider_id(db):
    today, url = london_date(utcnow()), f"/providers/{PROVIDER}/visit-files"
    async with db.http(app) as client:
        as_csv = await client.post(url, content=fuzz_samples.visit_csv(PROVIDER, today),
                                   headers={**db.auth("ops"), "Content-Type": "text/csv"})
        as_xml = await client.post(url, headers=db.auth("ops"), files={
            "file": ("file", fuzz_samples.service_delivery_xml(PROVIDER, today), "application/xml")})
    for sent, kind in ((as_csv, "csv"), (as_xml, "xml")):
        assert sent.status_code == 200, sent.text
        report = sent.json()
        assert report["format"] == kind and report["received"] == 1, report
        # Read whole, its one record judged: the person it names is one delivery does not know (state, not form).
        assert [r["reason"] for r in report["rejects"]] == ["unknown_service_user"], report
