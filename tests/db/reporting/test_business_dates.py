"""Figures on business dates, for work entered after the fact: events in through reporting's own
consumers (today), figures out through its HTTP API for the weeks the care was for (March 2026)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contracts import agreements as ag
from contracts import delivery as dl
from contracts import invoicing as inv
from contracts import requests as rq
from contracts.common import ServiceType
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.reporting.app import app
from services.reporting.handlers import CONSUMERS
from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.delivery import DELIVERY
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.payments import PAYMENTS
from services.reporting.handlers.requests import REQUESTS
from tests.db.reporting.mechanism_events import MONDAY, agreement, approved, commitment, invoice_paid

pytestmark = pytest.mark.db
HOME, CARE_HOME = "PRV-HOME", "PRV-CH"
WEEK = timedelta(days=7)
WEEKS = [MONDAY + i * WEEK for i in range(4)]  # 2, 9, 16, 23 March 2026
MARCH_WEEKS = {"period": "week", "from": "2026-03-02", "to": "2026-03-29"}
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")


@pytest.fixture
async def db():
    async with DatabaseOnly("reporting") as db:
        yield db


def centre(event: ag.AgreementEvent, cost_centre: str) -> ag.AgreementEvent:
    return event.model_copy(update={"cost_centre": cost_centre})


def entered_late() -> list:
    """A home care agreement that started on 2 March, entered three weeks later, with its forecast by date."""
    forecast = commitment("P-1", ("AGR-1", "agreement", HOME, 7_000), as_of=MONDAY + 3 * WEEK)
    line = forecast.lines[0].model_copy(update={"rates": [ag.WeeklyRate(from_date=MONDAY, weekly_pence=7_000)]})
    return [centre(agreement("AGR-1", "P-1", HOME), "ASC-NORTH"), forecast.model_copy(update={"lines": [line]})]


def four_weekly_home() -> list:
    """A care home invoiced four-weekly (2-29 March), its agreement in the residential cost centre."""
    last = MONDAY + 4 * WEEK - timedelta(days=1)
    invoice = approved("INV-CH", CARE_HOME, "AGR-CH", 100_001, ServiceType.RESIDENTIAL).model_copy(update={
        "period_end": last, "agreement_periods": [inv.AgreementPeriod(
            agreement_id="AGR-CH", first_day=MONDAY, last_day=last, amount_pence=100_001, cost_centre="ASC-RES")]})
    home = centre(agreement("AGR-CH", "P-CH", CARE_HOME, service_type=ServiceType.RESIDENTIAL), "ASC-RES")
    return [home, invoice, invoice_paid("INV-CH", CARE_HOME, 100_001, "PAY-CH")]


async def get(db: DatabaseOnly, path: str, **params) -> dict:
    async with db.http(app) as client:
        answer = await client.get(path, params=params, headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_week(answer: dict, group=None) -> dict[date, tuple[int, ...]]:
    return {date.fromisoformat(r["period_start"]): tuple(r[m] for m in MEASURES) for r in answer["rows"]
            if group is None or r["group"] == group}


async def test_an_agreement_entered_today_that_started_three_weeks_ago_has_budget_and_committed_for_those_weeks(db):
    await db.send(REQUESTS, rq.BudgetAgreed(request_id="REQ-1", person_ref="P-1", weekly_budget_pence=10_000,
                                            weekly_contribution_pence=0, effective_from=MONDAY))
    await db.send(AGREEMENTS, *entered_late())
    assert db.dead == []
    budget = await get(db, "/people/P-1/budget", **MARCH_WEEKS)
    assert [(p["budget_pence"], p["committed_pence"]) for p in budget["periods"]] == [(10_000, 7_000)] * 4
    spend = await get(db, "/spend", group_by="provider", **MARCH_WEEKS)
    assert by_week(spend) == {week: (7_000, 0, 0, 0) for week in WEEKS}
    # A reassessment from the third week: the budget changes from then, not from the day it was read.
    await db.send(REQUESTS, rq.BudgetReassessed(
        request_id="REQ-1", person_ref="P-1", reassessment_id="RA-1", effective_from=WEEKS[2],
        weekly_budget_pence=14_000, weekly_contribution_pence=0, previous_weekly_budget_pence=10_000,
        previous_weekly_contribution_pence=0))
    budget = await get(db, "/people/P-1/budget", **MARCH_WEEKS)
    assert [p["budget_pence"] for p in budget["periods"]] == [10_000, 10_000, 14_000, 14_000]


async def test_a_forecast_without_rates_still_counts_from_its_as_of(db):
    await db.send(AGREEMENTS, agreement("AGR-1", "P-1", HOME),
                  commitment("P-1", ("AGR-1", "agreement", HOME, 7_000), as_of=WEEKS[3]))
    assert by_week(await get(db, "/spend", group_by="provider", **MARCH_WEEKS)) == {WEEKS[3]: (7_000, 0, 0, 0)}


async def test_a_four_week_invoice_and_its_payment_count_a_quarter_in_each_week_exactly(db):
    home, invoice, paid = four_weekly_home()
    await db.send(INVOICING, invoice)
    await db.send(PAYMENTS, paid)
    await db.send(AGREEMENTS, home)
    assert db.dead == []
    weeks = by_week(await get(db, "/spend", group_by="provider", **MARCH_WEEKS))
    assert sorted(weeks) == WEEKS
    assert sum(w[2] for w in weeks.values()) == 100_001 and sum(w[3] for w in weeks.values()) == 100_001
    assert sorted(w[2] for w in weeks.values()) == [25_000, 25_000, 25_000, 25_001]
    month = await get(db, "/spend", group_by="provider", period="month", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert [(r["invoiced_pence"], r["paid_pence"]) for r in month["rows"]] == [(100_001, 100_001)]


async def test_spend_by_cost_centre_and_limited_to_one(db):
    await db.send(AGREEMENTS, *entered_late(), four_weekly_home()[0])
    await db.send(INVOICING, four_weekly_home()[1])
    await db.send(PAYMENTS, four_weekly_home()[2])
    await db.send(INVOICING, approved("INV-X", "PRV-X", "AGR-UNHEARD", 5_000))  # no agreement heard: unassigned
    march = {"period": "month", "from": "2026-03-01", "to": "2026-03-31"}
    answer = await get(db, "/spend", group_by="cost_centre", **march)
    assert {r["group"]: tuple(r[m] for m in MEASURES) for r in answer["rows"]} == {
        "ASC-NORTH": (30_000, 0, 0, 0), "ASC-RES": (0, 0, 100_001, 100_001), "unassigned": (0, 0, 5_000, 0)}
    only = await get(db, "/spend", group_by="provider", cost_centre="ASC-RES,ASC-NORTH", **march)
    assert only["cost_centre"] == ["ASC-NORTH", "ASC-RES"]
    assert {r["group"]: tuple(r[m] for m in MEASURES) for r in only["rows"]} == {
        HOME: (30_000, 0, 0, 0), CARE_HOME: (0, 0, 100_001, 100_001)}
    async with db.http(app) as client:
        refused = await client.get("/spend", params={"group_by": "person", "cost_centre": "ASC-RES", **march},
                                   headers=db.auth("finance_officer"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["query", "cost_centre"]


def _planned(key: str, day: date, outcome: str, carers: int = 1) -> dl.PlannedVisitOutcome:
    return dl.PlannedVisitOutcome(visit_key=key, local_date=day, planned_minutes=30, carers_required=carers,
                                  planned_start=datetime.combine(day, datetime.min.time(), timezone.utc),
                                  outcome=outcome)


def confirmed_week() -> dl.PeriodActualsConfirmed:
    return dl.PeriodActualsConfirmed(
        agreement_id="AGR-1", person_ref="P-1", provider_id=HOME, week_start=MONDAY, confirmed_by="provider",
        lines=[], payable_minutes=0, amount_pence=0, adjustments_pence=0,
        planned=[_planned("V-1", MONDAY, "missed", 2), _planned("V-2", MONDAY + timedelta(days=1), "missed"),
                 _planned("V-3", MONDAY + timedelta(days=2), "delivered"),
                 _planned("V-4", MONDAY + timedelta(days=3), "cancelled")])


def alert() -> dl.VisitMissed:
    return dl.VisitMissed(agreement_id="AGR-1", person_ref="P-1", provider_id=HOME, visit_key="V-1",
                          local_date=MONDAY, planned_start=datetime.combine(MONDAY, datetime.min.time(), timezone.utc),
                          planned_minutes=30, carers_required=2)


async def test_a_missed_visit_from_a_confirmed_week_counts_once_even_if_also_alerted_live(db):
    await db.send(AGREEMENTS, agreement("AGR-1", "P-1", HOME))
    await db.send(DELIVERY, alert())
    await db.send(DELIVERY, confirmed_week())
    await db.send(DELIVERY, alert(), confirmed_week())  # read again: nothing twice
    assert db.dead == []
    quality = await get(db, "/visit-quality", period="week", **{"from": "2026-03-02", "to": "2026-03-08"})
    assert [(r["provider_id"], r["missed"]) for r in quality["rows"]] == [(HOME, 3)]  # V-1 needed two carers
    missed = await get(db, "/visits/missed", to="2026-03-08", days=7)
    assert missed["missed"] == 2
    assert {(v["visit_key"], v["alerted"], v["confirmed"]) for v in missed["recent"]} == {
        ("V-1", True, True), ("V-2", False, True)}
    # A re-confirmation that found V-2 attended withdraws it; the live alert of V-1 stays.
    again = confirmed_week()
    again = again.model_copy(update={"planned": [_planned("V-1", MONDAY, "delivered", 2),
                                                 _planned("V-2", MONDAY + timedelta(days=1), "delivered")]})
    await db.send(DELIVERY, again)
    missed = await get(db, "/visits/missed", to="2026-03-08", days=7)
    assert [(v["visit_key"], v["alerted"], v["confirmed"]) for v in missed["recent"]] == [("V-1", True, False)]


def split_invoice() -> list:
    """A provider's invoice for two people in two cost centres: AGR-1 (ASC-NORTH) charged 6,000 for the week
    of 2 March, AGR-2 (ASC-SOUTH) 4,000 for the fortnight; paid in full. Agreements first, as events."""
    periods = [inv.AgreementPeriod(agreement_id="AGR-1", first_day=MONDAY, last_day=MONDAY + timedelta(days=6),
                                   amount_pence=6_000, cost_centre="ASC-NORTH"),
               inv.AgreementPeriod(agreement_id="AGR-2", first_day=MONDAY, last_day=MONDAY + timedelta(days=13),
                                   amount_pence=4_000, cost_centre="ASC-SOUTH")]
    invoice = approved("INV-S", HOME, "AGR-1", 10_001).model_copy(update={
        "agreement_ids": ["AGR-1", "AGR-2"], "period_end": MONDAY + timedelta(days=13), "agreement_periods": periods})
    return [centre(agreement("AGR-1", "P-1", HOME), "ASC-NORTH"), centre(agreement("AGR-2", "P-2", HOME), "ASC-SOUTH"),
            invoice, invoice_paid("INV-S", HOME, 10_001, "PAY-S")]


async def test_an_invoice_for_two_agreements_counts_each_part_under_its_own_cost_centre_as_the_journal_does(db):
    north, south, invoice, paid = split_invoice()
    await db.send(INVOICING, invoice)
    await db.send(PAYMENTS, paid)
    await db.send(AGREEMENTS, north, south)  # the agreements heard after: each moves its own part
    assert db.dead == []
    march = {"period": "month", "from": "2026-03-01", "to": "2026-03-31"}
    by_centre = await get(db, "/spend", group_by="cost_centre", **march)
    # the largest remainder of 6,000 : 4,000, the penny to the agreement listed first (payments' journal split)
    assert {r["group"]: tuple(r[m] for m in MEASURES) for r in by_centre["rows"]} == {
        "ASC-NORTH": (0, 0, 6_001, 6_001), "ASC-SOUTH": (0, 0, 4_000, 4_000)}
    people = await get(db, "/spend", group_by="person", **march)
    assert {r["group"]: r["invoiced_pence"] for r in people["rows"]} == {"P-1": 6_001, "P-2": 4_000}
    provider = await get(db, "/spend", group_by="provider", **march)
    assert [(r["invoiced_pence"], r["paid_pence"]) for r in provider["rows"]] == [(10_001, 10_001)]
    south_weeks = by_week(await get(db, "/spend", group_by="cost_centre", **MARCH_WEEKS), "ASC-SOUTH")
    assert south_weeks == {WEEKS[0]: (0, 0, 2_000, 2_000), WEEKS[1]: (0, 0, 2_000, 2_000)}
    # accruals split it the same way (approved today, as the events were read; paid on 16 March)
    accrued = await get(db, "/accruals", as_at=london_date(utcnow()).isoformat())
    assert {r["cost_centre"]: (r["invoiced_pence"], r["paid_pence"]) for r in accrued["rows"]} == {
        "ASC-NORTH": (6_001, 6_001), "ASC-SOUTH": (4_000, 4_000)}


def by_topic() -> dict[str, list]:
    home, invoice, paid = four_weekly_home()
    north, south, split, split_paid = split_invoice()
    return {REQUESTS.name: [rq.BudgetAgreed(request_id="REQ-1", person_ref="P-1", weekly_budget_pence=10_000,
                                            weekly_contribution_pence=0, effective_from=MONDAY)],
            AGREEMENTS.name: [*entered_late(), home, south],
            DELIVERY.name: [alert(), confirmed_week()],
            INVOICING.name: [invoice, split],
            PAYMENTS.name: [paid, split_paid]}


async def _rows(db: DatabaseOnly) -> dict[str, list[tuple]]:
    out = {}
    for table, order in (("spend", "1, 2, 3, 4, 5, 6, 7"), ("commitment_step", "1, 2, 3, 4, 5, 6"),
                         ("visit_quality", "1, 2, 3")):
        rows = await db.fetch(f"SELECT * FROM {table} ORDER BY {order}")
        out[table] = [tuple(r) for r in rows if any(isinstance(v, int) and v for v in tuple(r))]
    return out


async def test_a_rebuild_in_topic_order_gives_the_rows_read_live_in_another(db):
    live = by_topic()
    consumers = {c.name: c for c in CONSUMERS}
    for name in (PAYMENTS.name, INVOICING.name, DELIVERY.name, AGREEMENTS.name, REQUESTS.name):
        for event in reversed(live[name]) if name == DELIVERY.name else live[name]:
            await db.send(consumers[name], event)
    async with DatabaseOnly("reporting") as rebuilt:
        replayed = by_topic()
        for consumer in CONSUMERS:
            if consumer.name in replayed:
                await rebuilt.send(consumer, *replayed[consumer.name])
        rows = await _rows(rebuilt)
    assert await _rows(db) == rows
    assert rows["commitment_step"] and rows["spend"] and rows["visit_quality"]
