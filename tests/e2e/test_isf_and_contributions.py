"""Individual service funds, contributions charged and overpayments recovered (issue 16), in the demo
council's month: every ISF advanced the plan price of each period and paid four-weekly; one return's
surplus above a week's budget credited against the next advance and netted in the run; a death told
two weeks late credited on the advances already paid and taken from the provider's next payment, the
remittance saying why; contributions charged in full and capped at the cost of care, exported to the
debtors system with a balanced journal; the person's statement; spend by mechanism. Every figure is
worked out from the scenario's own data (tests/e2e/expected_isf.py, rules.py), never read back.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from tests.conftest import auth, eventually
from tests.e2e import expected_isf, rules
from tests.e2e.payment_files import read_bacs

pytestmark = pytest.mark.stack
OFFICER = auth("finance_officer", subject="e2e-isf-reader")
DEBTORS_COLUMNS = ["person_ref", "period_start", "period_end", "amount_pence", "reason", "charge_id"]


async def _get(url: str, headers=OFFICER, **params):
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:300]}"
    return response.json() if "json" in response.headers.get("content-type", "") else response.content


def _pence(pounds: str) -> int:
    return int(Decimal(pounds or "0") * 100)


def _payment_to(run: dict, provider_id: str) -> dict:
    (payment,) = [p for p in run["payments"] if p["payee_id"] == provider_id]
    return payment


def _remittance_credits(path) -> dict[int, str]:
    """The remittance CSV's credit-note rows: amount in pence -> what the provider is told."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    return {_pence(r["amount"]): r["reason"] for r in rows if r["line_type"] == "credit_note"}


async def _advances(stack, month) -> dict[tuple[str, date], dict]:
    out = {}
    for person in month.council.of_care("isf"):
        aid = month.ledger.agreement_ids[person.ref]
        for invoice in await _get(f"{stack['invoicing']}/invoices", agreement_id=aid, kind="isf_advance"):
            out[(person.ref, date.fromisoformat(invoice["period_start"]))] = invoice
    return out


async def test_each_isf_is_advanced_the_plan_price_of_each_period_and_each_advance_is_paid(stack, month):
    got = await _advances(stack, month)
    want = expected_isf.advances(month)
    assert {k: i["total_pence"] for k, i in got.items()} == want
    assert all(i["number"].startswith("IA-") for i in got.values())

    async def all_in_runs():  # invoicing hears of the next run's approval after the scenario ends
        now = await _advances(stack, month)
        return now if all(i["status"] in ("scheduled", "paid") for i in now.values()) else None

    await eventually(all_in_runs, timeout=30, what="every ISF advance to be scheduled in a payment run")
    assert {start for _, start in want} == {*expected_isf.first_run_periods(month), expected_isf.next_period(month)}
    assert len(month.council.clients_of(expected_isf.told_late(month).provider_key)) >= 2  # the provider is shared


async def test_a_return_leaves_its_balance_and_the_surplus_above_a_week_is_credited_against_the_next_advance(
        stack, month):
    ledger, first = month.ledger, month.council.month.first
    surplus = expected_isf.returned(month, "json_surplus")
    person, lines = surplus.person, ledger.isf.sent[surplus.person.ref]
    assert 0 < surplus.spend < surplus.budget and surplus.reclaim > 0
    got = await _get(f"{stack['invoicing']}/isf-returns/{ledger.isf.returns[person.ref]['return_id']}")
    assert (got["status"], got["period_start"], got["budget_pence"], got["spend_pence"], got["balance_pence"]) == (
        "accepted", first.isoformat(), surplus.budget, surplus.spend, surplus.balance)
    assert {s["support_type"]: s["spend_pence"] for s in got["by_support"]} == expected_isf.by_support(lines)
    assert {s["subcontractor"]: s["spend_pence"] for s in got["by_subcontractor"]} == expected_isf.by_subcontractor(lines)
    assert len(got["by_subcontractor"]) == 1
    current = ledger.isf.advances[(person.ref, first + rules.FOUR_WEEKS)]
    assert (got["reclaim"]["amount_pence"], got["reclaim"]["method"]) == (surplus.reclaim, "next_advance")
    note = await _get(f"{stack['invoicing']}/invoices/{got['reclaim']['credit_note_id']}")
    assert (note["kind"], note["corrects_invoice_id"], note["total_pence"]) == ("credit_note", current, surplus.reclaim)
    balances = await _get(f"{stack['invoicing']}/isf-balances", provider_id=ledger.provider_ids[person.provider_key],
                          person_ref=person.ref)
    assert [(b["reclaimed_pence"], b["retained_pence"]) for b in balances] == [(surplus.reclaim, surplus.retained)]

    whole = expected_isf.returned(month, "csv_whole")
    got = await _get(f"{stack['invoicing']}/isf-returns/{ledger.isf.returns[whole.person.ref]['return_id']}")
    assert (got["status"], got["budget_pence"], got["spend_pence"], got["balance_pence"], got["reclaim"]) == (
        "accepted", whole.budget, whole.budget, 0, None)
    assert whole.spend == whole.budget


