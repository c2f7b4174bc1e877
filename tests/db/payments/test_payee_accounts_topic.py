"""Payments learns bank details only from agreements.payee-accounts (which only it reads): the
account-free yes/no events on agreements.events change no account, the account-bearing ones on the
new topic do, and a direct payment's account and its agreement may arrive in either order (until
both have, a run has no account to pay it into). Run through payments' own consumers against Postgres."""
from __future__ import annotations

import pytest

from contracts import agreements, payee_accounts
from contracts.envelope import Actor
from shared.testing import DatabaseOnly
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from tests.conftest import unique
from tests.integration.payments.payments_helpers import direct_payment, payee_account_of, working_day_after

pytestmark = pytest.mark.db

MAKER = Actor(id="u-maker", role="finance_officer")
CHECKER = Actor(id="u-checker", role="finance_approver")
ACCOUNT = agreements.BankAccount(sort_code="200000", account_number="33333333", account_name="CARE CO LTD")
PAYEE = "SELECT bank_status, change_id, sort_code, account_number FROM payees WHERE provider_id = $1"
DP = "SELECT sort_code, account_number, account_name FROM direct_payments WHERE agreement_id = $1"


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def test_a_providers_account_comes_only_from_the_payee_accounts_topic(db):
    pid, change = unique("PRV-ACC"), unique("BDC")
    # What every other consumer reads: no account, so payments takes nothing from it.
    await db.send(AGREEMENTS, agreements.ProviderBankDetailsChanged(provider_id=pid, change_id=change), actor=MAKER)
    await db.send(AGREEMENTS, agreements.ProviderBankDetailsVerified(provider_id=pid, change_id=change),
                  actor=CHECKER)
    assert await db.fetch(PAYEE, pid) == []
    assert await db.fetch("SELECT * FROM bank_changes WHERE provider_id = $1", pid) == []

    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsEntered(
        provider_id=pid, change_id=change, account_fingerprint=ACCOUNT.fingerprint()), actor=MAKER)
    assert dict((await db.fetch(PAYEE, pid))[0]) == {"bank_status": "held", "change_id": change, "sort_code": None,
                                                    "account_number": None}
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsVerified(provider_id=pid, change_id=change,
                                                                          bank_account=ACCOUNT), actor=CHECKER)
    assert db.dead == []
    assert dict((await db.fetch(PAYEE, pid))[0]) == {"bank_status": "verified", "change_id": change,
                                                    "sort_code": "200000", "account_number": "33333333"}


@pytest.mark.parametrize("account_first", [True, False], ids=["account first", "agreement first"])
async def test_a_direct_payments_account_is_recorded_whichever_arrives_first(db, account_first):
    dp = direct_payment(working_day_after(7), weekly_budget=7_000)
    account = payee_account_of(dp)
    expected = {"sort_code": account.payee_account.sort_code, "account_number": account.payee_account.account_number,
                "account_name": "J SMITH"}
    if account_first:
        await db.send(PAYEE_ACCOUNTS, account)
        await db.send(AGREEMENTS, dp)
    else:
        await db.send(AGREEMENTS, dp)
        assert dict((await db.fetch(DP, dp.agreement_id))[0]) == {"sort_code": None, "account_number": None,
                                                                  "account_name": None}
        await db.send(PAYEE_ACCOUNTS, account)
    assert db.dead == []
    assert dict((await db.fetch(DP, dp.agreement_id))[0]) == expected
    # Agreed again (a change of amount): the account stays.
    await db.send(AGREEMENTS, dp.model_copy(update={"amount_per_four_weeks_pence": 4 * 8_000,
                                                    "weekly_budget_pence": 8_000}))
    assert dict((await db.fetch(DP, dp.agreement_id))[0]) == expected


async def test_a_direct_payments_account_is_kept_when_it_arrives_beside_the_agreement(db):
    """The agreement and its payee account come by two consumers: handled side by side (the agreement's
    transaction not yet committed while the account's runs), the account must still land on it."""
    from shared.consumer import Context
    from services.payments.handlers.agreements import on_direct_payment_agreed, on_payee_account_set
    from tests.integration.foundation.helpers import side_by_side

    dp = direct_payment(working_day_after(7), weekly_budget=7_000)
    account = payee_account_of(dp)

    def ctx(event):
        return Context(db.envelope(event), db.outbox, None)

    await side_by_side(db.pool, lambda conn: on_direct_payment_agreed(conn, dp, ctx(dp)),
                       lambda conn: on_payee_account_set(conn, account, ctx(account)), pause=0.5)
    row = (await db.fetch(DP, dp.agreement_id))[0]
    assert row["account_number"] == account.payee_account.account_number
