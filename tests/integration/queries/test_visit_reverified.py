"""A person queries a visit the carer's phone recorded short: the officer resolves with the real times,
delivery verifies the visit again (next revision, VisitCorrected echoing the query), and the query's
effect completes. What delivery cannot re-verify comes back as the query's failure, with the reason."""
from __future__ import annotations

import pytest

from tests.conftest import auth, envelope_of
from tests.integration.delivery.delivery_helpers import WEEK, agreed, at, slot, terms, visit_key, visit_record
from tests.integration.queries.queries_helpers import (effect_settled, event_of, raise_query, step, subject_known,
                                                       under_investigation)

pytestmark = pytest.mark.stack


async def verified_visit(http, stack, producer, tail, *carers: str, stayed: int = 10) -> tuple[str, str, str]:
    """(agreement_id, person_ref, visit_key) of a 09:00 visit in WEEK at which each carer stayed `stayed` minutes."""
    setup, agreement = await agreed(http, stack["delivery"], producer, terms(slot(WEEK, carers=len(carers))))
    aid, person = agreement["agreement_id"], agreement["person"]
    async with tail("delivery.events") as events:
        resp = await http.post(f"{stack['delivery']}/providers/{setup.provider_id}/visits",
                               headers=auth("provider", provider=setup.provider_id),
                               json=[visit_record(setup, person, WEEK, visit_id="V-Q", carer=c, stayed=stayed)
                                     for c in carers])
        assert resp.status_code == 200, resp.text
        await events.wait_for(event_of("VisitVerified", agreement_id=aid), count=len(carers))
    return aid, person, visit_key(aid, WEEK)


async def resolved_with_times(http, base: str, query_id: str, **outcome) -> None:
    await under_investigation(http, base, query_id)
    resp = await step(http, base, query_id, "resolve", body={"summary": "The carer stayed the full half hour.",
                                                             "outcome": {"kind": "reverify_visit",
                                                                         "corrected_check_in": at(WEEK, "09:00"),
                                                                         "corrected_check_out": at(WEEK, "09:30"),
                                                                         **outcome}})
    assert resp.status_code == 200, resp.text


async def test_a_persons_late_visit_query_is_re_verified_with_the_officers_times(http, stack, db, producer, tail):
    base = stack["queries"]
    aid, person, key = await verified_visit(http, stack, producer, tail, "C-1")
    await subject_known(db, "visit", key)
    as_person = auth("person", person=person)
    raised = await raise_query(http, base, as_person, "visit", key, "missed_or_late_visit",
                               description="The carer was here 09:00 to 09:30, not ten minutes.")
    assert raised.status_code == 201, raised.text
    query_id = raised.json()["query_id"]

    async with tail("delivery.events") as events:
        await resolved_with_times(http, base, query_id)
        [corrected] = await events.wait_for(event_of("VisitCorrected", query_id=query_id))
        [revised] = await events.wait_for(event_of("VisitVerified", agreement_id=aid, revision=2))
    query = await effect_settled(http, base, query_id)
    assert (query["effect"]["status"], query["effect"]["result_ref"]) == ("completed", key)
    correction = envelope_of(corrected)["payload"]
    assert (correction["effect_id"], correction["visit_key"], correction["revision"]) == (
        query["effect"]["effect_id"], key, 2)
    assert (correction["payable_minutes_before"], correction["payable_minutes_after"],
            correction["amount_pence_delta"]) == (15, 30, 600)
    assert envelope_of(revised)["payload"]["payable_minutes"] == 30
    closed = await step(http, base, query_id, "close", headers=as_person)
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text


async def test_a_visit_delivery_cannot_re_verify_leaves_the_query_showing_why(http, stack, db, producer, tail):
    base = stack["queries"]
    aid, person, key = await verified_visit(http, stack, producer, tail, "C-1", "C-2")
    await subject_known(db, "visit", key)
    query_id = (await raise_query(http, base, auth("person", person=person), "visit", key,
                                  "missed_or_late_visit")).json()["query_id"]
    await resolved_with_times(http, base, query_id)  # no carer named, and two attended

    query = await effect_settled(http, base, query_id)
    assert query["effect"]["status"] == "failed"
    assert "has 2 carers (C-1, C-2): name the carer" in query["effect"]["failure_reason"]
    refused = await step(http, base, query_id, "close")
    assert refused.status_code == 409 and "name the carer" in refused.text
