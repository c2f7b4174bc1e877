"""Care bought from a council-managed direct payment's account, against Postgres alone (a fresh copy of the
payments schema): the agreements consumer records each agreement's funding; a run pays the invoices of
funded agreements from the managed client account, debits the person's ledger on export (once) and says so
(`ManagedAccountDebited`); what the account cannot pay waits; an approval that would overdraw it is refused;
and a payment typed in by hand must be for an agreement the direct payment funds. Driven through the
service's own HTTP API where finance would act."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from contracts import agreements
from contracts.envelope import Actor
from contracts.common import Cycle, Funding, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from shared.clock import utcnow
from shared.events import Cause
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.config import payments_config
from services.payments.domain.errors import RunConflict
from services.payments.handlers.agreements import AGREEMENTS
from services.payments.handlers.invoicing import INVOICES
from services.payments.steps import approving
from tests.conftest import unique
from tests.integration.foundation.helpers import side_by_side
from tests.integration.payments.payments_helpers import account_number, approved, direct_payment, working_day_after

pytestmark = pytest.mark.db
CAUSE = Cause("test-managed-funding", None, Actor(id="test:managed-funding", role="system"))


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


def care_agreement(provider_id: str, start: date, funded_by: str | None = None,
                   person_ref: str = "P-MF") -> agreements.AgreementActivated:
    """A home-care agreement paid by the council, or (funded_by) from a council-managed direct payment's account."""
    return agreements.AgreementActivated(
        agreement_id=unique("AGR-MF"), person_ref=person_ref, provider_id=provider_id,
        service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.PLAN, cycle=Cycle.WEEKLY, start=start,
        terms=[agreements.AgreementTerms(version=1, effective_from=start,
                                         rates=[agreements.Rate(unit=RateUnit.HOUR, amount_pence=2_400)])],
        mechanism=SpendMechanism.DIRECT_PAYMENT_MANAGED if funded_by else SpendMechanism.COUNCIL_ARRANGED,
        funding=Funding.MANAGED_ACCOUNT if funded_by else Funding.COUNCIL, direct_payment_id=funded_by)


async def verified_payee(db: DatabaseOnly) -> str:
    """A provider with verified bank details (how payments comes to know them is tested elsewhere)."""
    provider_id = unique("PRV-MF")
    await db.fetch("INSERT INTO payees (provider_id, name, bank_status, sort_code, account_number, account_name)"
                   " VALUES ($1, $2, 'verified', '200000', $3, $2)", provider_id, f"CARE {provider_id}",
                   account_number())
    return provider_id


async def managed_dp(db: DatabaseOnly, pay_date: date) -> agreements.DirectPaymentAgreed:
    dp = direct_payment(pay_date, weekly_budget=7_000, council_managed=True)  # £280 each four weeks
    await db.send(AGREEMENTS, dp)
    return dp


async def funded_invoice(db: DatabaseOnly, provider_id: str, pence: int, pay_date: date, dp_id: str | None,
                         invoice_id: str | None = None):
    """An approved invoice under an agreement funded by `dp_id`'s managed account (None: by the council)."""
    agreement = care_agreement(provider_id, pay_date - timedelta(days=365), dp_id)
    invoice = approved(provider_id, pence, due=pay_date, agreement_ids=[agreement.agreement_id], invoice_id=invoice_id)
    await db.send(AGREEMENTS, agreement)
    await db.send(INVOICES, invoice)
    assert db.dead == []
    return agreement, invoice


async def pay_in(client, db: DatabaseOnly, dp_id: str, pence: int) -> None:
    """Money into the managed account (the person's contribution, typed in by finance)."""
    resp = await client.post(f"/direct-payments/{dp_id}/account/entries", headers=db.auth("finance_officer"),
                             json={"on": date.today().isoformat(), "kind": "contribution_in", "amount_pence": pence,
                                   "reference": unique("CONTRIB")})
    assert resp.status_code == 201, resp.text


