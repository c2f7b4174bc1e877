"""Contributions charged, through invoicing's own consumers and HTTP API against Postgres alone: budgets from
requests.events, agreements and confirmed actuals in; a period's charges computed by an officer's run or for one
person, published as ContributionCharged only when they change; a death told late brings a charge down; the
debtors export and its journal, the same bytes on every download; a person reads only their own charges."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts import agreements as ag
from contracts import delivery as dl
from contracts import requests as rq
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from services.invoicing.app import app
from services.invoicing.domain.periods import four_weeks_of
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.delivery import DELIVERY
from services.invoicing.handlers.requests import REQUESTS
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from tests.conftest import unique

pytestmark = pytest.mark.db
START = date(2026, 3, 2)  # a four-weekly period (2-29 Mar 2026) long over
PERIOD = {"period_start": START.isoformat()}


def day(n: int) -> date:
    return START + timedelta(days=n)


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


def plan_agreement(person: str, *, weekly_pence: int = 70_000, mechanism=SpendMechanism.COUNCIL_ARRANGED,
                   aid: str | None = None, **kw) -> ag.AgreementActivated:
    terms = ag.AgreementTerms(version=1, effective_from=START, weekly_units=Decimal("1"),
                              rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=weekly_pence)])
    return ag.AgreementActivated(agreement_id=aid or unique("AGR"), person_ref=person, provider_id="PRV-CT",
                                 service_type=ServiceType.RESIDENTIAL, payment_basis=PaymentBasis.PLAN,
                                 cycle=Cycle.FOUR_WEEKLY, start=START, terms=[terms], mechanism=mechanism, **kw)


def ended_by_death(activated: ag.AgreementActivated, last_day: date) -> ag.AgreementEnded:
    fields = activated.model_dump()
    fields.update(end=last_day, reason=ag.EndReason.DEATH)
    return ag.AgreementEnded(**fields)


def actuals_agreement_and_week(person: str, visits: int) -> tuple[ag.AgreementActivated, dl.PeriodActualsConfirmed]:
    aid = unique("AGR")
    terms = ag.AgreementTerms(version=1, effective_from=START, rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=2_400)])
    activated = ag.AgreementActivated(agreement_id=aid, person_ref=person, provider_id="PRV-CT",
                                      service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS,
                                      cycle=Cycle.WEEKLY, start=START, terms=[terms])
    lines = [dl.ActualsLine(visit_key=f"{aid}/{n}", visit_id=f"V-{n}", carer_id="C-1", local_date=day(n),
                            payable_minutes=60, rate_pence_per_hour=2_400, amount_pence=2_400, revision=1)
             for n in range(visits)]
    confirmed = dl.PeriodActualsConfirmed(agreement_id=aid, person_ref=person, provider_id="PRV-CT", week_start=START,
                                          confirmed_by="auto", lines=lines, adjustments=[], payable_minutes=60 * visits,
                                          amount_pence=2_400 * visits, adjustments_pence=0)
    return activated, confirmed


def agreed(person: str, contribution: int, request_id: str | None = None) -> rq.BudgetAgreed:
    return rq.BudgetAgreed(request_id=request_id or f"REQ-{person}", person_ref=person, weekly_budget_pence=100_000,
                           weekly_contribution_pence=contribution)


def reassessed(person: str, effective_from: date, contribution: int) -> rq.BudgetReassessed:
    return rq.BudgetReassessed(request_id=f"REQ-{person}", person_ref=person, reassessment_id=unique("RAS"),
                               effective_from=effective_from, weekly_budget_pence=100_000,
                               weekly_contribution_pence=contribution, previous_weekly_budget_pence=100_000,
                               previous_weekly_contribution_pence=5_000)


def problem(resp, status: int = 422) -> tuple[list, str]:
    """The one error of a refusal (422 the input, 409 the state of things): where, and what it says."""
    assert resp.status_code == status, resp.text
    [detail] = resp.json()["errors"]
    return detail["loc"], detail["msg"]


def conflict(resp, code: str) -> tuple[list, str]:
    """A 409 of `code`, its one error: where, and what it says."""
    assert resp.json()["code"] == code, resp.text
    return problem(resp, 409)


async def charged(db) -> list[dict]:
    return [e.payload for e in await db.published("ContributionCharged")]


async def test_a_run_charges_each_person_once_and_an_unchanged_recompute_publishes_nothing(db):
    a, b = unique("P-CT"), unique("P-CT")
    activated_b, week_b = actuals_agreement_and_week(b, visits=3)
    await db.send(AGREEMENTS, plan_agreement(a), activated_b)
    await db.send(DELIVERY, week_b)
    [first] = await db.send(REQUESTS, agreed(a, 5_000))
    change = reassessed(a, day(10), 7_000)
    await db.send(REQUESTS, change, agreed(b, 5_000))
    # Told again, and an older copy of a's agreed budget arriving late: neither changes what is on file.
    await db.send(REQUESTS, first)
    await db.send(REQUESTS, db.envelope(agreed(a, 9_999)).model_copy(
        update={"occurred_at": first.occurred_at - timedelta(days=1)}))
    assert db.dead == []
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        resp = await client.post("/contribution-charges/runs", json=PERIOD, headers=officer)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"period_start": "2026-03-02", "period_end": "2026-03-29", "people": 2, "changed": 2,
                               "total_change_pence": 25_143 + 7_200}
        by_person = {e["person_ref"]: e for e in await charged(db)}
        # a: 10 days at £50.00 a week and 18 at £70.00 (reassessed from 12 Mar): 25,142.86p, rounded once.
        assert {k: by_person[a][k] for k in ("revision", "contribution_pence", "care_cost_pence", "charged_pence",
                                             "change_pence", "capped")} == {
            "revision": 1, "contribution_pence": 25_143, "care_cost_pence": 280_000, "charged_pence": 25_143,
            "change_pence": 25_143, "capped": False}
        # b: £200.00 due, but only three £24.00 visits delivered.
        assert (by_person[b]["contribution_pence"], by_person[b]["charged_pence"], by_person[b]["capped"]) == (
            20_000, 7_200, True)
        assert "capped at the cost of care delivered" in by_person[b]["reason"]
        again = await client.post("/contribution-charges/runs", json=PERIOD, headers=officer)
        assert again.json()["changed"] == 0 and again.json()["people"] == 2
        one = await client.post("/contribution-charges", json={**PERIOD, "person_ref": a}, headers=officer)
        assert one.status_code == 200 and one.json()["revision"] == 1 and one.json()["exported_in"] is None
    assert len(await charged(db)) == 2
    assert len(await db.fetch("SELECT * FROM contribution_charges")) == 2


async def test_a_death_told_late_brings_down_at_once_every_period_already_charged_after_it(db):
    who = unique("P-CT")
    activated = plan_agreement(who)
    await db.send(AGREEMENTS, activated)
    await db.send(REQUESTS, agreed(who, 5_000))
    body = {**PERIOD, "person_ref": who}
    periods = [START + timedelta(days=28 * n) for n in range(3)]  # Mar, Apr, May 2026: long past the job's window
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        for first in periods:
            made = await client.post("/contribution-charges", headers=officer,
                                     json={"person_ref": who, "period_start": first.isoformat()})
            assert (made.status_code, made.json()["charged_pence"]) == (200, 20_000), made.text
        # The death (15 Mar) told through the consumer: every period charged for days after it comes down in
        # the same transaction, however old; the period of the death to its days up to the death.
        death = ended_by_death(activated, day(13))
        await db.send(AGREEMENTS, death)
        assert db.dead == []
        after_death = [(e["period_start"], e["revision"], e["charged_pence"], e["change_pence"])
                       for e in await charged(db) if e["revision"] == 2]
        assert after_death == [("2026-03-02", 2, 10_000, -10_000), ("2026-03-30", 2, 0, -20_000),
                               ("2026-04-27", 2, 0, -20_000)]
        [may] = [e for e in await charged(db) if e["period_start"] == "2026-04-27" and e["revision"] == 2]
        assert "after the person's death on 15 Mar 2026" in may["reason"]
        # Told again: nothing more. An officer's charge or a run changes nothing now.
        await db.send(AGREEMENTS, death)
        again = await client.post("/contribution-charges", json=body, headers=officer)
        assert (again.json()["revision"], again.json()["charged_pence"]) == (2, 10_000)
        after = await client.post("/contribution-charges", headers=officer,
                                  json={"person_ref": who, "period_start": periods[1].isoformat()})
        assert after.status_code == 200 and (after.json()["revision"], after.json()["charged_pence"]) == (2, 0)
        run = await client.post("/contribution-charges/runs", json={"period_start": periods[2].isoformat()},
                                headers=officer)
        assert (run.json()["changed"], run.json()["total_change_pence"]) == (0, 0)
        # A period after the death with nothing charged for it: refused as things stand, naming period_start.
        loc, msg = conflict(await client.post("/contribution-charges", headers=officer, json={
            "person_ref": who, "period_start": (START + timedelta(days=28 * 3)).isoformat()}), "died_before_period")
        assert loc == ["body", "period_start"] and "after the person's death (15 Mar 2026)" in msg
    assert len(await charged(db)) == 6


async def test_an_officer_brings_down_a_charge_left_after_a_death_and_refuses_one_never_charged(db):
    who = unique("P-CT")
    activated = plan_agreement(who)
    await db.send(AGREEMENTS, activated)
    await db.send(REQUESTS, agreed(who, 5_000))
    next_period = {"period_start": day(28).isoformat(), "person_ref": who}
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        assert (await client.post("/contribution-charges", json=next_period, headers=officer)).status_code == 200
        # A death on file whose charges after it were left standing (recorded before they came down by
        # themselves): the agreement still runs, only the death is known.
        await db.fetch("UPDATE agreements_on_file SET ended_by_death = $1 WHERE agreement_id = $2 RETURNING 1",
                       day(13), activated.agreement_id)
        down = await client.post("/contribution-charges", json=next_period, headers=officer)
        assert down.status_code == 200, down.text
        assert {k: down.json()[k] for k in ("revision", "contribution_pence", "charged_pence", "change_pence")} == {
            "revision": 2, "contribution_pence": 0, "charged_pence": 0, "change_pence": -20_000}
        assert "after the person's death on 15 Mar 2026" in down.json()["reason"]
        loc, msg = conflict(await client.post("/contribution-charges", headers=officer,
                                              json={**next_period, "period_start": day(56).isoformat()}),
                            "died_before_period")
        assert loc == ["body", "period_start"] and "after the person's death (15 Mar 2026)" in msg
    assert [(e["period_start"], e["revision"], e["change_pence"]) for e in await charged(db)] == [
        ("2026-03-30", 1, 20_000), ("2026-03-30", 2, -20_000)]


async def test_each_refused_charge_names_the_field_and_charges_nothing_and_an_empty_export_is_a_409(db):
    """A day that starts no period is bad input (422); a period not over, no contribution or no care to charge
    is the state of things (409, its code): the same request may go through later."""
    who = unique("P-CT")
    await db.send(AGREEMENTS, plan_agreement(who))
    current = four_weeks_of(london_date(utcnow())).first
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        refused = await client.post("/contribution-charges", json={**PERIOD, "person_ref": who}, headers=officer)
        assert refused.status_code == 409 and refused.json()["code"] == "no_contribution_on_record"  # not yet agreed
        [error] = refused.json()["errors"]
        assert error["loc"] == ["body", "person_ref"] and "no contribution is on record" in error["msg"]
        await db.send(REQUESTS, agreed(who, 5_000))
        for start, why, status in ((day(1), "not the first day of a four-weekly period", 422),
                                   (current, "is not over yet", 409)):
            for path, body in (("/contribution-charges", {"person_ref": who}), ("/contribution-charges/runs", {})):
                answer = await client.post(path, json={**body, "period_start": start.isoformat()}, headers=officer)
                loc, msg = problem(answer, status)
                assert loc == ["body", "period_start"] and why in msg, msg
                assert answer.json()["code"] == ("period_not_over" if status == 409 else "invalid_request")
        loc, msg = conflict(await client.post("/contribution-charges", headers=officer, json={
            "person_ref": who, "period_start": (START - timedelta(days=28)).isoformat()}), "nothing_to_charge")
        assert loc == ["body", "period_start"] and "no council-arranged care or ISF" in msg
        nothing = await client.post("/contribution-charges/exports", headers=officer)
        assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_to_export"), nothing.text
        for role in ("finance_approver", "provider", "social_worker"):
            headers = db.auth(role, provider="PRV-CT" if role == "provider" else None)
            assert (await client.post("/contribution-charges/runs", json=PERIOD, headers=headers)).status_code == 403
    assert await charged(db) == []
    assert await db.fetch("SELECT * FROM contribution_charges") == []


async def test_an_export_sends_every_revision_once_and_its_files_are_the_same_bytes_on_every_download(db):
    a, b = unique("P-CT"), unique("P-CT")
    activated_a = plan_agreement(a, mechanism=SpendMechanism.ISF)
    await db.send(AGREEMENTS, activated_a, plan_agreement(b))
    await db.send(REQUESTS, agreed(a, 5_000), agreed(b, 3_500))
    async with db.http(app) as client:
        officer, approver = db.auth("finance_officer"), db.auth("finance_approver")
        assert (await client.post("/contribution-charges/runs", json=PERIOD, headers=officer)).json()["changed"] == 2
        made = await client.post("/contribution-charges/exports", headers=officer)
        assert made.status_code == 201, made.text
        export_id = made.json()["export_id"]
        assert made.json() == {"export_id": export_id, "count": 2, "total_pence": 20_000 + 14_000}
        base = f"/contribution-charges/exports/{export_id}"
        debtors = await client.get(f"{base}/debtors.csv", headers=approver)
        journal = await client.get(f"{base}/journal.csv", headers=officer)
        assert debtors.status_code == journal.status_code == 200
        assert debtors.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(debtors.text)))
        assert sorted((r["person_ref"], r["period_start"], r["period_end"], r["amount_pence"]) for r in rows) == sorted(
            [(a, "2026-03-02", "2026-03-29", "20000"), (b, "2026-03-02", "2026-03-29", "14000")])
        lines = list(csv.reader(io.StringIO(journal.text)))
        assert [(x[3], x[4], x[6], x[7]) for x in lines[1:]] == [("FIN-CONTROL", "9150", "340.00", ""),
                                                                ("ASC-CARE", "8100", "", "340.00")]
        assert lines[1][0] == "CP-CONTRIB-000001"
        nothing = await client.post("/contribution-charges/exports", headers=officer)
        assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_to_export")  # nothing new to send
        # A death told late brings the charge down at once (a run then changes nothing): the next export
        # sends the reduction alone; the first export's files never change.
        await db.send(AGREEMENTS, ended_by_death(activated_a, day(13)))
        assert (await client.post("/contribution-charges/runs", json=PERIOD, headers=officer)).json() == {
            "period_start": "2026-03-02", "period_end": "2026-03-29", "people": 2, "changed": 0,
            "total_change_pence": 0}
        second = await client.post("/contribution-charges/exports", headers=officer)
        assert second.json()["count"] == 1 and second.json()["total_pence"] == -10_000
        later = await client.get(f"/contribution-charges/exports/{second.json()['export_id']}/journal.csv",
                                 headers=officer)
        assert [(x[3], x[6], x[7]) for x in list(csv.reader(io.StringIO(later.text)))[1:]] == [
            ("FIN-CONTROL", "", "100.00"), ("ASC-CARE", "100.00", "")]
        assert (await client.get(f"{base}/debtors.csv", headers=officer)).content == debtors.content
        assert (await client.get(f"{base}/journal.csv", headers=approver)).content == journal.content
        listed = (await client.get("/contribution-charges", params={"person_ref": a}, headers=approver)).json()
        assert [(c["revision"], c["exported_in"]) for c in listed] == [(2, second.json()["export_id"]),
                                                                        (1, export_id)]
        assert (await client.get(f"{base}/journal.csv", headers=db.auth("person", person=a))).status_code == 403
        assert (await client.get("/contribution-charges/exports/NOSUCH/debtors.csv", headers=officer)
                ).status_code == 404


async def test_a_person_reads_only_their_own_charges(db):
    a, b = unique("P-CT"), unique("P-CT")
    await db.send(AGREEMENTS, plan_agreement(a), plan_agreement(b))
    await db.send(REQUESTS, agreed(a, 5_000), agreed(b, 3_500))
    async with db.http(app) as client:
        await client.post("/contribution-charges/runs", json=PERIOD, headers=db.auth("finance_officer"))
        mine = await client.get("/contribution-charges", headers=db.auth("person", person=a))
        assert mine.status_code == 200 and [c["person_ref"] for c in mine.json()] == [a]
        assert (await client.get("/contribution-charges", params={"person_ref": b},
                                 headers=db.auth("person", person=a))).status_code == 403
        [theirs] = (await client.get("/contribution-charges", params={"person_ref": b},
                                     headers=db.auth("finance_officer"))).json()
        own = await client.get(f"/contribution-charges/{mine.json()[0]['charge_id']}",
                               headers=db.auth("person", person=a))
        assert own.status_code == 200 and own.json()["charged_pence"] == 20_000
        assert (await client.get(f"/contribution-charges/{theirs['charge_id']}",
                                 headers=db.auth("person", person=a))).status_code == 404
        for role in ("provider", "social_worker", "team_manager"):
            headers = db.auth(role, provider="PRV-CT" if role == "provider" else None)
            assert (await client.get("/contribution-charges", headers=headers)).status_code == 403
        assert len((await client.get("/contribution-charges", headers=db.auth("ops"))).json()) == 2
        assert (await client.get("/contribution-charges")).status_code == 401
