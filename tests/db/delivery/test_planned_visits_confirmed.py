"""A confirmed week lists every planned visit with its outcome, against Postgres alone (a fresh copy of the
delivery schema): an agreement entered after the week it started, the week's records sent after it (too old
for the live missed-visit alert), then confirmed by the provider, or automatically at the cut-off."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from contracts import agreements as ag
from contracts.common import ServiceType
from services.delivery.app import app
from services.delivery.domain.periods import ConfirmPolicy
from services.delivery.handlers.agreements import AGREEMENTS
from services.delivery.steps.confirmation import auto_confirm_periods
from services.delivery.steps.missed_visits import raise_missed_visits
from services.delivery.store import agreements as store_agreements
from shared.clock import london_date, london_local, utcnow, week_start
from shared.testing import DatabaseOnly

pytestmark = pytest.mark.db
PROVIDER, CQC, PERSON = "PRV-PV-1", "1-900000017", "SU-PV-1"
WEEK = week_start(london_date(utcnow())) - timedelta(weeks=4)  # a month ago: beyond the 14-day alert horizon
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def agreement(agreement_id: str, *, slots, suspended: tuple[date, date] | None = None) -> ag.AgreementActivated:
    """Started on the week's Monday but activated now; slots are (weekday, HH:MM, minutes, carers)."""
    return ag.AgreementActivated(
        agreement_id=agreement_id, person_ref=PERSON, provider_id=PROVIDER, service_type="home_care",
        payment_basis="actuals", cycle="weekly", start=WEEK, end=None,
        terms=[ag.AgreementTerms(version=1, effective_from=WEEK, rates=[ag.Rate(unit="hour", amount_pence=2400)],
                                 schedule=[ag.ScheduledVisit(weekday=w, start_time=time.fromisoformat(s),
                                                             duration_minutes=m, carers_required=c)
                                           for w, s, m, c in slots])],
        suspensions=[ag.SuspensionPeriod(suspended_from=suspended[0], resumed_on=suspended[1], reason="hospital")]
        if suspended else [])


def visit(day: int, *, carer: str = "C-1", at: str = "09:00", exception: str | None = None) -> dict:
    start = london_local(datetime.combine(WEEK + timedelta(days=day), time.fromisoformat(at)))
    out = {"provider_ref": CQC, "service_user_ref": PERSON, "visit_id": f"V-{day}-{at}", "carer_id": carer,
           "planned_start": start.isoformat(), "planned_end": (start + timedelta(minutes=30)).isoformat(),
           "check_in_method": "app", "exception_code": exception}
    if exception is None:
        out.update(check_in=start.isoformat(), check_out=(start + timedelta(minutes=30)).isoformat())
    return out


def outcomes(event) -> list[tuple[str, str, int, str]]:
    """(London date, London start from the visit's key, carers required, outcome) of each planned visit."""
    return [(p["local_date"], p["visit_key"][-5:], p["carers_required"], p["outcome"])
            for p in event.payload["planned"]]


@pytest.fixture
async def db():
    store_agreements.BOOK.__init__()  # one process, many schemas: this schema's change_seq starts again
    async with DatabaseOnly("delivery") as db:
        await db.send(AGREEMENTS, ag.ProviderRegistered(
            provider_id=PROVIDER, name="Evening Care", cqc_provider_id=CQC, cqc_location_ids=[],
            service_types=[ServiceType.HOME_CARE], self_billing=ag.SelfBilling(in_place=True)))
        yield db
    store_agreements.BOOK.__init__()


async def test_a_week_confirmed_by_the_provider_lists_missed_cancelled_and_suspended_visits(db):
    thursday, saturday = WEEK + timedelta(days=3), WEEK + timedelta(days=5)
    await db.send(AGREEMENTS, agreement("AGR-PV-1", suspended=(thursday, saturday), slots=[
        *((d, "09:00", 30, 1) for d in DAYS), ("monday", "17:00", 30, 2)]))
    provider = db.auth("provider", provider=PROVIDER)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{PROVIDER}/visits", headers=provider, json=[
            visit(0), visit(0, at="17:00", carer="C-2"), visit(1, exception="CANCELLED_SHORT_NOTICE"), visit(2),
            visit(5, exception="NOACCESS")])
        assert sent.status_code == 200, sent.text
        assert [r["outcome"] for r in sent.json()["records"]] == ["verified"] * 5
        # The visits are older than the alert horizon: no live alert, now or later.
        assert await raise_missed_visits(db.pool, db.outbox, 14) == 0
        confirmed = await client.post(f"/agreements/AGR-PV-1/periods/{WEEK.isoformat()}/confirm", headers=provider)
        assert confirmed.status_code == 200, confirmed.text
    [event] = await db.published("PeriodActualsConfirmed")
    day = [(WEEK + timedelta(days=i)).isoformat() for i in range(7)]
    assert outcomes(event) == [
        (day[0], "09:00", 1, "delivered"), (day[0], "17:00", 2, "delivered"),  # the two-carer visit had one
        (day[1], "09:00", 1, "cancelled"), (day[2], "09:00", 1, "delivered"),
        (day[3], "09:00", 1, "suspended"), (day[4], "09:00", 1, "suspended"),
        (day[5], "09:00", 1, "no_access"), (day[6], "09:00", 1, "missed")]
    assert event.payload["planned"][0]["visit_key"] == f"AGR-PV-1/{day[0]}/09:00"
    assert await db.published("VisitMissed") == []  # the live alert is unchanged: nothing raised so late
    assert len(event.payload["lines"]) == 5  # lines are as before (every paid carer visit)


async def test_the_automatic_cut_off_confirms_a_week_with_its_missed_visits(db):
    await db.send(AGREEMENTS, agreement("AGR-PV-2", slots=[("tuesday", "09:00", 30, 1), ("tuesday", "18:00", 30, 1)]))
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{PROVIDER}/visits", headers=db.auth("provider", provider=PROVIDER),
                                 json=[visit(1, at="18:00")])
        assert sent.status_code == 200, sent.text
    assert await auto_confirm_periods(db.pool, db.outbox, ConfirmPolicy(settle=timedelta(0))) == 1
    [event] = await db.published("PeriodActualsConfirmed")
    assert event.payload["confirmed_by"] == "auto"
    tuesday = (WEEK + timedelta(days=1)).isoformat()
    assert outcomes(event) == [(tuesday, "09:00", 1, "missed"), (tuesday, "18:00", 1, "delivered")]
