"""Invoices judged and charged agreement by agreement, against Postgres alone (a fresh copy of the payments
schema): a provider's invoice for two people, one of whom died mid-week, is paid when its lines for that
person stop at the death, and left out (`after_agreement_end`) when they run past it; the database lets the
approval through (each agreement's charged days against its own end), and the exported journal charges
each agreement's cost centre its share of the invoice; a credit note later netted for one agreement credits
that agreement's cost centre alone. Driven through the service's own HTTP API."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from contracts import agreements, invoicing
from contracts.agreements import EndReason
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS
from services.payments.handlers.invoicing import INVOICES
from tests.db.payments.test_care_bought_from_managed_accounts import care_agreement, propose, verified_payee
from tests.db.payments.test_credit_note_reasons import approve_and_export, credit_note
from tests.integration.payments.payments_helpers import approved, working_day_after

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


def with_periods(invoice: invoicing.InvoiceApproved, *periods: invoicing.AgreementPeriod) -> invoicing.InvoiceApproved:
    # Invoicing's invoice-wide end is the earliest of its agreements': judged whole, it would be left out.
    return invoice.model_copy(update={"agreement_periods": list(periods),
                                      "last_payable_date": min(p.last_payable_date or p.last_day for p in periods)})


async def test_an_invoice_is_judged_and_charged_by_each_of_its_agreements(db):
    pay_date = working_day_after(7)
    provider = await verified_payee(db)
    monday = pay_date - timedelta(days=pay_date.weekday() + 28)
    wednesday, friday, sunday = (monday + timedelta(days=n) for n in (2, 4, 6))
    died = care_agreement(provider, monday - timedelta(days=90), person_ref="P-DIED").model_copy(
        update={"cost_centre": "ASC-NORTH"})
    lives = care_agreement(provider, monday - timedelta(days=90), person_ref="P-LIVES").model_copy(
        update={"cost_centre": "ASC-SOUTH"})
    ended = agreements.AgreementEnded(**{**died.model_dump(), "end": wednesday}, reason=EndReason.DEATH)
    await db.send(AGREEMENTS, died, lives, ended)

    def period(agreement, last_day, pence: int) -> invoicing.AgreementPeriod:
        return invoicing.AgreementPeriod(agreement_id=agreement.agreement_id, first_day=monday, last_day=last_day,
                                         amount_pence=pence, last_payable_date=agreement.end if agreement is died
                                         else None, cost_centre=agreement.cost_centre)

    ids = [died.agreement_id, lives.agreement_id]
    stops = with_periods(approved(provider, 10_001, due=pay_date, agreement_ids=ids, period=(monday, sunday)),
                         period(ended, wednesday, 4_000), period(lives, sunday, 6_000))
    runs_on = with_periods(approved(provider, 12_000, due=pay_date, agreement_ids=ids, period=(monday, sunday)),
                           period(ended, friday, 6_000), period(lives, sunday, 6_000))
    await db.send(INVOICES, stops, runs_on)
    assert db.dead == []
    assert sorted(tuple(r) for r in await db.fetch(
        "SELECT invoice_id, agreement_id, last_day, cost_centre FROM invoice_agreement_periods"
        " WHERE invoice_id = $1", stops.invoice_id)) == sorted([
            (stops.invoice_id, died.agreement_id, wednesday, "ASC-NORTH"),
            (stops.invoice_id, lives.agreement_id, sunday, "ASC-SOUTH")])

    async with db.http(app) as client:
        run = await propose(client, db, pay_date, providers=[provider])
        [payment] = run["payments"]
        assert payment["amount_pence"] == 10_001
        assert [(e["subject"], e["reason"]) for e in run["exclusions"]] == [(runs_on.invoice_id, "after_agreement_end")]
        [left_out] = run["exclusions"]
        assert died.agreement_id in left_out["detail"] and str(friday) in left_out["detail"]
        approval = await client.post(f"/payment-runs/{run['run_id']}/approve", headers=db.auth("finance_approver"))
        assert approval.status_code == 200, approval.text  # the database judges each agreement too
        exported = await client.post(f"/payment-runs/{run['run_id']}/export", headers=db.auth("finance_officer"))
        assert exported.status_code == 200, exported.text
        journal = await client.get(f"/payment-runs/{run['run_id']}/files/journal",
                                   headers=db.auth("finance_officer"))
        assert journal.status_code == 200, journal.text
        again = await client.get(f"/payment-runs/{run['run_id']}/files/journal",
                                 headers=db.auth("finance_officer"))
    rows = list(csv.DictReader(io.StringIO(journal.text)))
    # 10,001 as 4,000 : 6,000 is 4,000.4 and 6,000.6: the odd penny goes to the larger remainder (SOUTH).
    assert [(r["cost_centre"], r["subjective_code"], r["debit"], r["credit"]) for r in rows] == [
        ("ASC-NORTH", "5110", "40.00", ""), ("ASC-SOUTH", "5110", "60.01", ""),
        ("FIN-CONTROL", "9100", "", "100.01")]
    assert again.text == journal.text
    charged = await db.fetch("SELECT agreement_id, cost_centre, amount_pence FROM run_line_charges"
                             " WHERE run_id = $1 ORDER BY seq", run["run_id"])
    assert [tuple(r) for r in charged] == [(died.agreement_id, "ASC-NORTH", 4_000),
                                           (lives.agreement_id, "ASC-SOUTH", 6_001)]


async def test_an_agreement_ended_after_the_proposal_refuses_the_approval(db):
    pay_date = working_day_after(7)
    provider = await verified_payee(db)
    monday = pay_date - timedelta(days=pay_date.weekday() + 28)
    first = care_agreement(provider, monday - timedelta(days=90), person_ref="P-A")
    second = care_agreement(provider, monday - timedelta(days=90), person_ref="P-B")
    await db.send(AGREEMENTS, first, second)
    periods = [invoicing.AgreementPeriod(agreement_id=a.agreement_id, first_day=monday,
                                         last_day=monday + timedelta(days=6), amount_pence=5_000)
               for a in (first, second)]
    invoice = approved(provider, 10_000, due=pay_date, agreement_ids=[first.agreement_id, second.agreement_id],
                       period=(monday, monday + timedelta(days=6))).model_copy(update={"agreement_periods": periods})
    await db.send(INVOICES, invoice)
    async with db.http(app) as client:
        run = await propose(client, db, pay_date, providers=[provider])
        assert [p["amount_pence"] for p in run["payments"]] == [10_000]
        # A death told after the proposal: the charged days now run past that agreement's end.
        died = agreements.AgreementEnded(**{**second.model_dump(), "end": monday + timedelta(days=3)},
                                         reason=EndReason.DEATH)
        await db.send(AGREEMENTS, died)
        approval = await client.post(f"/payment-runs/{run['run_id']}/approve", headers=db.auth("finance_approver"))
    assert approval.status_code in (409, 422), approval.text
    assert "after their agreement ended" in approval.text


async def test_an_overpayment_credit_for_one_agreement_credits_only_that_agreement_s_cost_centre(db):
    """A three-agreement invoice is paid; then one person's agreement turns out overpaid (they died): the credit
    note for it, netted in the next run, credits that agreement's cost centre alone, not the others' pro rata.
    A credit note naming no agreement on a paid one-agreement invoice without periods takes that invoice's."""
    pay_date = working_day_after(7)
    provider = await verified_payee(db)
    monday = pay_date - timedelta(days=pay_date.weekday() + 35)
    sunday = monday + timedelta(days=6)
    people = [care_agreement(provider, monday - timedelta(days=90), person_ref=f"P-{n}").model_copy(
        update={"cost_centre": centre}) for n, centre in enumerate(("ASC-NORTH", "ASC-SOUTH", "ASC-WEST"))]
    died, lives, west = people
    await db.send(AGREEMENTS, *people)
    periods = [invoicing.AgreementPeriod(agreement_id=a.agreement_id, first_day=monday, last_day=sunday,
                                         amount_pence=pence, cost_centre=a.cost_centre)
               for a, pence in zip(people, (9_000, 9_000, 12_000))]
    three = approved(provider, 30_000, due=pay_date, agreement_ids=[a.agreement_id for a in people],
                     period=(monday, sunday)).model_copy(update={"agreement_periods": periods})
    only_west = approved(provider, 5_000, due=pay_date, agreement_ids=[west.agreement_id], period=(monday, sunday))
    await db.send(INVOICES, three, only_west)
    async with db.http(app) as client:
        first = await propose(client, db, pay_date, providers=[provider])
        assert [p["amount_pence"] for p in first["payments"]] == [35_000]
        await approve_and_export(client, db, first["run_id"])  # both invoices are paid

        overpaid = credit_note(three, 3_001, cause="overpayment", reason="Overpayment: agreement ended").model_copy(
            update={"agreement_ids": [died.agreement_id]})
        unnamed = credit_note(only_west, 700).model_copy(update={"agreement_ids": []})
        next_invoice = approved(provider, 20_000, due=pay_date, agreement_ids=[lives.agreement_id],
                                period=(monday + timedelta(days=7), sunday + timedelta(days=7)))
        await db.send(INVOICES, overpaid, unnamed, next_invoice)
        assert db.dead == []
        second = await propose(client, db, pay_date, providers=[provider])
        [payment] = second["payments"]
        assert payment["amount_pence"] == 20_000 - 3_001 - 700
        await approve_and_export(client, db, second["run_id"])
        journal = await client.get(f"/payment-runs/{second['run_id']}/files/journal",
                                   headers=db.auth("finance_officer"))
    assert journal.status_code == 200, journal.text
    kept = {r["credit_note_id"]: list(r["agreement_ids"])
            for r in await db.fetch("SELECT credit_note_id, agreement_ids FROM credit_notes")}
    assert kept == {overpaid.invoice_id: [died.agreement_id], unnamed.invoice_id: []}
    rows = list(csv.DictReader(io.StringIO(journal.text)))
    # All 30.01 to NORTH (the dead person's agreement); SOUTH and WEST are not credited a share of it.
    assert [(r["cost_centre"], r["subjective_code"], r["debit"], r["credit"]) for r in rows] == [
        ("ASC-NORTH", "5110", "", "30.01"), ("ASC-SOUTH", "5110", "200.00", ""), ("ASC-WEST", "5110", "", "7.00"),
        ("FIN-CONTROL", "9100", "", "162.99")]
    charged = await db.fetch("SELECT line_id, agreement_id, cost_centre, amount_pence FROM run_line_charges"
                             " WHERE run_id = $1", second["run_id"])
    assert [tuple(r) for r in charged] == [(overpaid.invoice_id, died.agreement_id, "ASC-NORTH", -3_001)]
