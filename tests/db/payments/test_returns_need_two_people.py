"""A payment the bank returned, and the release of the hold it leaves, each need two people: the
finance user who records it changes nothing (the payment stays as it was, no hold is set or lifted),
the same person cannot approve it, and only a different finance approver's approval moves it. Against
Postgres alone (a fresh copy of the payments schema), through the steps the API runs."""
from __future__ import annotations

import asyncpg
import pytest

from contracts.envelope import Actor
from shared.auth import Principal
from shared.clock import london_date, utcnow
from shared.events import Cause
from shared.testing import DatabaseOnly
from services.payments.config import payments_config
from services.payments.domain.errors import NotPermitted, RunConflict
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.two_person import SubjectKind
from services.payments.handlers.invoicing import INVOICES
from services.payments.steps import approving, confirming, exporting, proposing, releasing
from tests.conftest import unique
from tests.integration.payments.payments_helpers import account_number, approved, working_day_after

pytestmark = pytest.mark.db
CAUSE = Cause("test-returns-two-people", None, Actor(id="test:returns-two-people", role="system"))
OFFICER = Principal(subject="u-officer", role="finance_officer")
APPROVER = Principal(subject="u-approver", role="finance_approver")
OTHER_APPROVER = Principal(subject="u-approver-2", role="finance_approver")


@pytest.fixture
async def db():
    async with DatabaseOnly("payments") as db:
        yield db


async def _exported_payment(db: DatabaseOnly) -> tuple[str, str, str]:
    """An exported run paying one invoice to a verified payee: (run_id, payment_reference, invoice_id)."""
    pay_date = working_day_after(7)
    provider_id = unique("PRV-RET")
    # A verified payee (how payments comes to know one is tested elsewhere).
    await db.pool.execute("INSERT INTO payees (provider_id, name, bank_status, sort_code, account_number, account_name)"
                          " VALUES ($1, $2, 'verified', '200000', $3, $2)", provider_id, f"CARE {provider_id}",
                          account_number())
    invoice = approved(provider_id, 45_000, due=pay_date)
    await db.send(INVOICES, invoice)
    assert db.dead == []
    async with db.pool.acquire() as conn, conn.transaction():
        run = (await proposing.propose(conn, proposing.Proposal(pay_date, RunKind.AD_HOC, providers=[provider_id]),
                                       "u-maker", utcnow(), payments_config(), db.outbox, CAUSE)).run
    async with db.pool.acquire() as conn, conn.transaction():
        await approving.approve(conn, run.run_id, Principal(subject="u-checker", role="finance_approver"), utcnow(),
                                db.outbox, CAUSE)
    async with db.pool.acquire() as conn, conn.transaction():
        await exporting.export(conn, run.run_id, "u-exporter", payments_config(), db.outbox, CAUSE)
    [payment] = run.payments
    return run.run_id, payment.reference, invoice.invoice_id


async def _state(db: DatabaseOnly, run_id: str, reference: str, invoice_id: str) -> tuple:
    outcome = await db.fetchval("SELECT outcome FROM run_payments WHERE run_id = $1 AND payment_reference = $2",
                                run_id, reference)
    returned = await db.fetchval("SELECT bool_or(returned) FROM settlements WHERE run_id = $1", run_id)
    hold = await db.fetchval("SELECT return_hold FROM invoices WHERE invoice_id = $1", invoice_id)
    return outcome, returned, hold


async def _upload_return(db: DatabaseOnly, run_id: str, reference: str, by: Principal) -> confirming.Confirmed:
    async with db.pool.acquire() as conn, conn.transaction():
        return await confirming.confirm(conn, run_id, f"payment_reference,status,reason\n{reference},returned,"
                                        "account closed\n", london_date(utcnow()), by, db.outbox, CAUSE)


async def _approve_return(db: DatabaseOnly, return_id: str, by: Principal):
    async with db.pool.acquire() as conn, conn.transaction():
        return await confirming.approve_return(conn, return_id, by, utcnow(), db.outbox, CAUSE)