async def propose(client, db: DatabaseOnly, pay_date: date, **scope) -> dict:
    resp = await client.post("/payment-runs", headers=db.auth("finance_officer"),
                             json={"pay_date": pay_date.isoformat(), "kind": "ad_hoc", **scope})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_the_handler_records_where_each_agreements_money_comes_from(db):
    start = working_day_after(7)
    funded, council = care_agreement("PRV-1", start, "DP-MANAGED"), care_agreement("PRV-1", start)
    await db.send(AGREEMENTS, funded, council)
    assert await funding_of(db, funded, council) == [("managed_account", "DP-MANAGED"), ("council", None)]
    # Every agreement event carries the whole agreement: the latest wins.
    moved = agreements.AgreementVaried(**{**funded.model_dump(), "funding": Funding.COUNCIL, "direct_payment_id": None,
                                          "mechanism": SpendMechanism.COUNCIL_ARRANGED}, version=2,
                                       effective_from=start)
    await db.send(AGREEMENTS, moved)
    assert db.dead == [] and await funding_of(db, funded) == [("council", None)]


async def funding_of(db: DatabaseOnly, *given: agreements.AgreementEvent) -> list[tuple]:
    rows = {r["agreement_id"]: (r["funding"], r["direct_payment_id"])
            for r in await db.fetch("SELECT agreement_id, funding, direct_payment_id FROM agreements")}
    return [rows[a.agreement_id] for a in given]


async def test_a_run_pays_funded_invoices_from_the_managed_account_and_debits_the_ledger_once(db):
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        # The four-weekly direct payment into the managed account comes first: £280 in on the pay date.
        dp_run = await propose(client, db, pay_date, include_direct_payments=True, providers=[],
                               direct_payments=[dp.agreement_id])
        assert (await client.post(f"/payment-runs/{dp_run['run_id']}/approve",
                                  headers=db.auth("finance_approver"))).status_code == 200
        assert (await client.post(f"/payment-runs/{dp_run['run_id']}/export",
                                  headers=db.auth("finance_officer"))).status_code == 200
        provider = await verified_payee(db)
        agreement, paid = await funded_invoice(db, provider, 20_000, pay_date, dp.agreement_id)
        _, council = await funded_invoice(db, provider, 5_000, pay_date, None)

        run = await propose(client, db, pay_date, providers=[provider])
        assert [(p["amount_pence"], [(ln["line_id"], ln["funded_by"]) for ln in p["lines"]]) for p in run["payments"]] \
            == [(5_000, [(council.invoice_id, None)]), (20_000, [(paid.invoice_id, dp.agreement_id)])]
        approval = await client.post(f"/payment-runs/{run['run_id']}/approve", headers=db.auth("finance_approver"))
        assert approval.status_code == 200, approval.text
        for _ in range(2):  # exporting again serves the same files and debits nothing more
            exported = await client.post(f"/payment-runs/{run['run_id']}/export", headers=db.auth("finance_officer"))
            assert exported.status_code == 200, exported.text
        bacs = await client.get(f"/payment-runs/{run['run_id']}/files/bacs", headers=db.auth("finance_officer"))
        view = await client.get(f"/direct-payments/{dp.agreement_id}/account",
                                headers=db.auth("person", person=dp.person_ref))
        other = await client.get(f"/direct-payments/{dp.agreement_id}/account",
                                 headers=db.auth("person", person="P-SOMEONE-ELSE"))

    [managed] = [p for p in run["payments"] if p["amount_pence"] == 20_000]
    entries = await db.fetch("SELECT kind, amount_pence, reference, payee_id, on_date FROM managed_account_entries"
                             " WHERE agreement_id = $1 ORDER BY entry_id", dp.agreement_id)
    assert [(e["kind"], e["amount_pence"], e["payee_id"], e["on_date"]) for e in entries] == [
        ("direct_payment_in", 28_000, None, pay_date), ("payment_to_provider", 20_000, provider, pay_date)]
    assert entries[1]["reference"] == managed["payment_reference"]
    [debited] = await db.published("ManagedAccountDebited")
    assert (debited.payload["agreement_id"], debited.payload["person_ref"], debited.payload["payee_id"],
            debited.payload["payee_kind"], debited.payload["amount_pence"], debited.payload["balance_after_pence"],
            debited.payload["settles"], debited.payload["run_id"]) == (
        dp.agreement_id, dp.person_ref, provider, "provider", 20_000, 8_000, [paid.invoice_id], run["run_id"])
    lines = bacs.content.decode("ascii").split("\r\n")
    client_account = payments_config().settings.managed_account
    assert sum(line[15:17] == "17" for line in lines) == 2  # one contra per originating account
    assert any(line[15:17] == "99" and line[17:31] == client_account.sort_code + client_account.account_number
               and int(line[35:46]) == 20_000 for line in lines)
    assert view.status_code == 200 and other.status_code == 404
    ledger = view.json()
    assert (ledger["paid_in_pence"], ledger["paid_out_by_provider"], ledger["paid_out_by_personal_assistant"],
            ledger["balance_pence"]) == (28_000, [{"provider_id": provider, "paid_pence": 20_000}], [], 8_000)


