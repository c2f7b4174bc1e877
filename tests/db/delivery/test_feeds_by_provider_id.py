"""One provider identifier: delivery's feeds and lists name a provider by its provider_id (PRV-…, the
agreements register's id), as its token does, while each record still names it by a CQC provider or
location ID. Against Postgres alone (a fresh copy of the delivery schema), through the HTTP API and
through `carepay ecm import`."""
from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from services.delivery.app import app
from shared.cli import app as carepay
from shared.clock import london_date, london_local, utcnow, week_start
from tests.db.delivery.helpers import EVERY_DAY, delivery_knowing

pytestmark = pytest.mark.db
MINE, THEIRS = "PRV-FEED-MINE", "PRV-FEED-THEIRS"
MY_CQC, MY_LOCATION, THEIR_CQC = "1-900000101", "1-900000102", "1-900000201"
PERSON, AGREEMENT = "SU-FEED-1", "AGR-FEED-1"
WEEK = week_start(london_date(utcnow())) - timedelta(weeks=1)
HEADER = "provider_ref,service_user_ref,visit_id,carer_id,planned_start,planned_end,check_in,check_out,check_in_method"


def visit(day: int, provider_ref: str, *, carer: str = "C-1") -> dict:
    """A carer's 09:00-09:30 attendance on the week's `day` (0 = Monday), naming its provider by `provider_ref`."""
    start = london_local(datetime.combine(WEEK + timedelta(days=day), time(9)))
    end = start + timedelta(minutes=30)
    return {"provider_ref": provider_ref, "service_user_ref": PERSON, "visit_id": f"V-{day}-{carer}",
            "carer_id": carer, "planned_start": start.isoformat(), "planned_end": end.isoformat(),
            "check_in": start.isoformat(), "check_out": end.isoformat(), "check_in_method": "app"}


def items(listed: httpx.Response) -> list[dict]:
    """A list's records, whether the body is the list itself or holds it under `items`."""
    assert listed.status_code == 200, listed.text
    body = listed.json()
    return body["items"] if isinstance(body, dict) else body


@pytest.fixture
async def db():
    async with delivery_knowing([(MINE, MY_CQC, [MY_LOCATION]), (THEIRS, THEIR_CQC, [])], agreement_id=AGREEMENT,
                                person_ref=PERSON, provider_id=MINE, start=WEEK, weekdays=EVERY_DAY[:4]) as db:
        yield db



async def test_a_provider_token_for_its_provider_id_reaches_its_own_feed_and_is_refused_anothers(db):
    mine = db.auth("provider", provider=MINE)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{MINE}/visits", headers=mine,
                                 json=[visit(0, MY_CQC), visit(1, MY_LOCATION), visit(2, THEIR_CQC)])
        assert sent.status_code == 200, sent.text
        outcomes = [(r["outcome"], r["reason"]) for r in sent.json()["records"]]
        assert outcomes == [("verified", None), ("verified", None), ("rejected", "provider_mismatch")]
        # The record for another provider: its CQC ID, and the path's provider_id with that provider's CQC IDs.
        assert sent.json()["records"][2]["message"] == (
            f'provider_ref "{THEIR_CQC}" is not a CQC ID of {MINE} ({MY_CQC}, {MY_LOCATION}), the provider this '
            "feed was sent for: send each provider's visits under its own provider_id")

        for route, kind in (("visits", "application/json"), ("visit-files", "text/csv")):
            other = await client.post(f"/providers/{THEIRS}/{route}", headers={**mine, "Content-Type": kind},
                                      content=b"[]" if route == "visits" else f"{HEADER}\n".encode())
            assert other.status_code == 403, other.text
            assert other.json()["detail"] == (f"not permitted: this provider token is for {MINE}: it reaches only "
                                              f"{MINE}'s visits, not {THEIRS}'s")

        for listing in ("rejected", "unallocated"):
            own = await client.get(f"/visits/{listing}", params={"provider_id": MINE}, headers=mine)
            assert own.status_code == 200, own.text
            other = await client.get(f"/visits/{listing}", params={"provider_id": THEIRS}, headers=mine)
            assert other.status_code == 403 and f"token is for {MINE}" in other.json()["detail"], other.text
        rejected = items(await client.get("/visits/rejected", params={"provider_id": MINE},
                                          headers=db.auth("finance_officer")))
        assert [(r["provider_ref"], r["reason"]) for r in rejected] == [(THEIR_CQC, "provider_mismatch")]
        assert items(await client.get("/visits/rejected", params={"provider_id": THEIRS},
                                      headers=db.auth("finance_officer"))) == []