async def test_a_recorded_return_moves_nothing_until_a_different_finance_approver_approves_it(db):
    run_id, reference, invoice_id = await _exported_payment(db)

    done = await _upload_return(db, run_id, reference, APPROVER)
    [(payment, pending)] = done.returns_pending
    assert (payment.reference, pending.recorded_by, done.returned) == (reference, "u-approver", [])
    assert await _state(db, run_id, reference, invoice_id) == ("instructed", False, None)
    assert await db.published("PaymentReturned", "DirectPaymentReturned") == []
    [recorded] = await db.published("PaymentReturnRecorded")
    assert (recorded.payload["recorded_by"], recorded.payload["reason"]) == ("u-approver", "account closed")

    again = await _upload_return(db, run_id, reference, OFFICER)  # the same report again: one pending return
    assert (again.returns_pending, again.already_recorded) == ([], 1)

    with pytest.raises(NotPermitted, match="u-approver recorded .* and cannot also approve it"):
        await _approve_return(db, pending.decision_id, APPROVER)
    assert await _state(db, run_id, reference, invoice_id) == ("instructed", False, None)

    await _approve_return(db, pending.decision_id, OTHER_APPROVER)
    outcome, returned, hold = await _state(db, run_id, reference, invoice_id)
    assert (outcome, returned) == ("returned", True) and "account closed" in hold
    [approval] = await db.published("PaymentReturnApproved")
    assert (approval.payload["recorded_by"], approval.payload["approved_by"]) == ("u-approver", "u-approver-2")
    assert len(await db.published("PaymentReturned")) == 1
    with pytest.raises(RunConflict, match="already approved by u-approver-2"):
        await _approve_return(db, pending.decision_id, Principal(subject="u-approver-3", role="finance_approver"))


async def test_the_database_refuses_a_decision_approved_by_the_one_who_recorded_it(db):
    run_id, reference, _ = await _exported_payment(db)
    [(_, pending)] = (await _upload_return(db, run_id, reference, OFFICER)).returns_pending
    with pytest.raises(asyncpg.CheckViolationError, match="decided_by_a_second_person"):
        await db.pool.execute("UPDATE two_person_decisions SET status = 'approved', approved_by = recorded_by,"
                              " approved_at = now() WHERE decision_id = $1", pending.decision_id)


async def _request_release(db: DatabaseOnly, invoice_id: str, by: Principal):
    async with db.pool.acquire() as conn, conn.transaction():
        return await releasing.request_release(conn, SubjectKind.INVOICE, invoice_id, "provider confirmed its new "
                                               "account", by, utcnow(), db.outbox, CAUSE)


async def _approve_release(db: DatabaseOnly, release_id: str, by: Principal):
    async with db.pool.acquire() as conn, conn.transaction():
        return await releasing.approve_release(conn, release_id, by, utcnow(), db.outbox, CAUSE)


async def test_a_hold_is_released_only_when_a_different_finance_approver_approves_the_release(db):
    run_id, reference, invoice_id = await _exported_payment(db)
    [(_, pending_return)] = (await _upload_return(db, run_id, reference, OFFICER)).returns_pending
    await _approve_return(db, pending_return.decision_id, APPROVER)

    release = await _request_release(db, invoice_id, APPROVER)
    assert (release.status.value, release.recorded_by) == ("pending", "u-approver")
    assert "account closed" in (await _state(db, run_id, reference, invoice_id))[2]
    with pytest.raises(RunConflict, match=f"already has release {release.decision_id}"):
        await _request_release(db, invoice_id, OFFICER)
    with pytest.raises(NotPermitted, match="u-approver recorded .* and cannot also approve it"):
        await _approve_release(db, release.decision_id, APPROVER)
    assert "account closed" in (await _state(db, run_id, reference, invoice_id))[2]
    assert await db.published("PaymentHoldReleased") == []

    done = await _approve_release(db, release.decision_id, OTHER_APPROVER)
    assert done.released and (await _state(db, run_id, reference, invoice_id))[2] is None
    [released] = await db.published("PaymentHoldReleased")
    assert (released.payload["held_id"], released.payload["recorded_by"], released.payload["approved_by"],
            released.payload["reason"]) == (invoice_id, "u-approver", "u-approver-2",
                                            "provider confirmed its new account")


async def test_there_is_no_release_to_ask_for_without_a_hold(db):
    _, _, invoice_id = await _exported_payment(db)
    with pytest.raises(LookupError):
        await _request_release(db, invoice_id, OFFICER)
