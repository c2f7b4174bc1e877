"""CSV exports and XML service delivery files through the running service: good rows verified, every
bad row reported with its row, field and reason, a file sent twice refused, and the command line."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import auth
from tests.integration.delivery.delivery_helpers import (
    agreed, WEEK, Setup, delivery_event, payload_of, slot, terms, visit_key)
from shared.settings import REPO_ROOT

pytestmark = pytest.mark.stack
CAREPAY = str(Path(sys.executable).parent / "carepay")

HEADER = ("Carer ID,provider_ref,service_user_ref,visit_id,planned_start,planned_end,check_in,check_out,"
          "check_in_method,notes")


def csv_row(setup: Setup, person: str, day, carer: str = "C-1", check_in: str = "09:02", check_out: str = "09:31",
            visit_id: str = "V-1", method: str = "app") -> str:
    d = day.strftime("%d/%m/%Y")
    return (f"{carer},{setup.cqc},{person},{visit_id},{d} 09:00,{d} 09:30,{d} {check_in},{d} {check_out},"
            f"{method},anything")


async def test_a_malformed_csv_gets_every_bad_row_reported_while_good_rows_are_verified(http, stack, producer, tail):
    base = stack["delivery"]
    days = [WEEK + timedelta(days=i) for i in range(3)]
    setup, agreement = await agreed(http, base, producer, terms(*(slot(d) for d in days)))
    person = agreement["person"]
    lines = [HEADER,
             csv_row(setup, person, days[0], visit_id="V-A"),                          # row 2 good
             csv_row(setup, person, days[1], carer="", visit_id="V-B"),                # row 3 missing carer
             csv_row(setup, person, days[1], check_out="08:00", visit_id="V-C"),       # row 4 out before in
             csv_row(setup, person, days[2], check_in="9 o'clock", visit_id="V-D"),    # row 5 unparseable
             "",                                                                       # row 6 blank: skipped
             csv_row(setup, person, days[2], visit_id="V-E", method="pigeon"),         # row 7 bad method
             csv_row(setup, person, days[2], visit_id="V-F", carer="C-9")]             # row 8 good
    body = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()  # saved from Excel: BOM and CRLF
    async with tail("delivery.events") as events:
        resp = await http.post(f"{base}/providers/{setup.provider_id}/visit-files", content=body,
                               headers={**auth("provider", provider=setup.provider_id), "Content-Type": "text/csv"})
        assert resp.status_code == 200, resp.text
        verified = await events.wait_for(delivery_event("VisitVerified", agreement_id=agreement["agreement_id"]),
                                         count=2)
    report = resp.json()
    assert (report["format"], report["received"], report["verified"], report["rejected"]) == ("csv", 6, 2, 4)
    assert report["file_reference"].startswith("sha256:")
    assert report["columns"] == {"mapped": HEADER.split(",")[:-1], "ignored": ["notes"]}  # extra columns named
    assert [(r["row"], r["field"], r["reason"]) for r in report["rejects"]] == [
        (3, "carer_id", "missing_carer_id"), (4, "check_out", "check_out_before_check_in"),
        (5, "check_in", "time_unparseable"), (7, "check_in_method", "unknown_check_in_method")]
    assert sorted(payload_of(r)["visit_key"] for r in verified) == [
        visit_key(agreement["agreement_id"], days[0]), visit_key(agreement["agreement_id"], days[2])]

    again = await http.post(f"{base}/providers/{setup.provider_id}/visit-files", content=body,
                            headers={**auth("provider", provider=setup.provider_id), "Content-Type": "text/csv"})
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]


async def test_a_csv_without_the_required_columns_is_refused_whole(http, stack, producer):
    setup, agreement = await agreed(http, stack["delivery"], producer, terms(slot(WEEK)))
    resp = await http.post(f"{stack['delivery']}/providers/{setup.provider_id}/visit-files",
                           content=b"carer_id,visit_id\nC,V\n",
                           headers={**auth("ops"), "Content-Type": "text/csv"})
    assert resp.status_code == 422
    [error] = resp.json()["errors"]
    assert error["type"] == "missing_columns" and "service_user_ref" in error["columns"]


def service_delivery_file(setup: Setup, reference: str, agreement_id: str, person: str, week) -> bytes:
    ending = (week + timedelta(days=6)).isoformat()
    monday, tuesday = week.isoformat(), (week + timedelta(days=1)).isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ServiceDeliveryFile reference="{reference}" provider="{setup.cqc}">
  <ProviderContract reference="{agreement_id}">
    <ServiceWeek serviceUser="{person}" weekEnding="{ending}">
      <Visit id="X-1" plannedStart="{monday}T10:00" plannedEnd="{monday}T11:00">
        <Carer id="C-17" checkIn="{monday}T10:01" checkOut="{monday}T11:00" method="app"/>
        <Carer id="C-18" checkIn="{monday}T10:02" checkOut="{monday}T10:59" method="landline"/>
      </Visit>
      <Visit id="X-2" plannedStart="{tuesday}T10:00" plannedEnd="{tuesday}T11:00">
        <Carer id="C-17" method="manual" exception="NOACCESS"/>
        <Carer checkIn="{tuesday}T10:00" checkOut="{tuesday}T11:00" method="app"/>
      </Visit>
    </ServiceWeek>
  </ProviderContract>
</ServiceDeliveryFile>
""".encode()