async def test_a_provider_id_delivery_does_not_know_is_404_saying_where_provider_ids_are_found(db):
    ops = db.auth("ops")
    async with db.http(app) as client:
        unknown = await client.post("/providers/PRV-NOSUCH/visits", headers=ops, json=[])
        assert unknown.status_code == 404, unknown.text
        assert unknown.json()["detail"] == (
            "provider PRV-NOSUCH is not a provider delivery knows: use the provider_id (PRV-…) from the agreements "
            "register: GET /providers?cqc_provider_id=… (or ?cqc_location_id=…) on the agreements service finds "
            "it from a CQC ID")
        listed = await client.get("/visits/unallocated", params={"provider_id": "PRV-NOSUCH"}, headers=ops)
        assert listed.status_code == 404 and "GET /providers?cqc_provider_id=" in listed.json()["detail"]
        # A token minted for a provider delivery has not been told of reaches nothing either.
        alone = await client.post("/providers/PRV-NOSUCH/visits", headers=db.auth("provider", provider="PRV-NOSUCH"),
                                  json=[])
        assert alone.status_code == 404, alone.text

        # A CQC ID where the provider_id belongs is named as one, to whoever may see its provider.
        for cqc in (MY_CQC, MY_LOCATION):
            for who in (ops, db.auth("provider", provider=MINE)):
                named = await client.post(f"/providers/{cqc}/visit-files", headers={**who, "Content-Type": "text/csv"},
                                          content=f"{HEADER}\n".encode())
                assert named.status_code == 404, named.text
                assert named.json()["detail"] == (f"{cqc} is a CQC ID, not a provider_id: this provider's "
                                                  f"provider_id is {MINE} (send to /providers/{MINE}/…)")
        # ... and not to another provider, who is refused without learning whose it is.
        theirs = await client.post(f"/providers/{MY_CQC}/visits", headers=db.auth("provider", provider=THEIRS),
                                   json=[])
        assert theirs.status_code == 403 and MINE not in theirs.text, theirs.text


async def test_a_file_for_another_provider_is_refused_naming_its_cqc_id_and_the_paths_provider_id(db):
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><ServiceDeliveryFile reference="SDF-THEIRS-1" '
           f'provider="{THEIR_CQC}"><ProviderContract reference="{AGREEMENT}"/></ServiceDeliveryFile>').encode()
    async with db.http(app) as client:
        refused = await client.post(f"/providers/{MINE}/visit-files", content=xml,
                                    headers={**db.auth("ops"), "Content-Type": "application/xml"})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert [(e["type"], e["msg"]) for e in body.get("errors", body.get("detail"))] == [(
        "provider_mismatch", f'the file\'s provider "{THEIR_CQC}" is not a CQC ID of {MINE} ({MY_CQC}, '
                             f"{MY_LOCATION}): upload each provider's file under its own provider_id")]
    assert await db.fetch("SELECT 1 FROM attendances") == []


def _bridge(client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> httpx.MockTransport:
    """A transport for the command line's (synchronous) httpx client that hands each request to the
    service's app on the test's event loop, so `carepay ecm import` runs unchanged against it."""
    def handle(request: httpx.Request) -> httpx.Response:
        body = request.read()
        sent = asyncio.run_coroutine_threadsafe(client.request(
            request.method, str(request.url.copy_with(scheme="http", host="delivery.test", port=None)),
            headers={k: v for k, v in request.headers.items() if k.lower() not in ("host", "transfer-encoding")},
            content=body), loop).result(timeout=60)
        return httpx.Response(sent.status_code, headers=sent.headers, content=sent.content)
    return httpx.MockTransport(handle)


async def test_carepay_ecm_import_sends_a_file_under_the_provider_id(db, tmp_path, monkeypatch):
    path = tmp_path / "visits.csv"
    rows = [HEADER] + [",".join(visit(day, MY_CQC, carer=carer)[c] for c in HEADER.split(","))
                       for day, carer in ((0, "C-1"), (1, "C-2"))]
    path.write_text("\n".join(rows) + "\n")
    real_client = httpx.Client
    loop = asyncio.get_running_loop()
    async with db.http(app) as client:
        monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=_bridge(client, loop), **kw))
        token = db.auth("provider", provider=MINE)["Authorization"].removeprefix("Bearer ")

        def run(*args: str):
            return CliRunner().invoke(carepay, ["ecm", "import", str(path), *args, "--url", "http://delivery.local",
                                                "--token", token], env={"COLUMNS": "200"})

        done = await asyncio.to_thread(run, "--provider", MINE, "--reference", "EXPORT-1")
        assert done.exit_code == 0, done.output
        assert "intake" in done.output and "verified" in done.output
        assert await db.fetchval("SELECT count(*) FROM attendances WHERE provider_id = $1 AND outcome = 'verified'",
                                 MINE) == 2
        other = await asyncio.to_thread(run, "--provider", THEIRS, "--reference", "EXPORT-2")
        assert other.exit_code == 1 and f"token is for {MINE}" in other.output, other.output
        cqc = await asyncio.to_thread(run, "--provider", MY_CQC, "--reference", "EXPORT-3")
        assert cqc.exit_code == 2 and "GET /providers?cqc_provider_id=" in cqc.output, cqc.output
