"""ISF returns settled in period order, through invoicing's real HTTP API against a fresh invoicing schema:
a return accepted while an earlier period's return is missing or held waits (no balance, no surplus
reclaimed), and is settled after that one; and who may read ISF returns and balances (finance officers,
approvers and ops; a provider its own, a person their own; not social workers, brokerage officers or team
managers), the filter applied before a page is cut."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.domain.invoice import InvoiceStatus
from services.invoicing.domain.periods import four_weeks_of
from tests.conftest import unique
from tests.db.invoicing.test_isf_returns_http import P, a_return, an_advance, an_isf

pytestmark = pytest.mark.db
Q = four_weeks_of(P.first - timedelta(days=1))  # the period before P: the ISF's first


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


def return_for(person: str, period, spend: int, reason: str | None = None) -> dict:
    return {**a_return(person, spend, reason), "period_start": period.first.isoformat()}


async def an_isf_with_two_advances(db) -> tuple[str, str, dict]:
    """An ISF (£700.00 a week, £2,800.00 a period) whose advances of Q and P are paid."""
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    advances = {Q: await an_advance(db, isf, Q, InvoiceStatus.PAID, 1),
                P: await an_advance(db, isf, P, InvoiceStatus.PAID, 2)}
    return pid, person, advances


async def settled(db) -> list[tuple[str, int]]:
    return [(e.payload["period_start"], e.payload["balance_pence"]) for e in await db.published("IsfReturnAccepted")]


async def test_a_return_waits_while_the_earlier_period_s_return_is_missing_then_both_settle_in_order(db):
    pid, person, advances = await an_isf_with_two_advances(db)
    provider = db.auth("provider", provider=pid)
    async with db.http(app) as client:
        later = await client.post(f"/providers/{pid}/isf-returns", json=return_for(person, P, 100_000),
                                  headers=provider)
        assert later.status_code == 201, later.text
        # Q's advance counted with none of its spend would make £3,900.00 look like surplus: nothing reclaimed.
        assert (later.json()["status"], later.json()["balance_pence"], later.json()["reclaim"]) == (
            "accepted", None, None)
        assert await settled(db) == [] and await db.published("IsfSurplusReclaimed", "CreditNoteIssued") == []

        earlier = await client.post(f"/providers/{pid}/isf-returns", json=return_for(person, Q, 270_000),
                                    headers=provider)
        assert earlier.status_code == 201, earlier.text
        assert (earlier.json()["balance_pence"], earlier.json()["reclaim"]) == (10_000, None)
        assert await settled(db) == [(Q.first.isoformat(), 10_000), (P.first.isoformat(), 190_000)]
        after = (await client.get(f"/isf-returns/{later.json()['return_id']}", headers=provider)).json()
    # £5,600.00 advanced - £3,700.00 spent = £1,900.00; the provider keeps £700.00: £1,200.00 reclaimed from P's.
    assert (after["balance_pence"], after["reclaim"]["amount_pence"], after["reclaim"]["method"]) == (
        190_000, 120_000, "credit_note")
    [note] = await db.fetch("SELECT corrects_invoice_id, total_pence FROM invoices WHERE kind = 'credit_note'")
    assert (note["corrects_invoice_id"], note["total_pence"]) == (advances[P], 120_000)


async def test_a_return_waits_while_the_earlier_one_is_held_and_settles_once_it_is_accepted(db):
    pid, person, advances = await an_isf_with_two_advances(db)
    async with db.http(app) as client:
        held = await client.post(f"/providers/{pid}/isf-returns", json=return_for(person, Q, 300_000, "a crisis"),
                                 headers=db.auth("provider", provider=pid))
        assert held.status_code == 201 and held.json()["status"] == "held", held.text
        later = await client.post(f"/providers/{pid}/isf-returns", json=return_for(person, P, 100_000),
                                  headers=db.auth("provider", provider=pid))
        assert (later.json()["status"], later.json()["balance_pence"]) == ("accepted", None)
        assert await settled(db) == [] and await db.published("CreditNoteIssued") == []
        done = await client.post(f"/isf-returns/{held.json()['return_id']}/accept", json={"reason": "agreed"},
                                 headers=db.auth("finance_approver"))
        assert done.status_code == 200, done.text
        assert (done.json()["balance_pence"], done.json()["reclaim"]) == (-20_000, None)
    assert await settled(db) == [(Q.first.isoformat(), -20_000), (P.first.isoformat(), 160_000)]
    [reclaimed] = await db.published("IsfSurplusReclaimed")
    assert (reclaimed.payload["period_start"], reclaimed.payload["amount_pence"],
            reclaimed.payload["corrects_invoice_id"]) == (P.first.isoformat(), 90_000, advances[P])


async def test_only_finance_roles_ops_the_provider_and_the_person_read_isf_returns_and_balances(db):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 250_000),
                                 headers=db.auth("provider", provider=pid))
        assert sent.status_code == 201, sent.text
        one = f"/isf-returns/{sent.json()['return_id']}"
        for role in ("social_worker", "brokerage_officer", "team_manager"):
            for path in ("/isf-returns", one, "/isf-balances"):
                assert (await client.get(path, headers=db.auth(role))).status_code == 403, (role, path)
        for role in ("finance_officer", "finance_approver", "ops"):
            for path in ("/isf-returns", one, "/isf-balances"):
                assert (await client.get(path, headers=db.auth(role))).status_code == 200, (role, path)
        assert (await client.get(one, headers=db.auth("person", person=person))).status_code == 200
        assert (await client.get(one, headers=db.auth("provider", provider=pid))).status_code == 200


async def test_a_provider_s_page_holds_only_its_own_returns(db):
    mine, other = unique("PRV"), unique("PRV")
    for n, pid in enumerate((other, mine, other), start=1):
        isf = await an_isf(db, pid, unique("P"))
        await an_advance(db, isf, P, InvoiceStatus.PAID, n)
        async with db.http(app) as client:
            sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(isf.person_ref, 10_000),
                                     headers=db.auth("finance_officer"))
            assert sent.status_code == 201, sent.text
    async with db.http(app) as client:
        page = await client.get("/isf-returns", params={"limit": 1}, headers=db.auth("provider", provider=mine))
        everyone = await client.get("/isf-returns", params={"limit": 1}, headers=db.auth("finance_officer"))
    assert [r["provider_id"] for r in page.json()] == [mine] and "link" not in page.headers  # no page of others'
    assert len(everyone.json()) == 1 and 'rel="next"' in everyone.headers["link"]