async def test_the_months_run_pays_the_advances_net_of_the_surplus_credit_note(stack, month):
    ledger, first = month.ledger, month.council.month.first
    surplus = expected_isf.returned(month, "json_surplus")
    key = surplus.person.provider_key
    done = ledger.runs["four_weekly"]
    run = await _get(f"{stack['payments']}/payment-runs/{done.run_id}")
    payment = _payment_to(run, ledger.provider_ids[key])
    assert payment["amount_pence"] == expected_isf.four_weekly_run_by_provider(month)[key]
    lines = {ln["line_id"]: ln["amount_pence"] for ln in payment["lines"]}
    current = ledger.isf.advances[(surplus.person.ref, first + rules.FOUR_WEEKS)]
    assert lines[current] == expected_isf.advance(month, surplus.person)
    assert lines[ledger.isf.surplus_credit_note_id] == -surplus.reclaim
    assert "ISF surplus" in _remittance_credits(done.remittances[key])[-surplus.reclaim]  # the provider is told why


async def test_a_death_told_late_is_credited_and_taken_from_the_providers_next_payment(stack, month):
    ledger = month.ledger
    person = expected_isf.told_late(month)
    over = expected_isf.overpayments(month)
    assert over[month.council.month.first][0] == 10 and len(over) == len(expected_isf.first_run_periods(month))
    credited, note_of = {}, {}
    for note_id, invoice_id in ledger.isf.overpayments.items():
        note = await _get(f"{stack['invoicing']}/invoices/{note_id}")
        advance = await _get(f"{stack['invoicing']}/invoices/{invoice_id}")
        assert (note["kind"], note["corrects_invoice_id"], advance["kind"]) == ("credit_note", invoice_id, "isf_advance")
        assert advance["agreement_ids"] == [ledger.agreement_ids[person.ref]]
        start = date.fromisoformat(advance["period_start"])
        credited[start], note_of[start] = note["total_pence"], note_id
    assert credited == {start: pence for start, (_, pence) in over.items()}

    key = person.provider_key
    done = ledger.runs["next_four_weekly"]
    run = await _get(f"{stack['payments']}/payment-runs/{done.run_id}")
    payment = _payment_to(run, ledger.provider_ids[key])
    owed = expected_isf.next_run_by_provider(month)[key]
    assert payment["amount_pence"] == owed > 0
    provider = month.council.provider(key)
    bank = provider.new_bank or provider.bank
    assert read_bacs(done.files["bacs"]).credits[(bank.sort_code, bank.account_number)] == owed
    lines = {ln["line_id"]: ln for ln in payment["lines"]}
    told = _remittance_credits(done.remittances[key])
    for start, (days, pence) in over.items():
        line = lines[note_of[start]]
        assert line["amount_pence"] == -pence
        for shown in (line["reason"], told[-pence]):  # the run, and the remittance advice the provider gets
            assert "Overpayment" in shown and f"{days} day" in shown, shown


async def test_contributions_are_charged_in_full_or_capped_at_the_cost_of_the_care_delivered(stack, month, weeks):
    ledger, first = month.ledger, month.council.month.first.isoformat()
    want = expected_isf.charges(month, weeks)
    told = [p for p in month.council.people if p.charged] + [expected_isf.returned(month, "json_surplus").person]
    assert sorted(p.charged or "" for p in told) == ["", "capped", "full"]
    for person in told:
        revisions = await _get(f"{stack['invoicing']}/contribution-charges", person_ref=person.ref, period_start=first)
        latest = max(revisions, key=lambda r: r["revision"])
        w = want[person.ref]
        assert w.capped == (person.charged == "capped"), "the scenario no longer tells the story it means to"
        assert (latest["contribution_pence"], latest["care_cost_pence"], latest["charged_pence"], latest["capped"]) == (
            w.contribution, w.cost, w.charged, w.capped), person.ref
        assert sum(r["change_pence"] for r in revisions) == w.charged
        assert latest["exported_in"] == ledger.contributions.export_id


