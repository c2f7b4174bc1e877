"""Reclaims of direct payments through the payments HTTP API against Postgres alone: never more than the
balance (422), two people (the raiser cannot approve), netted from the next payments across runs (never
below 1p, the rest carried; the database refuses netting a reclaim twice or beyond its amount), debts in
the debtors export once each, and a council-managed account's unspent money recovered into the ledger."""
from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from contracts import agreements
from contracts.agreements import EndReason
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS
from tests.db.payments.dp_helpers import agreed, paid_run, working_day_on_or_after
from tests.integration.payments.payments_helpers import working_day_after

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def signed_off_return(db: DatabaseOnly, client, dp, start: date, end: date, closing: int) -> str:
    sent = await client.post(f"/direct-payments/{dp.agreement_id}/returns",
                             headers=db.auth("person", person=dp.person_ref),
                             json={"period_start": str(start), "period_end": str(end), "opening_balance_pence": 0,
                                   "closing_balance_pence": closing,
                                   "paid_in": [{"category": "direct_payment", "amount_pence": closing}]})
    assert sent.status_code == 201, sent.text
    return_id = sent.json()["return_id"]
    audited = await client.post(f"/direct-payment-returns/{return_id}/audit", json={},
                                headers=db.auth("finance_officer", subject="u-auditor"))
    assert audited.status_code == 200, audited.text
    signed = await client.post(f"/direct-payment-returns/{return_id}/sign-off",
                               headers=db.auth("finance_approver", subject="u-signer"))
    assert signed.status_code == 200, signed.text
    return return_id


async def raised(db, client, agreement_id: str, **body) -> dict:
    resp = await client.post(f"/direct-payments/{agreement_id}/reclaims", json=body,
                             headers=db.auth("finance_officer", subject="u-raiser"))
    assert resp.status_code == 202, resp.text
    return resp.json()


async def approved(db, client, reclaim_id: str) -> dict:
    resp = await client.post(f"/dp-reclaims/{reclaim_id}/approve", headers=db.auth("finance_approver",
                                                                                    subject="u-approver"))
    assert resp.status_code == 200, resp.text
    return resp.json()


def reclaim_lines(run: dict) -> list[tuple[str, int]]:
    return [(ln["line_id"], ln["amount_pence"]) for p in run["payments"] for ln in p["lines"]
            if ln["kind"] == "reclaim"]


async def test_a_surplus_is_netted_from_the_next_payments_across_two_runs(db):
    today = london_date(utcnow())
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=10))  # £2,000 a day
        return_id = await signed_off_return(db, client, dp, today - timedelta(days=10), today - timedelta(days=1),
                                            300_000)  # 8 weeks of £140 is £1,120: a £1,880 surplus
        url = f"/direct-payments/{dp.agreement_id}/reclaims"
        too_much = await client.post(url, json={"amount_pence": 188_001, "reason": "surplus", "method": "netting",
                                                "return_id": return_id}, headers=db.auth("finance_officer"))
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["loc"] == ["body", "amount_pence"]
        reclaim = await raised(db, client, dp.agreement_id, amount_pence=150_000, reason="surplus",
                               method="netting", return_id=return_id)
        assert reclaim["status"] == "pending" and await db.published("DirectPaymentReclaimRaised") == []
        nothing_yet = await paid_run(db, client, pay_date, dp.agreement_id, approve=False)
        assert reclaim_lines(nothing_yet) == []  # pending: nothing is netted
        self_approved = await client.post(f"/dp-reclaims/{reclaim['reclaim_id']}/approve",
                                          headers=db.auth("finance_approver", subject="u-raiser"))
        assert self_approved.status_code == 403
        await approved(db, client, reclaim["reclaim_id"])
        [event] = await db.published("DirectPaymentReclaimRaised")
        assert {k: event.payload[k] for k in ("agreement_id", "person_ref", "reclaim_id", "reason", "method",
                                              "amount_pence", "raised_by", "approved_by")} == {
            "agreement_id": dp.agreement_id, "person_ref": dp.person_ref, "reclaim_id": reclaim["reclaim_id"],
            "reason": "surplus", "method": "netting", "amount_pence": 150_000, "raised_by": "u-raiser",
            "approved_by": "u-approver"}

        first = await paid_run(db, client, pay_date, dp.agreement_id)
        [payment] = first["payments"]
        gross = sum(ln["amount_pence"] for ln in payment["lines"] if ln["kind"] == "direct_payment")
        assert gross < 150_000
        assert reclaim_lines(first) == [(f"RECLAIM/{reclaim['reclaim_id']}/1", -(gross - 1))]
        assert payment["amount_pence"] == 1  # netted to a penny: the rest waits for the next payment
        second = await paid_run(db, client, working_day_on_or_after(pay_date + timedelta(days=28)), dp.agreement_id)
        rest = 150_000 - (gross - 1)
        assert reclaim_lines(second) == [(f"RECLAIM/{reclaim['reclaim_id']}/2", -rest)]
        assert second["payments"][0]["amount_pence"] == 56_000 - rest
        [listed] = (await client.get(url, headers=db.auth("person", person=dp.person_ref))).json()
        assert listed["netted_pence"] == 150_000
        third = await paid_run(db, client, working_day_on_or_after(pay_date + timedelta(days=56)), dp.agreement_id,
                               approve=False)
        assert reclaim_lines(third) == []  # used up


