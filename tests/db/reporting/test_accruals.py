"""Month-end accruals as at 31 March 2026, from events through reporting's own consumers: a home care
agreement's confirmed weeks (one invoiced and paid, one part invoiced and unpaid, one invoiced after
the month), a week not yet confirmed, and a care home's four-weekly invoice paid after the month."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts import delivery as dl
from contracts import invoicing as inv
from contracts.common import ServiceType
from contracts.envelope import Envelope
from shared.testing import DatabaseOnly
from services.reporting.app import app
from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.delivery import DELIVERY
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.payments import PAYMENTS
from tests.db.reporting.mechanism_events import MONDAY, agreement, approved, invoice_paid

pytestmark = pytest.mark.db
HOME, CARE_HOME = "PRV-HOME", "PRV-CH"
WEEK = timedelta(days=7)
WEEKS = [MONDAY + i * WEEK for i in range(5)]  # 2, 9, 16, 23, 30 March 2026
AS_AT = "2026-03-31"
HOME_ROW = (HOME, "home_care", "ASC-NORTH")
CH_ROW = (CARE_HOME, "residential", "ASC-RES")


@pytest.fixture
async def db():
    async with DatabaseOnly("reporting") as db:
        yield db


def on(db: DatabaseOnly, event, day: date) -> Envelope:
    """`event` as published at noon (UTC) on `day`: its business date (an approval's, a confirmation's)."""
    return db.envelope(event).model_copy(update={"occurred_at": datetime(day.year, day.month, day.day, 12,
                                                                         tzinfo=timezone.utc)})


def visit(key: str, day: date, pence: int) -> dl.VisitVerified:
    start = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)
    return dl.VisitVerified(agreement_id="AGR-1", person_ref="P-1", provider_id=HOME, visit_key=key, visit_id=key,
                            carer_id="C-1", revision=1, local_date=day, week_start=day - timedelta(days=day.weekday()),
                            planned_start=start, planned_minutes=60, actual_minutes=60, payable_minutes=60,
                            rate_pence_per_hour=pence, amount_pence=pence)


def confirmed(week: date) -> dl.PeriodActualsConfirmed:
    return dl.PeriodActualsConfirmed(agreement_id="AGR-1", person_ref="P-1", provider_id=HOME, week_start=week,
                                     confirmed_by="provider", lines=[], payable_minutes=0, amount_pence=0,
                                     adjustments_pence=0)


def bill(invoice_id: str, pid: str, aid: str, pence: int, first: date, last: date,
         service_type: ServiceType = ServiceType.HOME_CARE) -> inv.InvoiceApproved:
    return approved(invoice_id, pid, aid, pence, service_type).model_copy(update={
        "period_start": first, "period_end": last, "agreement_periods": [inv.AgreementPeriod(
            agreement_id=aid, first_day=first, last_day=last, amount_pence=pence)]})


async def month_of_events(db: DatabaseOnly) -> None:
    home = agreement("AGR-1", "P-1", HOME).model_copy(update={"cost_centre": "ASC-NORTH"})
    care_home = agreement("AGR-CH", "P-CH", CARE_HOME, service_type=ServiceType.RESIDENTIAL).model_copy(
        update={"cost_centre": "ASC-RES"})
    await db.send(AGREEMENTS, home, care_home)
    await db.send(DELIVERY, visit("V-1", WEEKS[0], 5_000), visit("V-2", WEEKS[0] + timedelta(days=2), 2_000),
                  visit("V-3", WEEKS[1], 3_000), visit("V-4", WEEKS[1] + timedelta(days=4), 4_000),
                  visit("V-5", WEEKS[2] + timedelta(days=1), 6_000),
                  visit("V-6", date(2026, 3, 31), 1_500), visit("V-7", date(2026, 4, 1), 2_500))
    await db.send(DELIVERY, *(on(db, confirmed(w), w + WEEK + timedelta(days=1)) for w in WEEKS[:3]))
    last = WEEKS[0] + 4 * WEEK - timedelta(days=1)
    sunday = timedelta(days=6)
    await db.send(INVOICING,
                  on(db, bill("INV-1", HOME, "AGR-1", 7_000, WEEKS[0], WEEKS[0] + sunday), date(2026, 3, 10)),
                  # part of the week of 9 March (Monday to Wednesday), approved, never paid
                  on(db, bill("INV-2", HOME, "AGR-1", 3_000, WEEKS[1], WEEKS[1] + timedelta(days=2)),
                     date(2026, 3, 18)),
                  on(db, bill("INV-4", HOME, "AGR-1", 6_000, WEEKS[2], WEEKS[2] + sunday), date(2026, 4, 2)),
                  on(db, bill("INV-CH", CARE_HOME, "AGR-CH", 100_001, WEEKS[0], last, ServiceType.RESIDENTIAL),
                     date(2026, 3, 30)))
    await db.send(PAYMENTS,
                  invoice_paid("INV-1", HOME, 7_000, "PAY-1").model_copy(update={"paid_on": date(2026, 3, 20)}),
                  invoice_paid("INV-CH", CARE_HOME, 100_001, "PAY-2").model_copy(update={"paid_on": date(2026, 4, 7)}))
    assert db.dead == []


async def get(db: DatabaseOnly, path: str, role: str = "finance_officer", **params):
    async with db.http(app) as client:
        return await client.get(path, params=params, headers=db.auth(role))


def figures(row: dict) -> tuple[int, ...]:
    return tuple(row[m] for m in ("delivered_pence", "invoiced_for_delivered_pence", "delivered_not_invoiced_pence",
                                  "unconfirmed_pence", "invoiced_pence", "paid_pence", "invoiced_not_paid_pence"))


def rows(answer: dict) -> dict[tuple[str, str, str], tuple[int, ...]]:
    return {(r["provider_id"], r["service_type"], r["cost_centre"]): figures(r) for r in answer["rows"]}


async def test_accruals_at_month_end_follow_approval_and_pay_dates(db):
    await month_of_events(db)
    answer = await get(db, "/accruals", as_at=AS_AT)
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert out["as_at"] == AS_AT
    # home: 20,000 delivered in confirmed weeks, of which 7,000 + 3,000 invoiced by 31 March (INV-4 came
    # on 2 April); 1,500 on 31 March not yet confirmed; 3,000 invoiced and unpaid (INV-1 paid on 20 March).
    # care home: nothing delivered as reporting counts it (a plan), its invoice approved 30 March, paid 7 April.
    assert rows(out) == {HOME_ROW: (20_000, 10_000, 10_000, 1_500, 10_000, 7_000, 3_000),
                         CH_ROW: (0, 0, 0, 0, 100_001, 0, 100_001)}
    assert [(r["provider_id"], r["service_type"]) for r in out["rows"]] == [(CARE_HOME, "residential"),
                                                                          (HOME, "home_care")]
    assert figures(out["totals"]) == (20_000, 10_000, 10_000, 1_500, 110_001, 7_000, 103_001)
    for row in [*out["rows"], out["totals"]]:
        assert row["delivered_pence"] == row["invoiced_for_delivered_pence"] + row["delivered_not_invoiced_pence"]
    # A week later: INV-4 and the care home's payment are in; the week of 30 March is still unconfirmed.
    later = rows((await get(db, "/accruals", as_at="2026-04-07")).json())
    assert later == {HOME_ROW: (20_000, 16_000, 4_000, 4_000, 16_000, 7_000, 9_000),
                     CH_ROW: (0, 0, 0, 0, 100_001, 100_001, 0)}


async def test_delivered_and_invoiced_for_those_days_agree_with_spend(db):
    await month_of_events(db)
    accrued = rows((await get(db, "/accruals", as_at="2026-04-05")).json())[HOME_ROW]
    spend = (await get(db, "/spend", group_by="provider", period="week", provider_id=HOME,
                       **{"from": "2026-03-02", "to": "2026-04-05"})).json()
    weeks = {date.fromisoformat(r["period_start"]): r for r in spend["rows"]}
    confirmed_weeks = WEEKS[:3]
    assert accrued[0] == sum(weeks[w]["delivered_pence"] for w in confirmed_weeks)
    assert accrued[1] == sum(weeks[w]["invoiced_pence"] for w in confirmed_weeks)
    # confirmed + unconfirmed (1,500 on 31 March and 2,500 on 1 April) is spend's delivered to as_at
    assert (accrued[0], accrued[3]) == (20_000, 4_000)
    assert accrued[0] + accrued[3] == sum(r["delivered_pence"] for r in spend["rows"])


async def test_accruals_as_csv_with_a_header_pence_and_a_totals_row(db):
    await month_of_events(db)
    answer = await get(db, "/accruals", as_at=AS_AT, format="csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="accruals-2026-03-31.csv"' in answer.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(answer.text)))
    assert table[0] == ["provider_id", "provider_name", "service_type", "cost_centre", "delivered_pence",
                        "invoiced_for_delivered_pence", "delivered_not_invoiced_pence", "unconfirmed_pence",
                        "invoiced_pence", "paid_pence", "invoiced_not_paid_pence"]
    assert table[1:] == [
        [CARE_HOME, CARE_HOME, "residential", "ASC-RES", "0", "0", "0", "0", "100001", "0", "100001"],
        [HOME, HOME, "home_care", "ASC-NORTH", "20000", "10000", "10000", "1500", "10000", "7000", "3000"],
        ["TOTAL", "", "", "", "20000", "10000", "10000", "1500", "110001", "7000", "103001"]]


async def test_only_finance_reads_accruals_and_as_at_is_checked(db):
    await month_of_events(db)
    async with db.http(app) as client:
        for headers in (db.auth("provider", provider=HOME), db.auth("person", person="P-1"),
                        db.auth("social_worker"), db.auth("brokerage_officer")):
            refused = await client.get("/accruals", params={"as_at": AS_AT}, headers=headers)
            assert refused.status_code == 403, refused.text
        for role in ("finance_approver", "ops"):
            assert (await client.get("/accruals", params={"as_at": AS_AT}, headers=db.auth(role))).status_code == 200
        for params in ({}, {"as_at": "31/03/2026"}, {"as_at": "1066-10-14"}):
            bad = await client.get("/accruals", params=params, headers=db.auth("finance_officer"))
            assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "as_at"], bad.text


def credit_note(invoice_id: str, pence: int, corrects: str) -> inv.CreditNoteIssued:
    return inv.CreditNoteIssued(invoice_id=invoice_id, provider_id=HOME, number=f"CN-{invoice_id}",
                                kind="credit_note", agreement_ids=["AGR-1"], person_refs=["P-1"],
                                service_type=ServiceType.HOME_CARE, period_start=WEEKS[0],
                                period_end=WEEKS[0] + timedelta(days=6), total_pence=pence, line_count=1,
                                corrects_invoice_id=corrects)


async def test_a_credit_note_counts_from_its_issue_so_an_invoice_netted_and_paid_is_not_owed(db):
    # a 7,000 invoice approved 10 March, a 2,000 credit note issued 12 March (invoicing never approves one),
    # and the 5,000 payments paid for the invoice less the credit netted against it, on 16 March
    await db.send(AGREEMENTS, agreement("AGR-1", "P-1", HOME).model_copy(update={"cost_centre": "ASC-NORTH"}))
    await db.send(INVOICING, on(db, bill("INV-1", HOME, "AGR-1", 7_000, WEEKS[0], WEEKS[0] + timedelta(days=6)),
                                date(2026, 3, 10)),
                  on(db, credit_note("CN-1", 2_000, "INV-1"), date(2026, 3, 12)))
    await db.send(PAYMENTS, invoice_paid("INV-1", HOME, 5_000, "PAY-1"))
    assert db.dead == []
    spend = (await get(db, "/spend", group_by="provider", period="month",
                       **{"from": "2026-03-01", "to": "2026-03-31"})).json()
    assert [(r["invoiced_pence"], r["paid_pence"]) for r in spend["rows"]] == [(5_000, 5_000)]
    owed = {as_at: rows((await get(db, "/accruals", as_at=as_at)).json())[HOME_ROW][4:]
            for as_at in ("2026-03-11", "2026-03-12", AS_AT)}
    assert owed == {"2026-03-11": (7_000, 0, 7_000), "2026-03-12": (5_000, 0, 5_000), AS_AT: (5_000, 5_000, 0)}


async def test_a_week_counts_as_confirmed_only_from_the_day_delivery_confirmed_it(db):
    await db.send(AGREEMENTS, agreement("AGR-1", "P-1", HOME).model_copy(update={"cost_centre": "ASC-NORTH"}))
    await db.send(DELIVERY, visit("V-1", WEEKS[3], 5_000), on(db, confirmed(WEEKS[3]), date(2026, 4, 2)))
    await db.send(INVOICING, on(db, bill("INV-1", HOME, "AGR-1", 5_000, WEEKS[3], WEEKS[3] + timedelta(days=6)),
                                date(2026, 3, 30)))
    assert db.dead == []
    # as at 31 March the week of 23 March was not yet confirmed (2 April): unconfirmed, nothing invoiced for it
    assert rows((await get(db, "/accruals", as_at=AS_AT)).json())[HOME_ROW][:4] == (0, 0, 0, 5_000)
    assert rows((await get(db, "/accruals", as_at="2026-04-02")).json())[HOME_ROW][:4] == (5_000, 5_000, 0, 0)
