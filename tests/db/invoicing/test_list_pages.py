"""Every list of invoicing's HTTP API is cursor-paged (`limit`, `after`, `Link: <…>; rel="next"`), against a
fresh invoicing schema: following the next links from the first page returns every row exactly once, in the
list's order (ties on the sort key's first column included), with the filters kept; a cursor that is not
one of the list's is a 422 naming query.after; `offset` is gone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.envelope import Actor
from shared.pagination import encode_cursor
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus, new_invoice_id
from services.invoicing.domain.scheduled import plan_lines
from services.invoicing.handlers.agreements import AGREEMENTS
from services.invoicing.handlers.requests import REQUESTS
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed
from tests.conftest import unique
from tests.db.invoicing.test_contributions_charged import PERIOD, START, agreed, plan_agreement
from tests.db.invoicing.test_isf_returns_http import NOW_PERIOD, P, a_return, an_advance, an_isf

pytestmark = pytest.mark.db
SYSTEM = Actor(id="test:pages", role="system")


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


async def follow(client, url: str, headers: dict) -> tuple[list[dict], int]:
    """Every item from `url` on, following the next links; and how many pages that took."""
    seen, pages = [], 0
    while url:
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        seen += answer.json()
        pages += 1
        link = answer.headers.get("link")
        assert link is None or link.endswith('>; rel="next"')
        url = link[1:link.index(">")] if link else None
    return seen, pages


async def _invoices_in_one_transaction(db, isfs) -> list[str]:
    """An advance per ISF and period, inserted together: they share one created_at (as a run's invoices do)."""
    filed = []
    for isf in isfs:
        for period in (P, NOW_PERIOD):
            invoice = Invoice(new_invoice_id(), InvoiceKind.ISF_ADVANCE, isf.provider_ref,
                              f"IA-{isf.agreement_id}-{period.first}", period, period.first - timedelta(days=14), plan_lines(isf, period),
                              status=InvoiceStatus.APPROVED, due_on=period.first)
            filed.append(Filed(invoice, "isf_advance", "supported_living", 1))
    async with db.pool.acquire() as conn, conn.transaction():
        await store_invoices.insert_filed(conn, filed, SYSTEM)
    return [f.invoice.invoice_id for f in filed]


async def test_invoices_page_newest_first_ties_by_id_and_keep_their_filters(db):
    pid, other = unique("PRV"), unique("PRV")
    mine = [await an_isf(db, pid, unique("P")) for _ in range(3)]
    theirs = await an_isf(db, other, unique("P"))
    together = await _invoices_in_one_transaction(db, mine)  # six invoices sharing one created_at
    later = await an_advance(db, theirs, P, InvoiceStatus.PAID, 1)
    officer = db.auth("finance_officer")
    async with db.http(app) as client:
        seen, pages = await follow(client, "/invoices?limit=4", officer)
        assert pages == 2
        assert [i["invoice_id"] for i in seen] == [later, *sorted(together, reverse=True)]
        first = await client.get("/invoices?limit=4", headers=officer)
        second = await client.get(first.headers["link"][1:first.headers["link"].index(">")], headers=officer)
        assert [i["invoice_id"] for i in first.json()] + [i["invoice_id"] for i in second.json()] == [
            i["invoice_id"] for i in seen]  # no overlap, no gap
        filtered, pages = await follow(client, f"/invoices?provider_id={pid}&kind=isf_advance&limit=2", officer)
        assert pages == 3 and sorted(i["invoice_id"] for i in filtered) == sorted(together)
        own, _ = await follow(client, "/invoices?limit=1", db.auth("provider", provider=other))
        assert [i["invoice_id"] for i in own] == [later]
        by_agreement, _ = await follow(client, f"/invoices?agreement_id={mine[0].agreement_id}&limit=1", officer)
        assert len(by_agreement) == 2 and {i["agreement_ids"][0] for i in by_agreement} == {mine[0].agreement_id}
        assert (await client.get("/invoices?status=nonsense", headers=officer)).status_code == 422
        wrong = await client.get(f"/invoices?after={encode_cursor(['2026-01-01'])}", headers=officer)
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "query.after"


async def test_contribution_charges_page_newest_period_then_newest_revision_first(db):
    people = sorted(unique("P-PG") for _ in range(5))
    for person in people:
        await db.send(AGREEMENTS, plan_agreement(person))
        await db.send(REQUESTS, agreed(person, 5_000))
    following = {"period_start": (START + timedelta(days=28)).isoformat()}
    async with db.http(app) as client:
        officer = db.auth("finance_officer")
        for period in (PERIOD, following):
            run = await client.post("/contribution-charges/runs", json=period, headers=officer)
            assert run.status_code == 200 and run.json()["changed"] == 5, run.text
        seen, pages = await follow(client, "/contribution-charges?limit=3", officer)
        assert pages == 4 and len(seen) == 10
        assert [(c["period_start"], c["charge_id"]) for c in seen] == sorted(
            ((c["period_start"], c["charge_id"]) for c in seen), reverse=True)
        assert [c["period_start"] for c in seen] == [following["period_start"]] * 5 + [START.isoformat()] * 5
        one, pages = await follow(client, f"/contribution-charges?period_start={START}&limit=2", officer)
        assert pages == 3 and sorted(c["person_ref"] for c in one) == people
        mine, _ = await follow(client, "/contribution-charges?limit=1", db.auth("person", person=people[0]))
        assert [c["person_ref"] for c in mine] == [people[0]] * 2


async def test_isf_returns_and_balances_page_through_every_one_once(db):
    pid = unique("PRV")
    isfs = [await an_isf(db, pid, unique("P")) for _ in range(3)]
    for n, isf in enumerate(isfs, start=1):
        await an_advance(db, isf, P, InvoiceStatus.PAID, n)
    async with db.http(app) as client:
        provider = db.auth("provider", provider=pid)
        ids = []
        for isf in isfs:
            sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(isf.person_ref, 10_000),
                                     headers=provider)
            assert sent.status_code == 201, sent.text
            ids.append(sent.json()["return_id"])
        officer = db.auth("finance_officer")
        returns, pages = await follow(client, "/isf-returns?limit=2", officer)
        assert pages == 2 and [r["return_id"] for r in returns] == sorted(ids, reverse=True)  # one period: by id
        own, pages = await follow(client, "/isf-returns?limit=1", provider)
        assert pages == 3 and sorted(r["return_id"] for r in own) == sorted(ids)
        balances, pages = await follow(client, f"/isf-balances?provider_id={pid}&limit=2", officer)
        assert pages == 2 and [b["agreement_id"] for b in balances] == sorted(i.agreement_id for i in isfs)
        assert {b["spent_pence"] for b in balances} == {10_000}
        stale = await client.get(f"/isf-balances?after={encode_cursor([1])}", headers=officer)
        assert stale.status_code == 422 and stale.json()["errors"][0]["field"] == "query.after"