async def test_the_database_refuses_netting_a_reclaim_twice_or_beyond_its_amount(db):
    today = london_date(utcnow())
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=10))
        return_id = await signed_off_return(db, client, dp, today - timedelta(days=10), today - timedelta(days=1),
                                            200_000)
        reclaim = await raised(db, client, dp.agreement_id, amount_pence=10_000, reason="surplus",
                               method="netting", return_id=return_id)
        await approved(db, client, reclaim["reclaim_id"])
        one = await paid_run(db, client, pay_date, dp.agreement_id, approve=False)
        two = await paid_run(db, client, pay_date, dp.agreement_id, approve=False)
        assert reclaim_lines(one) == reclaim_lines(two) == [(f"RECLAIM/{reclaim['reclaim_id']}/1", -10_000)]
        # Beyond its amount: a reclaim line made larger than the reclaim (with its payment and run to match).
        await db.fetch("UPDATE run_lines SET amount_pence = amount_pence - 5 WHERE run_id = $1 AND kind = 'reclaim'",
                       two["run_id"])
        await db.fetch("UPDATE run_payments SET amount_pence = amount_pence - 5 WHERE run_id = $1", two["run_id"])
        await db.fetch("UPDATE payment_runs SET total_pence = total_pence - 5 WHERE run_id = $1", two["run_id"])
        refused = await client.post(f"/payment-runs/{two['run_id']}/approve",
                                    headers=db.auth("finance_approver", subject="u-checker"))
        assert refused.status_code == 409 and "beyond their amount" in refused.text
        assert (await client.post(f"/payment-runs/{one['run_id']}/approve",
                                  headers=db.auth("finance_approver", subject="u-checker"))).status_code == 200
        three = await paid_run(db, client, pay_date, dp.agreement_id, approve=False)
        assert reclaim_lines(three) == []
        # Twice: a run proposed beside the one approved carries the same netting, and is refused.
        twice = await client.post(f"/payment-runs/{two['run_id']}/approve",
                                  headers=db.auth("finance_approver", subject="u-checker"))
        assert twice.status_code == 409 and f"RECLAIM/{reclaim['reclaim_id']}/1" in twice.text
        [netted] = await db.fetch("SELECT * FROM direct_payment_reclaim_nettings")
        assert (netted["run_id"], netted["amount_pence"]) == (one["run_id"], 10_000)
        with pytest.raises(asyncpg.CheckViolationError, match="approved_by_a_second_person"):
            await db.fetch("UPDATE direct_payment_reclaims SET approved_by = raised_by")


