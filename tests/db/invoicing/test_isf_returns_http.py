"""ISF returns through invoicing's real HTTP API against a fresh invoicing schema: a return (JSON or CSV)
accepted at once, its surplus netted from the next advance by a credit note; what is refused names its
field or row and records nothing; a return held over budget is accepted by another officer only; a
person sees only their own; the balances; the fuzz's sample returns are recorded."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from contracts.common import Cycle, PaymentBasis, ServiceType, SpendMechanism
from contracts.envelope import Actor
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.domain.facts import AgreementOnFile, PlanTerms
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus, new_invoice_id
from services.invoicing.domain.periods import Period, four_weeks_of
from services.invoicing.domain.scheduled import plan_lines
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed
from tests.conftest import unique
from tests.integration.hostile import fuzz_samples

pytestmark = pytest.mark.db
TODAY = london_date(utcnow())
NOW_PERIOD = four_weeks_of(TODAY)  # the advance of the period running now: the "next" one after P
P = four_weeks_of(NOW_PERIOD.first - timedelta(days=1))  # the last period that is over
WEEKLY = 70_000  # £700.00 a week: £2,800.00 a period
SYSTEM = Actor(id="test:isf", role="system")


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


async def an_isf(db, pid: str, person: str, *, start=None, weekly: int = WEEKLY) -> AgreementOnFile:
    agreement = AgreementOnFile(unique("AGR"), pid, person, PaymentBasis.PLAN, Cycle.FOUR_WEEKLY,
                                start or P.first - timedelta(days=28),
                                plan=(PlanTerms(1, P.first - timedelta(days=28), Decimal(1), weekly),),
                                service_type=ServiceType.SUPPORTED_LIVING, mechanism=SpendMechanism.ISF)
    async with db.pool.acquire() as conn, conn.transaction():
        await store_facts.keep_provider(conn, pid, bank_details_verified=True)
        await store_facts.keep_agreement(conn, agreement, datetime.now(timezone.utc))
    return agreement


async def an_advance(db, agreement: AgreementOnFile, period: Period, status: InvoiceStatus, n: int) -> str:
    invoice = Invoice(new_invoice_id(), InvoiceKind.ISF_ADVANCE, agreement.provider_ref,
                      f"IA-{agreement.provider_ref}-{n:06d}", period, period.first - timedelta(days=14),
                      plan_lines(agreement, period), status=status, due_on=period.first,
                      paid_on=period.first if status is InvoiceStatus.PAID else None)
    async with db.pool.acquire() as conn, conn.transaction():
        await store_invoices.insert_filed(conn, [Filed(invoice, "isf_advance", "supported_living", 1)], SYSTEM)
    return invoice.invoice_id


def a_return(person: str, spend: int, reason: str | None = None) -> dict:
    """Spend in two lines: up to £200.00 by a sub-contractor, the rest by the provider itself."""
    bought_in = min(20_000, spend)
    return {"person_ref": person, "period_start": P.first.isoformat(), "over_budget_reason": reason, "lines": [
        {"support_type": "personal care", "subcontractor": None, "hours": "40.50", "spend_pence": spend - bought_in},
        {"support_type": "day opportunities", "subcontractor": "Sunny Days Ltd", "hours": "8",
         "spend_pence": bought_in}]}


async def nothing_recorded(db) -> None:
    assert await db.fetchval("SELECT count(*) FROM isf_returns") == 0
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE kind = 'credit_note'") == 0
    assert await db.published("IsfReturnHeld", "IsfReturnAccepted", "IsfSurplusReclaimed", "CreditNoteIssued") == []


async def test_a_return_s_surplus_is_netted_from_the_next_advance_by_a_credit_note(db):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    own = await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    following = await an_advance(db, isf, NOW_PERIOD, InvoiceStatus.APPROVED, 2)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 150_000),
                                 headers=db.auth("provider", provider=pid))
        assert sent.status_code == 201, sent.text
        out = sent.json()
        assert (out["status"], out["budget_pence"], out["spend_pence"], out["balance_pence"]) == (
            "accepted", 280_000, 150_000, 130_000)
        assert out["by_subcontractor"] == [{"subcontractor": "Sunny Days Ltd", "spend_pence": 20_000}]
        assert [s["support_type"] for s in out["by_support"]] == ["day opportunities", "personal care"]
        reclaim = out["reclaim"]
        assert (reclaim["amount_pence"], reclaim["method"]) == (60_000, "next_advance")

        [note] = await db.fetch("SELECT * FROM invoices WHERE kind = 'credit_note'")
        assert (note["invoice_id"], note["corrects_invoice_id"], note["total_pence"], note["source"],
                note["status"]) == (reclaim["credit_note_id"], following, 60_000, "isf_surplus", "approved")
        [issued] = await db.published("CreditNoteIssued")
        assert issued.payload["cause"] == "isf_surplus"
        assert issued.payload["reason"] == (f"ISF surplus for {P}: £600.00 held above the £700.00 the provider"
                                            " may keep")
        [accepted] = await db.published("IsfReturnAccepted")
        assert accepted.payload["balance_pence"] == 130_000
        [reclaimed] = await db.published("IsfSurplusReclaimed")
        assert (reclaimed.payload["method"], reclaimed.payload["corrects_invoice_id"],
                reclaimed.payload["retained_pence"]) == ("next_advance", following, 70_000)

        again = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 1_000),
                                  headers=db.auth("provider", provider=pid))
        assert (again.status_code, again.json()["code"]) == (409, "return_already_sent"), again.text
        assert await db.fetchval("SELECT count(*) FROM isf_returns") == 1

        balances = await client.get("/isf-balances", params={"provider_id": pid}, headers=db.auth("finance_officer"))
        assert balances.status_code == 200, balances.text
        assert balances.json() == [{"agreement_id": isf.agreement_id, "provider_id": pid, "person_ref": person,
                                    "advanced_pence": 560_000, "spent_pence": 150_000, "reclaimed_pence": 60_000,
                                    "balance_pence": 350_000, "retained_pence": 70_000}]
        mine = await client.get("/isf-balances", headers=db.auth("provider", provider=pid))
        assert [b["agreement_id"] for b in mine.json()] == [isf.agreement_id]
        other = await client.get("/isf-balances", params={"provider_id": pid},
                                 headers=db.auth("provider", provider=unique("PRV")))
        assert other.status_code == 403
        assert (await client.get("/isf-balances", headers=db.auth("person", person=person))).status_code == 403
    assert own != following


async def test_without_a_next_advance_the_surplus_is_credited_against_the_period_s_own_advance(db):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    own = await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 100_000),
                                 headers=db.auth("finance_officer"))
    assert sent.status_code == 201, sent.text
    assert sent.json()["reclaim"]["method"] == "credit_note" and sent.json()["reclaim"]["amount_pence"] == 110_000
    assert await db.fetchval("SELECT corrects_invoice_id FROM invoices WHERE kind = 'credit_note'") == own


async def test_csv_returns_are_recorded_together(db):
    pid = unique("PRV")
    first, second = await an_isf(db, pid, unique("P")), await an_isf(db, pid, unique("P"))
    csv = ("person_ref,period_start,support_type,subcontractor,hours,spend,over_budget_reason\n"
           f"{first.person_ref},{P.first:%d/%m/%Y},personal care,,40,\"£2,000.00\",\n"
           f"{second.person_ref},{P.first.isoformat()},personal care,Care Co,10,500.00,\n"
           f"{first.person_ref},{P.first.isoformat()},day opportunities,,5,750.00,\n")
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", content=csv.encode(),
                                 headers={**db.auth("provider", provider=pid), "content-type": "text/csv"})
    assert sent.status_code == 201, sent.text
    assert [(r["person_ref"], r["spend_pence"], r["status"]) for r in sent.json()["returns"]] == [
        (first.person_ref, 275_000, "accepted"), (second.person_ref, 50_000, "accepted")]
    assert sent.json()["columns"] == {"mapped": ["person_ref", "period_start", "support_type", "subcontractor",
                                                 "hours", "spend", "over_budget_reason"], "ignored": []}
    rows = await db.fetch("SELECT source, source_row FROM isf_returns ORDER BY source_row")
    assert [(r["source"], r["source_row"]) for r in rows] == [("csv", 2), ("csv", 3)]


async def test_a_csv_with_a_bad_row_or_return_is_refused_naming_rows_and_nothing_is_recorded(db):
    pid = unique("PRV")
    isf = await an_isf(db, pid, unique("P"))
    csv = ("person_ref,period_start,support_type,subcontractor,hours,spend,over_budget_reason\n"
           f"{isf.person_ref},{P.first},personal care,,40,100.00,\n"
           f"{isf.person_ref},{P.first},personal care,,-2,100.00,\n"
           f"NOBODY,{P.first},personal care,,1,abc,\n"
           f"NOBODY,{P.first},personal care,,1,10.00,\n")
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", content=csv,
                                 headers={**db.auth("provider", provider=pid), "content-type": "text/csv"})
    assert sent.status_code == 422, sent.text
    assert [(e["row"], e["field"]) for e in sent.json()["errors"]] == [
        (4, "body.row.4.spend"), (3, "body.row.3.hours"), (5, "body.row.5.person_ref")]
    await nothing_recorded(db)


async def test_a_person_with_no_isf_of_the_provider_and_spend_over_budget_without_a_reason_are_refused(db):
    pid, person = unique("PRV"), unique("P")
    await an_isf(db, pid, person)
    await an_isf(db, unique("PRV"), "P-ELSEWHERE")  # an ISF, but with another provider
    async with db.http(app) as client:
        for who, spend, field in ((unique("P"), 1_000, "body.person_ref"), ("P-ELSEWHERE", 1_000, "body.person_ref"),
                                  (person, 280_001, "body.over_budget_reason")):
            sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(who, spend),
                                     headers=db.auth("provider", provider=pid))
            assert sent.status_code == 422, sent.text
            assert [e["field"] for e in sent.json()["errors"]] == [field], sent.text
        unreadable = await client.post(f"/providers/{pid}/isf-returns", json={**a_return(person, 1_000), "lines": [
            {"support_type": "care", "hours": "many", "spend_pence": 1}]}, headers=db.auth("provider", provider=pid))
        assert [e["field"] for e in unreadable.json()["errors"]] == ["body.lines.0.hours"], unreadable.text
        elsewhere = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 1_000),
                                      headers=db.auth("provider", provider=unique("PRV")))
        assert elsewhere.status_code == 403
    await nothing_recorded(db)


async def test_a_return_held_over_budget_is_accepted_by_another_officer_not_the_submitter(db):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    submitter = db.auth("finance_officer", subject="officer-who-keyed-it")
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 300_000, "two carers"),
                                 headers=submitter)
        assert sent.status_code == 201, sent.text
        held = sent.json()
        assert (held["status"], [h["code"] for h in held["holds"]], held["balance_pence"]) == (
            "held", ["over_budget"], None)
        assert [e.payload["return_id"] for e in await db.published("IsfReturnHeld")] == [held["return_id"]]
        accept = f"/isf-returns/{held['return_id']}/accept"
        assert (await client.post(accept, json={"reason": "ok"}, headers=submitter)).status_code == 403
        assert (await client.post(accept, json={"reason": "ok"}, headers=db.auth("provider", provider=pid))
                ).status_code == 403
        assert await db.published("IsfReturnAccepted") == []
        done = await client.post(accept, json={"reason": "agreed: a crisis fortnight"},
                                 headers=db.auth("finance_approver", subject="approver-2"))
        assert done.status_code == 200, done.text
        assert (done.json()["status"], done.json()["balance_pence"], done.json()["reclaim"]) == (
            "accepted", -20_000, None)
        [row] = await db.fetch("SELECT * FROM isf_returns")
        assert (row["accepted_by"], row["accepted_why"]) == ("approver-2", "agreed: a crisis fortnight")
        assert (await client.post(accept, json={"reason": "again"}, headers=db.auth("finance_officer"))
                ).status_code == 409
        assert (await client.post("/isf-returns/NOPE/accept", json={"reason": "x"}, headers=db.auth("finance_officer"))
                ).status_code == 404


async def test_a_person_sees_their_own_returns_only(db):
    pid = unique("PRV")
    mine, theirs = await an_isf(db, pid, unique("P")), await an_isf(db, pid, unique("P"))
    async with db.http(app) as client:
        ids = {}
        for isf in (mine, theirs):
            sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(isf.person_ref, 10_000),
                                     headers=db.auth("provider", provider=pid))
            assert sent.status_code == 201, sent.text
            ids[isf.person_ref] = sent.json()["return_id"]
        me = db.auth("person", person=mine.person_ref)
        listed = await client.get("/isf-returns", headers=me)
        assert [r["return_id"] for r in listed.json()] == [ids[mine.person_ref]]
        assert (await client.get("/isf-returns", params={"person_ref": theirs.person_ref}, headers=me)
                ).status_code == 403
        assert (await client.get(f"/isf-returns/{ids[mine.person_ref]}", headers=me)).status_code == 200
        assert (await client.get(f"/isf-returns/{ids[theirs.person_ref]}", headers=me)).status_code == 404
        stranger = db.auth("provider", provider=unique("PRV"))
        assert (await client.get(f"/isf-returns/{ids[mine.person_ref]}", headers=stranger)).status_code == 404
        assert (await client.get("/isf-returns", params={"provider_id": pid}, headers=stranger)).status_code == 403
        assert len((await client.get("/isf-returns", params={"provider_id": pid},
                                     headers=db.auth("finance_officer"))).json()) == 2


async def test_the_fuzzs_sample_returns_are_recorded_for_a_provider_holding_the_persons_isf(db):
    today = london_date(utcnow())
    as_csv, as_json = unique("PRV"), unique("PRV")
    for pid in (as_csv, as_json):
        await an_isf(db, pid, fuzz_samples.PERSON)
    async with db.http(app) as client:
        csv_sent = await client.post(f"/providers/{as_csv}/isf-returns", content=fuzz_samples.isf_returns_csv(today),
                                     headers={**db.auth("finance_officer"), "content-type": "text/csv"})
        json_sent = await client.post(f"/providers/{as_json}/isf-returns", headers=db.auth("finance_officer"), files={
            "file": ("file", fuzz_samples.isf_return_json(today), "application/json")})
    assert csv_sent.status_code == 201, csv_sent.text
    assert [(r["period_start"], r["status"]) for r in csv_sent.json()["returns"]] == [(P.first.isoformat(), "accepted")]
    assert json_sent.status_code == 201, json_sent.text
    assert (json_sent.json()["period_start"], json_sent.json()["status"]) == (P.first.isoformat(), "accepted")