async def test_the_debtors_file_charges_each_person_their_months_charge_and_the_journal_balances(stack, month, weeks):
    ledger, council = month.ledger, month.council
    saved = ledger.contributions.files
    rows = list(csv.DictReader(io.StringIO(saved["debtors"].read_text(encoding="utf-8"))))
    assert rows and list(rows[0]) == DEBTORS_COLUMNS
    got: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["person_ref"].startswith(council.tag + "-"):
            assert (row["period_start"], row["period_end"]) == (council.month.first.isoformat(),
                                                                council.month.last.isoformat())
            got[row["person_ref"]] += int(row["amount_pence"])
    want = {ref: c.charged for ref, c in expected_isf.charges(month, weeks).items() if c.charged}
    assert {ref: pence for ref, pence in got.items() if pence} == want
    total = sum(int(row["amount_pence"]) for row in rows)
    journal = list(csv.DictReader(io.StringIO(saved["journal"].read_text(encoding="utf-8"))))
    debits, credits = sum(_pence(r["debit"]) for r in journal), sum(_pence(r["credit"]) for r in journal)
    assert debits == credits == total > 0
    sides = {(r["subjective_code"], r["cost_centre"]): (_pence(r["debit"]), _pence(r["credit"])) for r in journal}
    assert sides == {("9150", "FIN-CONTROL"): (total, 0), ("8100", "ASC-CARE"): (0, total)}
    export = ledger.contributions.export_id
    again = await _get(f"{stack['invoicing']}/contribution-charges/exports/{export}/debtors.csv")
    assert again == saved["debtors"].read_bytes()  # byte-identical on re-download


async def test_the_persons_statement_shows_their_charge_and_what_their_isf_bought(stack, month):
    surplus = expected_isf.returned(month, "json_surplus")
    person, first = surplus.person, month.council.month.first
    url = f"{stack['reporting']}/people/{person.ref}/statement"
    as_person = auth("person", person=person.ref)
    window = {"from": first.isoformat(), "to": month.council.month.last.isoformat()}

    async def shown():
        statement = await _get(url, headers=as_person, **window)
        charge = [c for c in statement["contributions"] if c["period_start"] == first.isoformat()]
        isf = [i for i in statement["isf"] if i["period_start"] == first.isoformat()]
        return (charge[0], isf[0]) if charge and isf else None

    charge, isf = await eventually(shown, timeout=60, what="reporting to show the month's charge and ISF return")
    assert (charge["charged_pence"], charge["capped"]) == (rules.contribution_due(person.weekly_contribution_pence, 28),
                                                           False)
    assert (isf["budget_pence"], isf["spend_pence"]) == (surplus.budget, surplus.spend)
    lines = month.ledger.isf.sent[person.ref]
    assert {s["support_type"]: s["spend_pence"] for s in isf["by_support"]} == expected_isf.by_support(lines)
    page = (await _get(url, headers=as_person, format="html", **window)).decode()
    assert all(s.lower() in page.lower() for s in expected_isf.by_support(lines))


async def test_reporting_splits_spend_by_mechanism_and_counts_the_isfs_net_of_their_credit_notes(stack, month):
    council, ledger = month.council, month.ledger
    window = {"from": council.month.first.isoformat(),
              "to": (expected_isf.next_period(month) + timedelta(days=27)).isoformat()}
    for key, pence in expected_isf.isf_invoiced_by_provider(month).items():
        async def reported(key=key, pence=pence):
            answer = await _get(f"{stack['reporting']}/spend", group_by="mechanism", period="month",
                                provider_id=ledger.provider_ids[key], **window)
            by = defaultdict(int)
            for row in answer["rows"]:
                by[row["group"]] += row["invoiced_pence"]
            return dict(by) if by.get("isf") == pence else None

        by = await eventually(reported, timeout=60, what=f"reporting to count {pence}p of ISF spend at {key}")
        assert {g for g, p in by.items() if p} == {"isf"}
    home = next(p for p in council.providers if p.service_type == "home_care")
    answer = await _get(f"{stack['reporting']}/spend", group_by="mechanism", period="month",
                        provider_id=ledger.provider_ids[home.key], **window)
    assert not [r for r in answer["rows"] if r["group"] == "isf" and r["invoiced_pence"]]