async def test_an_xml_service_delivery_file_is_verified_and_its_reference_accepted_once(http, stack, producer, tail):
    base = stack["delivery"]
    tuesday = WEEK + timedelta(days=1)
    setup, agreement = await agreed(http, base, producer,
                                    terms(slot(WEEK, "10:00", 60, carers=2), slot(tuesday, "10:00", 60)))
    reference = f"SDF-{setup.provider_id}"
    body = service_delivery_file(setup, reference, agreement["agreement_id"], agreement["person"], WEEK)
    headers = {**auth("provider", provider=setup.provider_id), "Content-Type": "application/xml"}
    async with tail("delivery.events") as events:
        resp = await http.post(f"{base}/providers/{setup.provider_id}/visit-files", content=body, headers=headers)
        assert resp.status_code == 200, resp.text
        verified = await events.wait_for(delivery_event("VisitVerified", agreement_id=agreement["agreement_id"]),
                                         count=3)
    report = resp.json()
    assert (report["format"], report["file_reference"], report["received"], report["verified"],
            report["rejected"]) == ("xml", reference, 4, 3, 1)
    assert [(r["row"], r["field"], r["reason"]) for r in report["rejects"]] == [(4, "carer_id", "missing_carer_id")]
    paid = {(payload_of(r)["visit_key"][-16:], payload_of(r)["carer_id"]): payload_of(r)["amount_pence"]
            for r in verified}
    assert paid == {(f"{WEEK.isoformat()}/10:00", "C-17"): 2400, (f"{WEEK.isoformat()}/10:00", "C-18"): 2400,
                    (f"{tuesday.isoformat()}/10:00", "C-17"): 2400}  # the frustrated visit is paid at plan
    duplicate = await http.post(f"{base}/providers/{setup.provider_id}/visit-files", content=body, headers=headers)
    assert duplicate.status_code == 409


async def test_the_command_line_streams_a_file_and_prints_the_report(http, stack, producer, tail, tmp_path):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    path = tmp_path / "visits.csv"
    path.write_text("\n".join([HEADER, csv_row(setup, agreement["person"], WEEK),
                               csv_row(setup, agreement["person"], WEEK, carer="", visit_id="V-2")]) + "\n")
    async with tail("delivery.events") as events:
        done = subprocess.run([CAREPAY, "ecm", "import", str(path), "--provider", setup.provider_id,
                               "--url", base], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                              env={**os.environ, "COLUMNS": "200"})
        assert done.returncode == 0, done.stdout + done.stderr
        await events.wait_for(delivery_event("VisitVerified", agreement_id=agreement["agreement_id"]))
    assert "missing_carer_id" in done.stdout and "verified" in done.stdout
    again = subprocess.run([CAREPAY, "ecm", "import", str(path), "--provider", setup.provider_id,
                            "--url", base], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert again.returncode == 1 and "already accepted" in again.stdout


async def test_an_upload_interrupted_part_way_resumes_after_its_committed_rows(http, stack, producer, db):
    base = stack["delivery"]
    days = [WEEK + timedelta(days=i) for i in range(3)]
    setup, agreement = await agreed(http, base, producer, terms(*(slot(d) for d in days)))
    reference = f"EXPORT-{setup.provider_id}"
    # As a crash leaves it: the intake claimed, rows up to 2 committed, untouched for 5 minutes.
    await db.execute("INSERT INTO delivery.intakes (intake_id, provider_id, source, file_reference, rows_done,"
                     " received, verified, sent_by, updated_at) VALUES ($1, $2, 'csv', $3, 2, 1, 1, 'test',"
                     " now() - interval '5 minutes')", f"INT-T{setup.provider_id}", setup.provider_id, reference)
    body = "\n".join([HEADER] + [csv_row(setup, agreement["person"], d, visit_id=f"V-{i}") for i, d in enumerate(days)])
    resp = await http.post(f"{base}/providers/{setup.provider_id}/visit-files", params={"file_reference": reference},
                           content=body.encode(), headers={**auth("provider", provider=setup.provider_id),
                                                           "Content-Type": "text/csv"})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert (report["intake_id"], report["resumed_after_row"], report["received"], report["verified"]) == (
        f"INT-T{setup.provider_id}", 2, 3, 3)
    lines = (await http.get(f"{base}/agreements/{agreement['agreement_id']}/periods/{WEEK}",
                            headers=auth("ops"))).json()["lines"]
    assert sorted(line["visit_id"] for line in lines) == ["V-1", "V-2"]  # row 2 (V-0) was the crashed run's
