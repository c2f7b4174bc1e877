"""The demo council's month end to end (issue 9): the scenario drives the stack through its public
interfaces, then every figure the system produced is compared, to the penny, with what the rules of
docs/domain.md give for the scenario's own data (tests/e2e/expected.py, rules.py).

About 200 people and 10 providers (issue 9's size): the run takes a few minutes on a 2-core machine.
"""
from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from shared.demo.care import payee_of
from tests.conftest import auth
from tests.e2e import expected, expected_isf
from tests.e2e.conftest import PEOPLE
from tests.e2e.payment_files import pain001_control_sum, read_bacs

pytestmark = pytest.mark.stack
OFFICER = auth("finance_officer", subject="e2e-reader")
PAYABLE = ("approved", "scheduled", "paid")  # approved, then in a payment run


async def _get(url: str, **params) -> object:
    return (await _all([url], **params))[0]


async def _all(urls, **params) -> list:
    """GET each URL (eight at a time) as a finance officer; each must answer 200."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=60) as client:
        async def one(url: str):
            async with gate:
                response = await client.get(url, params=params, headers=OFFICER)
            assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:300]}"
            return response.json()
        return list(await asyncio.gather(*(one(u) for u in urls)))


async def _invoices(stack, month, kind: str) -> list[dict]:
    out = []
    for key, provider_id in month.ledger.provider_ids.items():
        out += await _get(f"{stack['invoicing']}/invoices", provider_id=provider_id, kind=kind, limit=500)
    return out


def _differences(got: dict, want: dict) -> dict:
    return {k: (got.get(k), want.get(k)) for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)}


async def test_every_confirmed_week_pays_each_carer_the_minutes_and_pence_the_visit_rules_give(stack, month, weeks):
    confirmed = month.ledger.confirmed
    assert set(weeks) <= set(confirmed), "a week with paid visits was never confirmed"
    periods = await _all(f"{stack['delivery']}/agreements/{aid}/periods/{monday}" for aid, monday in confirmed)
    wrong = {}
    for (agreement_id, monday), period in zip(confirmed, periods):
        got = {(ln["visit_id"], ln["carer_id"]): (ln["payable_minutes"], ln["amount_pence"]) for ln in period["lines"]}
        want = weeks.get((agreement_id, monday), {})
        if got != want or period["status"] != "confirmed":
            wrong[(agreement_id, str(monday))] = (period["status"], _differences(got, want))
        assert period["payable_minutes"] == sum(m for m, _ in got.values())
        assert period["amount_pence"] == sum(p for _, p in got.values())
    assert not wrong, f"{len(wrong)} agreement-week(s) differ: {dict(list(wrong.items())[:5])}"
    lines = [line for week in weeks.values() for line in week.values()]
    assert len(lines) > PEOPLE * 10 and any(m == 0 for m, _ in lines), "the month paid too little to prove much"


async def test_each_bad_record_is_rejected_with_its_reason_and_nothing_after_a_death_is_paid(stack, month, weeks):
    faults = Counter((a.provider_key, a.fault) for a in month.attendances
                     if a.fault in ("missing_carer_id", "check_out_before_check_in", "unknown_service_user"))
    for provider in month.council.providers:
        if provider.service_type != "home_care":
            continue
        listed, page = [], f"{stack['delivery']}/visits/rejected"
        params: dict | None = {"provider_id": month.ledger.provider_ids[provider.key], "limit": 500}
        async with httpx.AsyncClient(timeout=60) as client:
            while page:  # every page: the next link keeps the filter
                response = await client.get(page, params=params, headers=OFFICER)
                assert response.status_code == 200, f"GET {page}: {response.status_code} {response.text[:300]}"
                listed += response.json()
                page, params = response.links.get("next", {}).get("url"), None
        got = Counter(item["reason"] for item in listed)
        want = Counter({reason: n for (key, reason), n in faults.items() if key == provider.key})
        assert got == want, provider.name
    died = next(p for p in month.council.people if p.care == "home_care" and p.died_on)
    after = {a.visit_id for a in month.attendances if a.person_ref == died.ref and a.fault == "after_death"}
    assert after and not any(v in after for week in weeks.values() for v, _ in week)
    assert len(month.ledger.rejected_unallocated) >= len(after)


async def test_self_billed_invoices_total_the_confirmed_actuals_of_their_period(stack, month, weeks):
    got = {(i["agreement_ids"][0], i["period_start"]): i["total_pence"]
           for i in await _invoices(stack, month, "self_billed")}
    want = {(aid, first.isoformat()): pence for (aid, first), pence in expected.self_bills(month, weeks).items()}
    assert got == want, _differences(got, want)


async def test_a_providers_own_invoice_is_approved_when_right_and_held_with_every_reason_when_wrong(stack, month,
                                                                                                   weeks):
    sent = month.ledger.provider_invoices
    assert any(i.wrong for i in sent) and any(not i.wrong for i in sent)
    for invoice in sent:
        got = await _get(f"{stack['invoicing']}/invoices/{invoice.invoice_id}")
        if invoice.wrong:
            assert got["status"] == "void" and set(got["hold_codes"]) == {
                "amount_differs_from_actuals", "visit_not_verified", "agreement_of_another_person"}, got["holds"]
        else:
            assert got["status"] in PAYABLE and got["total_pence"] == expected.provider_invoice(month, weeks, invoice)


async def test_plan_invoices_charge_the_month_pro_rata_by_day(stack, month):
    """Care homes only: an ISF is advanced, never invoiced in arrears (test_isf_and_contributions.py)."""
    got = {i["agreement_ids"][0]: i["total_pence"] for i in await _invoices(stack, month, "scheduled")
           if i["period_start"] == month.council.month.first.isoformat()}
    assert got == expected.scheduled(month)
    isfs = {month.ledger.agreement_ids[p.ref] for p in month.council.of_care("isf")}
    assert not [i for i in await _invoices(stack, month, "scheduled") if set(i["agreement_ids"]) & isfs]


async def test_the_disputed_visit_is_credited_in_full(stack, month, weeks):
    dispute = month.ledger.dispute
    note = await _get(f"{stack['invoicing']}/invoices/{dispute.credit_note_id}")
    bill = await _get(f"{stack['invoicing']}/invoices/{dispute.invoice_id}")
    agreement_id = bill["agreement_ids"][0]
    owed = next(pence for (aid, _), lines in weeks.items() if aid == agreement_id
                for (visit, carer), (_, pence) in lines.items() if (visit, carer) == (dispute.visit_id, dispute.carer_id))
    assert (note["kind"], note["corrects_invoice_id"], note["total_pence"]) == ("credit_note", dispute.invoice_id, owed)
    assert bill["status"] in PAYABLE and not [d for d in bill["disputes"] if not d["closed_on"]]


async def test_payment_files_pay_the_approved_invoices_net_of_the_credit_notes_and_the_direct_payments(
        stack, month, weeks):
    council, ledger = month.council, month.ledger
    account = {p.key: ((p.new_bank or p.bank).sort_code, (p.new_bank or p.bank).account_number)
               for p in council.providers}
    disputed = await _get(f"{stack['invoicing']}/invoices/{ledger.dispute.invoice_id}")
    weekly = expected.weekly_run_by_provider(month, weeks, credited=(disputed["agreement_ids"][0],
                                                                     ledger.dispute.credit_pence))
    four_weekly = expected_isf.four_weekly_run_by_provider(month)  # care homes, and the ISFs' advances
    dps = expected.direct_payments(month, ledger.runs["four_weekly"].pay_date)
    for kind, by_provider, dp_total in (("weekly", weekly, 0), ("four_weekly", four_weekly, sum(dps.values()))):
        run = ledger.runs[kind]
        bacs = read_bacs(run.files["bacs"])
        total = sum(by_provider.values()) + dp_total
        assert (bacs.contra_pence, bacs.utl1_credit_pence, sum(bacs.credits.values())) == (total, total, total), kind
        assert pain001_control_sum(run.files["pain001"]) == total == run.total_pence, kind
        assert {k: bacs.credits.get(account[k]) for k in by_provider} == by_provider, kind
    bacs = read_bacs(ledger.runs["four_weekly"].files["bacs"])
    for person in council.of_care("direct_payment"):
        if person.nominee != "council":  # a council-managed account is paid into the council's client account
            payee = payee_of(person)
            assert bacs.credits[(payee["sort_code"], payee["account_number"])] == dps[ledger.agreement_ids[person.ref]]
    assert any(p.nominee == "council" for p in council.of_care("direct_payment"))


async def test_the_person_who_asked_about_a_missed_visit_got_an_answer_and_closed_the_query(stack, month, weeks):
    query = await _get(f"{stack['queries']}/queries/{month.ledger.missed_query_id}")
    assert (query["status"], query["outcome"]["kind"], query["rating"]) == ("closed", "no_change", 3)
    person = next(p for p in month.council.people if p.missed_query)
    missed = f"{person.index + 1:04d}-{month.council.month.day(1, 1):%Y%m%d}-"
    assert not any(visit.startswith(missed) and visit.endswith(person.schedule[0].start.replace(":", ""))
                   for (aid, _), lines in weeks.items() if aid == month.ledger.agreement_ids[person.ref]
                   for visit, _ in lines)
