"""An approved run is held by the database itself: each test tries to change one the way a bug or a
hand-written statement would, and the database refuses. Against Postgres alone (a fresh copy of the
payments schema): what payments is told arrives through its own consumers, and the run is proposed and
approved by the steps its API runs.

The invariants that are also refused through the API (an invoice in two approved runs, a payment that no
longer equals its lines, a crash part-way through approval or export) are checked on the stack, in
tests/integration/payments/test_invariants_held_by_the_database.py."""
from __future__ import annotations

import asyncpg
import pytest

from contracts import agreements, payee_accounts
from contracts.common import ServiceType
from contracts.envelope import Actor
from shared.auth import Principal
from shared.clock import utcnow
from shared.events import Cause
from shared.testing import DatabaseOnly
from services.payments.config import payments_config
from services.payments.domain.run_calendar import RunKind
from services.payments.handlers.agreements import AGREEMENTS, PAYEE_ACCOUNTS
from services.payments.handlers.invoicing import INVOICES
from services.payments.steps import approving, proposing
from tests.conftest import unique
from tests.integration.payments.payments_helpers import (BANK_CHECKER, BANK_MAKER, account_number, approved,
                                                         working_day_after)

pytestmark = pytest.mark.db
CAUSE = Cause("test-approved-runs-held", None, Actor(id="test:approved-runs-held", role="system"))


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def _approved_run_paying(db: DatabaseOnly, *pence: int) -> str:
    """A verified payee's approved invoices, proposed in an ad hoc run and approved; the run's id."""
    pay_date = working_day_after(7)
    provider_id, change = unique("PRV-PAY"), unique("BDC")
    account = agreements.BankAccount(sort_code="200000", account_number=account_number(),
                                     account_name=f"CARE {provider_id}")
    await db.send(AGREEMENTS, agreements.ProviderRegistered(
        provider_id=provider_id, name=f"Care Co {provider_id}", cqc_provider_id="1-" + account_number() + "12",
        cqc_location_ids=[], service_types=[ServiceType.HOME_CARE],
        self_billing=agreements.SelfBilling(in_place=False)))
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsEntered(
        provider_id=provider_id, change_id=change, account_fingerprint=account.fingerprint()), actor=BANK_MAKER)
    await db.send(PAYEE_ACCOUNTS, payee_accounts.PayeeBankDetailsVerified(provider_id=provider_id, change_id=change,
                                                                         bank_account=account), actor=BANK_CHECKER)
    await db.send(INVOICES, *[approved(provider_id, p, due=pay_date) for p in pence])
    assert db.dead == []
    proposal = proposing.Proposal(pay_date, RunKind.AD_HOC, providers=[provider_id])
    async with db.pool.acquire() as conn, conn.transaction():
        run_id = (await proposing.propose(conn, proposal, unique("u-maker"), utcnow(), payments_config(),
                                          db.outbox, CAUSE)).run.run_id
    checker = Principal(subject=unique("u-checker"), role="finance_approver")
    async with db.pool.acquire() as conn, conn.transaction():
        await approving.approve(conn, run_id, checker, utcnow(), db.outbox, CAUSE)
    return run_id


async def test_an_approved_run_cannot_be_changed_even_by_hand(db):
    run_id = await _approved_run_paying(db, 4_000, 6_000)
    statements = [
        "UPDATE payment_runs SET total_pence = total_pence + 1 WHERE run_id = $1",
        "UPDATE run_payments SET amount_pence = amount_pence + 1 WHERE run_id = $1",
        "UPDATE run_lines SET amount_pence = amount_pence + 1 WHERE run_id = $1",
        "DELETE FROM run_lines WHERE run_id = $1",
        "DELETE FROM settlements WHERE run_id = $1",
        "DELETE FROM payment_runs WHERE run_id = $1",
    ]
    for statement in statements:
        with pytest.raises(asyncpg.CheckViolationError, match="approved"):
            await db.pool.execute(statement, run_id)
    assert await db.fetchval("SELECT total_pence FROM payment_runs WHERE run_id = $1", run_id) == 10_000


async def test_a_file_whose_control_total_is_not_the_runs_is_refused(db):
    run_id = await _approved_run_paying(db, 2_500)
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await db.pool.execute("INSERT INTO run_files (run_id, name, kind, media_type, content, sha256,"
                              " control_total_pence, run_total_pence) VALUES ($1, 'bacs', 'bacs', 'text/plain',"
                              " '\\x00', repeat('0', 64), 2501, 2501)", run_id)
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await db.pool.execute("INSERT INTO run_files (run_id, name, kind, media_type, content, sha256,"
                              " control_total_pence, run_total_pence) VALUES ($1, 'bacs', 'bacs', 'text/plain',"
                              " '\\x00', repeat('0', 64), 2501, 2500)", run_id)
