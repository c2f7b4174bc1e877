"""Setting up personal assistants for the database-only tier: a direct payment and its PAs as agreements would
publish them (agreements.events, agreements.payee-accounts), tokens, and timesheets through the HTTP API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from contracts import agreements, payee_accounts
from contracts.agreements import PersonalAssistantRate, TimeBand
from shared.auth import mint_token
from shared.clock import london_date, utcnow, week_start
from shared.testing import DatabaseOnly
from services.payments.config import payments_config
from services.payments.domain.run_calendar import RunKind
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from tests.conftest import unique
from tests.integration.payments.payments_helpers import BANK_CHECKER, BANK_MAKER, account_number, direct_payment

RATES = [PersonalAssistantRate(time_band=TimeBand.DAY, hourly_pence=1200),
         PersonalAssistantRate(time_band=TimeBand.EVENING, hourly_pence=1400),
         PersonalAssistantRate(time_band=TimeBand.NIGHT, hourly_pence=1600)]


def last_week() -> date:
    """The Monday of the week before this one (its days have all passed)."""
    return week_start(london_date(utcnow())) - timedelta(days=7)


def next_weekly_pay_date() -> date:
    """The pay date of the next weekly run whose Bacs file can still be submitted."""
    today = london_date(utcnow())
    runs = payments_config().calendar.runs_between(today + timedelta(days=1), today + timedelta(days=21))
    return next(r.pay_date for r in runs if r.kind is RunKind.WEEKLY and r.bacs.submit_by >= today)


@dataclass
class Household:
    dp: agreements.DirectPaymentAgreed
    pas: list[agreements.PersonalAssistantRegistered]

    @property
    def agreement_id(self) -> str:
        return self.dp.agreement_id

    @property
    def person_ref(self) -> str:
        return self.dp.person_ref


def pa_registered(dp: agreements.DirectPaymentAgreed, **kw) -> agreements.PersonalAssistantRegistered:
    return agreements.PersonalAssistantRegistered(
        pa_id=kw.pop("pa_id", unique("PA")), direct_payment_id=dp.agreement_id, person_ref=dp.person_ref,
        employee_ref=kw.pop("employee_ref", unique("EMP")),
        employed_from=kw.pop("employed_from", last_week() - timedelta(days=28)), rates=kw.pop("rates", RATES), **kw)


async def household(db: DatabaseOnly, *, council_managed: bool = True, pas: int = 1,
                    bank_details: bool = True, funds_pence: int = 500_000) -> Household:
    """A direct payment and its PAs, each PA's bank details entered and verified by two people; a
    council-managed one with `funds_pence` already paid into its account (what its PAs are paid from)."""
    dp = direct_payment(last_week() - timedelta(days=28), weekly_budget=70_000, council_managed=council_managed)
    registered = [pa_registered(dp) for _ in range(pas)]
    await db.send(AGREEMENTS, dp, *registered)
    if council_managed and funds_pence:
        await db.fetch("INSERT INTO managed_account_entries (agreement_id, on_date, kind, amount_pence, reference,"
                       " recorded_by) VALUES ($1, $2, 'direct_payment_in', $3, 'FUNDS-IN', 'test')",
                       dp.agreement_id, dp.start, funds_pence)
    if bank_details:
        for pa in registered:
            await verified_account(db, pa.pa_id)
    assert db.dead == []
    return Household(dp, registered)


async def verified_account(db: DatabaseOnly, pa_id: str) -> agreements.BankAccount:
    account = agreements.BankAccount(sort_code="200000", account_number=account_number(), account_name="A PA")
    change = unique("BDC")
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsEntered(
        provider_id=pa_id, change_id=change, account_fingerprint=account.fingerprint()), actor=BANK_MAKER)
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsVerified(
        provider_id=pa_id, change_id=change, bank_account=account), actor=BANK_CHECKER)
    return account


def as_pa(db: DatabaseOnly, pa_id: str) -> dict[str, str]:
    token = mint_token(db.settings.auth_secret, subject=f"u-{pa_id}", role="personal_assistant", pa_id=pa_id)
    return {"Authorization": f"Bearer {token}"}


def shift(day: date, start: str, end: str, note: str = "") -> dict:
    return {"work_date": day.isoformat(), "start": start, "end": end, "note": note}


async def submitted(client: httpx.AsyncClient, db: DatabaseOnly, pa_id: str, *shifts: dict,
                    headers: dict | None = None) -> dict:
    answer = await client.post(f"/personal-assistants/{pa_id}/timesheets", json={"shifts": list(shifts)},
                               headers=headers or as_pa(db, pa_id))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def approved_timesheet(client: httpx.AsyncClient, db: DatabaseOnly, home: Household, pa_id: str,
                             *shifts: dict) -> dict:
    sheet = await submitted(client, db, pa_id, *shifts)
    employer = db.auth("finance_officer") if home.dp.nominee == "council" else db.auth("person", person=home.person_ref)
    answer = await client.post(f"/timesheets/{sheet['timesheet_id']}/approve", headers=employer)
    assert answer.status_code == 200, answer.text
    return answer.json()