async def test_what_the_account_cannot_pay_waits_and_approved_runs_count_against_it(db):
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        await pay_in(client, db, dp.agreement_id, 10_000)
        first, second = await verified_payee(db), await verified_payee(db)
        await funded_invoice(db, first, 8_000, pay_date, dp.agreement_id, invoice_id=unique("INV-A"))
        _, later = await funded_invoice(db, second, 5_000, pay_date, dp.agreement_id, invoice_id=unique("INV-B"))
        too_much = await propose(client, db, pay_date, providers=[second, first])
        assert [e["reason"] for e in too_much["exclusions"]] == ["insufficient_managed_funds"]
        [short] = too_much["exclusions"]
        assert short["subject"] == later.invoice_id  # taken in order of period and id: INV-A, then INV-B
        run = await propose(client, db, pay_date, providers=[first])
        assert (await client.post(f"/payment-runs/{run['run_id']}/approve",
                                  headers=db.auth("finance_approver"))).status_code == 200
        # £80 of the £100 is committed to an approved run not yet exported: £20 is left.
        waits = await propose(client, db, pay_date, providers=[second])
        mixed_provider = await verified_payee(db)
        both = [care_agreement(mixed_provider, pay_date, dp.agreement_id), care_agreement(mixed_provider, pay_date)]
        await db.send(AGREEMENTS, *both)
        await db.send(INVOICES, approved(mixed_provider, 1_000, due=pay_date,
                                         agreement_ids=[a.agreement_id for a in both]))
        mixed = await propose(client, db, pay_date, providers=[mixed_provider])
    assert waits["payments"] == [] and [e["reason"] for e in waits["exclusions"]] == ["insufficient_managed_funds"]
    detail = waits["exclusions"][0]["detail"]
    assert dp.agreement_id in detail and "£20.00 available" in detail and "£50.00" in detail
    assert [(e["reason"], e["amount_pence"]) for e in mixed["exclusions"]] == [("mixed_funding", 1_000)]
    assert "invoice the managed-account agreement separately" in mixed["exclusions"][0]["detail"]


async def test_an_approval_that_would_overdraw_the_account_is_refused_naming_it_and_the_shortfall(db):
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        await pay_in(client, db, dp.agreement_id, 10_000)
        providers = [await verified_payee(db) for _ in range(3)]
        for provider in providers:
            await funded_invoice(db, provider, 4_000, pay_date, dp.agreement_id)
        # Proposed side by side, each fits what the account holds (£100); together they would take £120.
        runs = [await propose(client, db, pay_date, providers=[p]) for p in providers]
        assert all(len(r["payments"]) == 1 for r in runs)
        assert (await client.post(f"/payment-runs/{runs[0]['run_id']}/approve",
                                  headers=db.auth("finance_approver"))).status_code == 200
    checker = SimpleNamespace(subject="u-checker", role="finance_approver")

    async def approve(run_id):
        async def step(conn):
            try:
                await approving.approve(conn, run_id, checker, utcnow(), db.outbox, CAUSE)
            except RunConflict as refused:
                return str(refused)
        return step

    # Two approvals at once: the second waits for the first's lock on the account, then sees its debit.
    first, second = await side_by_side(db.pool, await approve(runs[1]["run_id"]), await approve(runs[2]["run_id"]))
    assert first is None and dp.agreement_id in second and "short by £20.00" in second and "£20.00 available" in second
    statuses = [r["status"] for r in await db.fetch("SELECT status FROM payment_runs WHERE run_id = ANY($1::text[])"
                                                    " ORDER BY run_id", [r["run_id"] for r in runs])]
    assert sorted(statuses) == ["approved", "approved", "proposed"]