async def test_unspent_money_at_the_end_is_a_debt_exported_once_to_the_debtors_system(db):
    today = london_date(utcnow())
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90))
        await db.send(AGREEMENTS, agreements.DirectPaymentEnded(agreement_id=dp.agreement_id, person_ref=dp.person_ref,
                                                                end=today - timedelta(days=5), reason=EndReason.DEATH))
        early = await signed_off_return(db, client, dp, today - timedelta(days=60), today - timedelta(days=31), 90_000)
        final = await signed_off_return(db, client, dp, today - timedelta(days=30), today - timedelta(days=1), 80_000)
        url = f"/direct-payments/{dp.agreement_id}/reclaims"
        for body, field in (({"amount_pence": 80_001, "return_id": final}, "amount_pence"),
                            ({"amount_pence": 1_000, "return_id": early}, "return_id"),
                            ({"amount_pence": 1_000, "return_id": final, "method": "netting"}, "method")):
            refused = await client.post(url, json={"reason": "unspent_at_end", "method": "debt", **body},
                                        headers=db.auth("finance_officer"))
            assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", field], refused.text
        assert "a reclaim larger than the balance" in (await client.post(
            url, json={"reason": "unspent_at_end", "method": "debt", "amount_pence": 80_001, "return_id": final},
            headers=db.auth("finance_officer"))).text
        debt = await raised(db, client, dp.agreement_id, amount_pence=80_000, reason="unspent_at_end",
                            method="debt", return_id=final)
        finance = db.auth("finance_officer")
        assert (await client.get("/debts", headers=finance)).json() == []  # not a debt until approved
        await approved(db, client, debt["reclaim_id"])

        [read] = (await client.get("/debts", headers=finance)).json()  # reading exports nothing
        assert read["exported_at"] is None
        assert len((await client.get("/debts?status=unexported", headers=finance)).json()) == 1
        exported = await client.post("/debts/exports", headers=finance)
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        assert exported.text.splitlines() == [
            "person_ref,reclaim_id,agreement_id,amount_pence,reason,raised_on",
            f"{dp.person_ref},{debt['reclaim_id']},{dp.agreement_id},80000,unspent_at_end,{today}"]
        assert (await client.post("/debts/exports", headers=finance)).text.splitlines()[1:] == []  # handed over once
        assert (await client.get("/debts?status=unexported&format=csv", headers=finance)).text.splitlines()[1:] == []
        [again] = (await client.get("/debts", headers=finance)).json()  # everything, with when it was first exported
        [row] = await db.fetch("SELECT exported_at FROM direct_payment_reclaims")
        assert again["reclaim_id"] == debt["reclaim_id"] and again["exported_at"] is not None
        since = row["exported_at"].isoformat()

        other = await agreed(db, today - timedelta(days=90))
        await db.send(AGREEMENTS, agreements.DirectPaymentEnded(
            agreement_id=other.agreement_id, person_ref=other.person_ref, end=today - timedelta(days=5),
            reason=EndReason.MOVED_AWAY))
        other_final = await signed_off_return(db, client, other, today - timedelta(days=30), today - timedelta(days=1),
                                              5_000)
        second = await raised(db, client, other.agreement_id, amount_pence=5_000, reason="unspent_at_end",
                              method="debt", return_id=other_final)
        await approved(db, client, second["reclaim_id"])
        new = (await client.get("/debts", params={"since": since}, headers=finance)).json()
        assert [d["reclaim_id"] for d in new] == [second["reclaim_id"]]
        assert [d["reclaim_id"] for d in (await client.post("/debts/exports?format=json", headers=finance)).json()
                ] == [second["reclaim_id"]]
        assert (await client.get("/debts?status=unexported", headers=finance)).json() == []
        assert (await client.get("/debts", headers=db.auth("person", person=dp.person_ref))).status_code == 403

        first = await client.get("/debts", params={"limit": 1}, headers=finance)  # a page at a time
        rest = await client.get(first.links["next"]["url"], headers=finance)
        assert [d["reclaim_id"] for d in first.json() + rest.json()] == [debt["reclaim_id"], second["reclaim_id"]]
        assert "next" not in rest.links
        as_csv = await client.get("/debts", params={"limit": 1, "format": "csv"}, headers=finance)
        assert as_csv.text.splitlines()[1].split(",")[1] == debt["reclaim_id"] and "next" in as_csv.links
        for since in ("0.5", "2026-01-01T00:00:00"):  # not a time, or a time without its offset
            refused = await client.get("/debts", params={"since": since}, headers=finance)
            assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "query.since"
        everything = await client.get("/debts", params={"since": "0001-01-01T00:00:00+14:00"}, headers=finance)
        assert len(everything.json()) == 2  # before UTC's first day: since ever


