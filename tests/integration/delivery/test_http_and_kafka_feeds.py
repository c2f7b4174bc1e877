"""The Kafka topic and the HTTP batch through the running delivery service: verified events, the report
of every record, rejects with reasons, and access."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from tests.conftest import auth
from tests.integration.delivery.delivery_helpers import (
    agreed, WEEK, Setup, delivery_event, payload_of, slot, terms, visit_key, visit_record)

pytestmark = pytest.mark.stack


async def test_a_record_on_the_kafka_topic_is_verified_and_priced(http, stack, producer, tail):
    base = stack["delivery"]
    monday = WEEK
    setup, agreement = await agreed(http, base, producer, terms(slot(monday, "09:00", 30), pence=2400))
    record = visit_record(setup, agreement["person"], monday, stayed=33, late=31, carer="C-K1")
    async with tail("delivery.events") as events:
        await producer.send_and_wait("ecm.visits", value=json.dumps(record).encode(), key=setup.cqc.encode())
        [verified] = await events.wait_for(delivery_event("VisitVerified", agreement_id=agreement["agreement_id"]))
    payload = payload_of(verified)
    assert payload["visit_key"] == visit_key(agreement["agreement_id"], monday)
    assert (payload["actual_minutes"], payload["payable_minutes"], payload["rate_pence_per_hour"],
            payload["amount_pence"], payload["revision"]) == (33, 30, 2400, 1200, 1)
    assert [f["code"] for f in payload["flags"]] == ["late"]
    period = (await http.get(f"{base}/agreements/{agreement['agreement_id']}/periods/{WEEK}",
                             headers=auth("provider", provider=setup.provider_id))).json()
    assert (period["visits"], period["payable_minutes"], period["amount_pence"]) == (1, 30, 1200)


async def test_an_http_batch_reports_where_every_record_ended(http, stack, producer, tail):
    base = stack["delivery"]
    monday, tuesday = WEEK, WEEK + timedelta(days=1)
    setup, agreement = await agreed(http, base, producer, terms(slot(monday), slot(tuesday)))
    person = agreement["person"]
    batch = [
        visit_record(setup, person, monday),                                    # 0 verified
        visit_record(setup, person, monday, carer=""),                          # 1 missing carer
        visit_record(setup, "SU-NOBODY-" + setup.cqc, monday),                  # 2 unknown person
        visit_record(setup, person, tuesday, check_out=visit_record(setup, person, monday)["check_in"]),  # 3
        visit_record(setup, person, tuesday, check_in="yesterday at nine"),     # 4 time unparseable
        visit_record(setup, person, tuesday, provider_ref="1-0000000000"),      # 5 another provider
        visit_record(setup, person, monday, at_time="15:00"),                   # 6 no visit near 15:00
    ]
    async with tail("delivery.events") as events:
        resp = await http.post(f"{base}/providers/{setup.provider_id}/visits", json=batch,
                               headers=auth("provider", provider=setup.provider_id))
        assert resp.status_code == 200, resp.text
        await events.wait_for(delivery_event("VisitVerified", agreement_id=agreement["agreement_id"]))
        await events.wait_for(delivery_event("VisitRejected", provider_id=setup.provider_id), count=5)
        await events.wait_for(delivery_event("VisitUnallocated", provider_id=setup.provider_id))
    report = resp.json()
    assert (report["received"], report["verified"], report["rejected"], report["unallocated"]) == (7, 1, 5, 1)
    got = [(r["index"], r["outcome"], r["reason"], r["field"]) for r in report["records"]]
    assert got == [
        (0, "verified", None, None),
        (1, "rejected", "missing_carer_id", "carer_id"),
        (2, "rejected", "unknown_service_user", "service_user_ref"),
        (3, "rejected", "check_out_before_check_in", "check_out"),
        (4, "rejected", "time_unparseable", "check_in"),
        (5, "rejected", "provider_mismatch", "provider_ref"),
        (6, "unallocated", "no_planned_visit_within_2_hours", None),
    ]
    listed = await http.get(f"{base}/visits/rejected", params={"intake_id": report["intake_id"]},
                            headers=auth("provider", provider=setup.provider_id))
    assert sorted(r["reason"] for r in listed.json()) == [
        "check_out_before_check_in", "missing_carer_id", "provider_mismatch", "time_unparseable",
        "unknown_service_user"]


async def test_a_provider_token_for_another_provider_is_refused(http, stack, producer):
    base = stack["delivery"]
    other = await Setup(producer).register()
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    wrong = auth("provider", provider=other.provider_id)
    resp = await http.post(f"{base}/providers/{setup.provider_id}/visits", headers=wrong,
                           json=[visit_record(setup, agreement["person"], WEEK)])
    assert resp.status_code == 403, resp.text
    # The reason names the token's own provider_id as its own, and the other as the other's.
    assert resp.json()["detail"] == (f"not permitted: this provider token is for {other.provider_id}: it reaches "
                                     f"only {other.provider_id}'s visits, not {setup.provider_id}'s")
    upload = await http.post(f"{base}/providers/{setup.provider_id}/visit-files",
                             headers={**wrong, "Content-Type": "text/csv"}, content=b"provider_ref\n")
    assert upload.status_code == 403
    period = await http.get(f"{base}/agreements/{agreement['agreement_id']}/periods/{WEEK}", headers=wrong)
    assert period.status_code == 404  # another provider's agreement is not theirs to know of
    listed = await http.get(f"{base}/visits/unallocated", params={"provider_id": setup.provider_id}, headers=wrong)
    assert listed.status_code == 403
    assert (await http.post(f"{base}/providers/{setup.provider_id}/visits", json=[])).status_code == 401


async def test_a_batch_of_things_that_are_not_visit_records_is_reported_record_by_record(http, stack, producer):
    base = stack["delivery"]
    setup, agreement = await agreed(http, base, producer, terms(slot(WEEK)))
    person = agreement["person"]
    with_nul = [visit_record(setup, person, WEEK, carer="C-\u0000"),  # Postgres text cannot hold NUL
                visit_record(setup, person, WEEK, check_in="\u0000nine", carer="C-2"),
                visit_record(setup, person, WEEK, carer="C-3")]
    resp = await http.post(f"{base}/providers/{setup.provider_id}/visits", json=[1, "visit", None, {}, *with_nul],
                           headers=auth("provider", provider=setup.provider_id))
    assert resp.status_code == 200, resp.text
    assert [(r["index"], r["outcome"], r["reason"]) for r in resp.json()["records"]] == [
        (0, "rejected", "not_an_object"), (1, "rejected", "not_an_object"), (2, "rejected", "not_an_object"),
        (3, "rejected", "missing_field"), (4, "rejected", "invalid_value"), (5, "rejected", "time_unparseable"),
        (6, "verified", None)]
    not_a_list = await http.post(f"{base}/providers/{setup.provider_id}/visits", json={"visits": []},
                                 headers=auth("provider", provider=setup.provider_id))
    assert not_a_list.status_code == 422
    unknown = await http.post(f"{base}/providers/PRV-NOSUCH{uuid.uuid4().hex[:6]}/visits", json=[],
                              headers=auth("ops"))
    assert unknown.status_code == 404 and "GET /providers?cqc_provider_id=" in unknown.json()["detail"]
    by_cqc = await http.post(f"{base}/providers/{setup.cqc}/visits", json=[], headers=auth("ops"))
    assert by_cqc.status_code == 404 and f"provider_id is {setup.provider_id}" in by_cqc.json()["detail"]


async def test_a_kafka_message_that_is_not_json_or_names_an_unknown_provider_is_rejected_not_lost(
        http, stack, producer, tail):
    stranger = f"1-{uuid.uuid4().int % 10**10:010d}"
    record = {"provider_ref": stranger, "service_user_ref": "SU-1", "visit_id": "V-1", "carer_id": "C-1",
              "planned_start": "2026-01-05T09:00", "planned_end": "2026-01-05T09:30", "check_in": "2026-01-05T09:00",
              "check_out": "2026-01-05T09:30", "check_in_method": "app"}
    async with tail("delivery.events") as events:
        garbage = await producer.send_and_wait("ecm.visits", value=b"{not json", key=stranger.encode())
        await producer.send_and_wait("ecm.visits", value=json.dumps(record).encode(), key=stranger.encode())
        [broken] = await events.wait_for(delivery_event(
            "VisitRejected", record_id=f"ecm.visits:{garbage.partition}:{garbage.offset}"))
        [unknown] = await events.wait_for(delivery_event("VisitRejected", provider_ref=stranger))
    assert (payload_of(broken)["reason"], payload_of(broken)["source"]) == ("json_invalid", "kafka")
    assert (payload_of(unknown)["reason"], payload_of(unknown)["provider_id"], unknown.key) == (
        "unknown_provider", "unknown", b"unknown")