async def test_money_leaves_a_managed_account_only_through_runs_and_reclaims_never_by_hand(db):
    """One finance officer may record money paid in; a payment out typed in by hand (which no second person
    approves, no event tells and no settlement stops paying twice) is refused, naming the kind."""
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        provider = await verified_payee(db)
        funded = care_agreement(provider, pay_date, dp.agreement_id)
        await db.send(AGREEMENTS, funded)
        url, officer = f"/direct-payments/{dp.agreement_id}/account/entries", db.auth("finance_officer")
        await pay_in(client, db, dp.agreement_id, 10_000)
        refused = [await client.post(url, headers=officer, json={
            "on": date.today().isoformat(), "kind": kind, "amount_pence": 1_000, "reference": unique("HAND"), **extra})
            for kind, extra in (("payment_to_provider", {"agreement_id": funded.agreement_id}),
                                ("payment_to_provider", {}), ("recovery_to_council", {}))]
        again = await client.post(url, headers=officer, json={"on": date.today().isoformat(), "kind": "contribution_in",
                                                                "amount_pence": 5, "reference": "C-TWICE"})
        twice = await client.post(url, headers=officer, json={"on": date.today().isoformat(), "kind": "contribution_in",
                                                                "amount_pence": 5, "reference": "C-TWICE"})
    assert [r.status_code for r in refused] == [422] * 3
    assert all(["body", "kind"] in [e["loc"] for e in r.json()["errors"]] for r in refused)
    assert (again.status_code, twice.status_code) == (201, 409)
    assert [(e["kind"], e["amount_pence"]) for e in await db.fetch(
        "SELECT kind, amount_pence FROM managed_account_entries WHERE agreement_id = $1 ORDER BY entry_id",
        dp.agreement_id)] == [("contribution_in", 10_000), ("contribution_in", 5)]


async def test_a_run_proposed_before_an_agreement_changed_funding_is_not_approved(db):
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        await pay_in(client, db, dp.agreement_id, 10_000)
        provider = await verified_payee(db)
        agreement, invoice = await funded_invoice(db, provider, 4_000, pay_date, dp.agreement_id)
        run = await propose(client, db, pay_date, providers=[provider])
        await db.send(AGREEMENTS, agreements.AgreementVaried(
            **{**agreement.model_dump(), "funding": Funding.COUNCIL, "direct_payment_id": None,
               "mechanism": SpendMechanism.COUNCIL_ARRANGED}, version=2, effective_from=pay_date))
        refused = await client.post(f"/payment-runs/{run['run_id']}/approve", headers=db.auth("finance_approver"))
    assert refused.status_code == 409, refused.text
    assert invoice.invoice_id in refused.json()["detail"] and "no longer funded by" in refused.json()["detail"]


async def test_a_payment_the_bank_returns_puts_the_money_back_in_the_ledger_once(db):
    """Returned by the bank (two people), a payment from a managed account credits the person's ledger with
    what it took, once, and no longer counts as paid to the provider."""
    pay_date = working_day_after(7)
    async with db.http(app) as client:
        dp = await managed_dp(db, pay_date)
        await pay_in(client, db, dp.agreement_id, 30_000)
        provider = await verified_payee(db)
        await funded_invoice(db, provider, 20_000, pay_date, dp.agreement_id)
        run = await propose(client, db, pay_date, providers=[provider])
        for step, who in (("approve", "finance_approver"), ("export", "finance_officer")):
            done = await client.post(f"/payment-runs/{run['run_id']}/{step}", headers=db.auth(who))
            assert done.status_code == 200, done.text
        [payment] = run["payments"]
        report = f"payment_reference,status,reason\n{payment['payment_reference']},returned,account closed\n"
        recorded = await client.post(f"/payment-runs/{run['run_id']}/confirmations", content=report.encode(),
                                     headers={**db.auth("finance_officer"), "Content-Type": "text/csv"})
        assert recorded.status_code == 200, recorded.text
        [pending] = recorded.json()["returns_pending"]
        for _ in range(2):  # approved once; a second approval changes nothing
            await client.post(f"/payment-returns/{pending['return_id']}/approve", headers=db.auth("finance_approver"))
        after_return = (await client.get(f"/direct-payments/{dp.agreement_id}/account",
                                         headers=db.auth("finance_officer"))).json()
    entries = await db.fetch("SELECT kind, amount_pence, payee_id FROM managed_account_entries WHERE agreement_id = $1"
                             " ORDER BY entry_id", dp.agreement_id)
    assert [(e["kind"], e["amount_pence"], e["payee_id"]) for e in entries] == [
        ("contribution_in", 30_000, None), ("payment_to_provider", 20_000, provider),
        ("payment_returned", 20_000, provider)]
    assert after_return["balance_pence"] == 30_000
    assert after_return["paid_out_by_provider"] == [{"provider_id": provider, "paid_pence": 0}]