async def test_a_council_managed_accounts_unspent_money_leaves_its_ledger_once_two_people_approve(db):
    today = london_date(utcnow())
    async with db.http(app) as client:
        dp = await agreed(db, today - timedelta(days=90), council_managed=True)
        officer = db.auth("finance_officer", subject="u-raiser")
        entry = await client.post(f"/direct-payments/{dp.agreement_id}/account/entries", headers=officer,
                                  json={"on": str(today - timedelta(days=20)), "kind": "contribution_in",
                                        "amount_pence": 50_000, "reference": "CONTRIB-1"})
        assert entry.status_code == 201, entry.text
        url = f"/direct-payments/{dp.agreement_id}/reclaims"
        body = {"amount_pence": 30_000, "reason": "unspent_at_end", "method": "netting"}
        not_ended = await client.post(url, json=body, headers=officer)
        assert not_ended.status_code == 422 and not_ended.json()["errors"][0]["loc"] == ["body", "reason"]
        await db.send(AGREEMENTS, agreements.DirectPaymentEnded(agreement_id=dp.agreement_id, person_ref=dp.person_ref,
                                                                end=today - timedelta(days=1), reason=EndReason.DEATH))
        # A run not yet exported will pay £200 from the account (a provider's invoice it funds).
        await db.fetch("INSERT INTO payment_runs (run_id, run_number, kind, pay_date, processing_day, proposed_by,"
                       " proposed_at, total_pence, payment_count) VALUES ('RUN-FUNDED', 999, 'ad_hoc', $1, $2, 'u-m',"
                       " now(), 20000, 1)", today + timedelta(days=7), today + timedelta(days=6))
        await db.fetch("INSERT INTO run_payments (run_id, run_status, payment_reference, seq, payee_kind, payee_id,"
                       " payee_name, sort_code, account_number, account_name, account_verified, amount_pence)"
                       " VALUES ('RUN-FUNDED', 'proposed', 'CP000999-00001', 1, 'provider', 'PRV-1', 'Care',"
                       " '200000', '12345678', 'CARE', true, 20000)")
        await db.fetch("INSERT INTO run_lines (run_id, payment_reference, seq, line_id, kind, settles, description,"
                       " person_ref, service_type, cost_centre, period_start, period_end, amount_pence, funded_by)"
                       " VALUES ('RUN-FUNDED', 'CP000999-00001', 1, 'INV-F', 'invoice', 'INV-F', 'Invoice', $1,"
                       " 'home_care', 'ASC', $2, $2, 20000, $3)", dp.person_ref, today - timedelta(days=3),
                       dp.agreement_id)
        for refused_body, field in (({**body, "amount_pence": 30_001}, "amount_pence"),
                                    ({**body, "method": "debt"}, "method"),
                                    ({**body, "reason": "surplus"}, "reason")):
            refused = await client.post(url, json=refused_body, headers=officer)
            assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", field], refused.text
        reclaim = await raised(db, client, dp.agreement_id, **body)
        assert (await client.post(url, json={**body, "amount_pence": 1}, headers=officer)).status_code == 422
        assert await db.fetch("SELECT * FROM managed_account_entries WHERE kind = 'recovery_to_council'") == []
        await approved(db, client, reclaim["reclaim_id"])
        account = (await client.get(f"/direct-payments/{dp.agreement_id}/account", headers=officer)).json()
        assert account["balance_pence"] == 20_000  # what the pending debit will take
        assert [(e["kind"], e["amount_pence"], e["reference"]) for e in account["entries"]][-1] == (
            "recovery_to_council", 30_000, reclaim["reclaim_id"])
        [event] = await db.published("DirectPaymentReclaimRaised")
        assert (event.payload["method"], event.payload["reason"]) == ("netting", "unspent_at_end")
