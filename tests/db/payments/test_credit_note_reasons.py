"""A credit note's cause and reason, against Postgres alone (a fresh copy of the payments schema): kept from
CreditNoteIssued (None for one told before invoicing said them), and shown on the remittance advice (CSV and
printable page) of the exported run that takes the money back, so the provider sees why."""
from __future__ import annotations

import csv
import io

import pytest

from contracts import invoicing
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.invoicing import INVOICES
from tests.conftest import unique
from tests.db.payments.test_care_bought_from_managed_accounts import propose, verified_payee
from tests.integration.payments.payments_helpers import approved, working_day_after

pytestmark = pytest.mark.db
REASON = "Overpayment: agreement AGR-1 ended 11 Mar 2026; 18 day(s) after it were paid on SC-PRV-1-000001"


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


def credit_note(paid: invoicing.InvoiceApproved, pence: int, **said) -> invoicing.CreditNoteIssued:
    note_id = unique("CN")
    return invoicing.CreditNoteIssued(
        invoice_id=note_id, provider_id=paid.provider_id, number=f"CN-{note_id[-6:]}", kind="credit_note",
        agreement_ids=paid.agreement_ids, person_refs=["P-1"], service_type=paid.service_type,
        period_start=paid.period_start, period_end=paid.period_end, total_pence=pence, line_count=1,
        corrects_invoice_id=paid.invoice_id, **said)


async def approve_and_export(client, db, run_id: str) -> None:
    approval = await client.post(f"/payment-runs/{run_id}/approve", headers=db.auth("finance_approver"))
    assert approval.status_code == 200, approval.text
    exported = await client.post(f"/payment-runs/{run_id}/export", headers=db.auth("finance_officer"))
    assert exported.status_code == 200, exported.text


async def test_a_credit_note_s_reason_is_kept_and_shown_on_the_remittance_of_the_run_that_nets_it(db):
    pay_date = working_day_after(7)
    provider = await verified_payee(db)
    first = approved(provider, 50_000, due=pay_date)
    async with db.http(app) as client:
        await db.send(INVOICES, first)
        run = await propose(client, db, pay_date, providers=[provider])
        await approve_and_export(client, db, run["run_id"])  # the first invoice is paid
        overpaid = credit_note(first, 18_000, cause="overpayment", reason=REASON)
        older = credit_note(first, 500)  # told before invoicing said why
        second = approved(provider, 40_000, due=pay_date)
        await db.send(INVOICES, overpaid, older, second)
        assert db.dead == []
        run = await propose(client, db, pay_date, providers=[provider])
        [payment] = run["payments"]
        assert payment["amount_pence"] == 40_000 - 18_000 - 500
        await approve_and_export(client, db, run["run_id"])
        as_provider = db.auth("provider", provider=provider)
        base = f"/payment-runs/{run['run_id']}/files/remittance/{provider}"
        advice, page = await client.get(f"{base}.csv", headers=as_provider), await client.get(f"{base}.html",
                                                                                               headers=as_provider)
    kept = {r["credit_note_id"]: (r["cause"], r["reason"])
            for r in await db.fetch("SELECT credit_note_id, cause, reason FROM credit_notes")}
    assert kept == {overpaid.invoice_id: ("overpayment", REASON), older.invoice_id: (None, None)}
    assert advice.status_code == 200 and page.status_code == 200, (advice.text, page.text)
    rows = list(csv.DictReader(io.StringIO(advice.text)))
    assert [(r["line_type"], r["reason"], r["amount"]) for r in (rows[0], rows[-1])] == [
        ("invoice", "", "400.00"), ("total", "", "215.00")]
    assert {r["reference"]: (r["reason"], r["amount"]) for r in rows[1:-1]} == {
        f"Credit note {overpaid.number} against paid invoice {first.invoice_id}": (REASON, "-180.00"),
        f"Credit note {older.number} against paid invoice {first.invoice_id}": ("", "-5.00")}
    assert f'<span class="reason">{REASON}</span>' in page.text
    stored = await db.fetchval("SELECT reason FROM run_lines WHERE run_id = $1 AND line_id = $2", run["run_id"],
                               overpaid.invoice_id)
    assert stored == REASON
