"""A credit note or supplementary invoice on an invoice that names no agreement (none of its lines could be
read; an officer released it at £0.00), through invoicing's real HTTP API and queries consumer against a
fresh invoicing schema: refused with a 409 problem saying why (it was an IndexError, a 500, and a query's
request a dead letter), nothing raised; a void one is refused for its state first."""
from __future__ import annotations

import pytest

from contracts import queries as qs
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.handlers.queries import QUERIES
from tests.conftest import unique

pytestmark = pytest.mark.db
UNREADABLE = {"invoice_number": "INV-NO-AGREEMENT", "lines": [{"agreement_ref": "", "amount_pence": "lots"}]}


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


async def _released_with_no_agreement(db, client, pid: str) -> str:
    sent = await client.post(f"/providers/{pid}/invoices", json=UNREADABLE, headers=db.auth("provider", provider=pid))
    assert sent.status_code == 201, sent.text
    invoice = sent.json()
    assert (invoice["status"], invoice["agreement_ids"], invoice["line_count"]) == ("held", [], 0)
    released = await client.post(f"/invoices/{invoice['invoice_id']}/release", json={"reason": "checked on paper"},
                                 headers=db.auth("finance_officer"))
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["total_pence"]) == ("approved", 0)
    return invoice["invoice_id"]


@pytest.mark.parametrize("kind", ["credit-notes", "supplementary-invoices"])
async def test_an_invoice_naming_no_agreement_is_not_corrected_and_says_why(db, kind):
    pid = unique("PRV")
    async with db.http(app) as client:
        invoice_id = await _released_with_no_agreement(db, client, pid)
        answer = await client.post(f"/invoices/{invoice_id}/{kind}", json={"amount_pence": 100, "reason": "x"},
                                   headers=db.auth("finance_officer"))
    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "invoice_names_no_agreement"
    assert "names no agreement" in problem["detail"] and "INV-NO-AGREEMENT" in problem["detail"]
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE corrects_invoice_id = $1", invoice_id) == 0


async def test_a_void_invoice_naming_no_agreement_is_refused_for_its_state(db):
    pid = unique("PRV")
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/invoices", json=UNREADABLE,
                                 headers=db.auth("provider", provider=pid))
        invoice_id = sent.json()["invoice_id"]
        rejected = await client.post(f"/invoices/{invoice_id}/reject", json={"reason": "unreadable"},
                                     headers=db.auth("finance_officer"))
        assert rejected.status_code == 200, rejected.text
        answer = await client.post(f"/invoices/{invoice_id}/credit-notes", json={"amount_pence": 1, "reason": "x"},
                                   headers=db.auth("finance_officer"))
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "invoice_not_correctable"
    assert "is void" in answer.json()["detail"]


async def test_a_query_s_credit_note_on_it_is_refused_with_the_reason_not_dead_lettered(db):
    pid = unique("PRV")
    async with db.http(app) as client:
        invoice_id = await _released_with_no_agreement(db, client, pid)
    query_id = unique("QRY")
    await db.send(QUERIES, qs.CreditNoteRequested(query_id=query_id, effect_id="EFF-1", invoice_id=invoice_id,
                                                  provider_id=pid, amount_pence=100))
    assert db.dead == []
    [refused] = await db.published("InvoiceCorrectionRefused")
    assert (refused.payload["query_id"], refused.payload["invoice_id"]) == (query_id, invoice_id)
    assert "names no agreement" in refused.payload["reason"]
    assert await db.published("CreditNoteIssued") == []
