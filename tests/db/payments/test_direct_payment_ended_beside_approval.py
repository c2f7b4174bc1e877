"""A direct payment ended while a run paying it in advance is approved, each in its own transaction
(agreements.events is consumed beside finance's approval): whichever commits first, the days after the
end are either not paid (the approval is refused) or paid and recovered by the ending — never paid and
forgotten. The handler and the approval run in this process against Postgres alone (a fresh copy of the
payments schema)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from contracts import agreements
from contracts.agreements import EndReason
from contracts.envelope import Actor, Event
from shared.clock import utcnow
from shared.consumer import Context
from shared.events import Cause
from shared.outbox import Outbox
from shared.testing import DatabaseOnly
from services.payments.config import payments_config
from services.payments.domain.errors import RunConflict
from services.payments.domain.run_calendar import RunKind
from services.payments.handlers import agreements as handlers
from services.payments.steps import approving, proposing
from tests.integration.foundation.helpers import incoming, side_by_side
from tests.integration.payments.payments_helpers import direct_payment, payee_account_of, working_day_after

pytestmark = pytest.mark.db
CAUSE = Cause("test-dp-ended-beside-approval", None, Actor(id="test:dp-ended", role="system"))
OUTBOX = Outbox("payments", "demo-council")


def handled(event: Event) -> tuple:
    """The event and its Context, as payments.agreements hands them to a handler."""
    message = incoming(event, "agreements", CAUSE)
    return message.event, Context(message.envelope, OUTBOX, message)


@pytest.fixture
async def pool():
    async with DatabaseOnly("payments") as db:
        yield db.pool


@pytest.mark.parametrize("first", ["ending", "approval"])
async def test_days_after_an_ending_beside_the_approval_are_not_paid_or_are_recovered(pool, first):
    pay_date = working_day_after(7)
    dp = direct_payment(pay_date, weekly_budget=7_000)  # £1,000 a day, 28 days paid in advance
    async with pool.acquire() as conn, conn.transaction():
        await handlers.on_direct_payment_agreed(conn, *handled(dp))
        await handlers.on_payee_account_set(conn, *handled(payee_account_of(dp)))
        proposed = await proposing.propose(conn, proposing.Proposal(pay_date, RunKind.AD_HOC,
                                                                    include_direct_payments=True, providers=[],
                                                                    direct_payments=[dp.agreement_id]),
                                           "u-maker", utcnow(), payments_config(), OUTBOX, CAUSE)
    run_id = proposed.run.run_id
    assert proposed.run.total_pence == 28_000
    ended = handled(agreements.DirectPaymentEnded(agreement_id=dp.agreement_id, person_ref=dp.person_ref,
                                                  end=pay_date + timedelta(days=13), reason=EndReason.MOVED_AWAY))
    checker = SimpleNamespace(subject="u-checker", role="finance_approver")

    async def end(conn):
        await handlers.on_direct_payment_ended(conn, *ended)

    async def approve(conn):
        try:
            await approving.approve(conn, run_id, checker, utcnow(), OUTBOX, CAUSE)
        except RunConflict as refused:
            return str(refused)

    steps = {"ending": end, "approval": approve}
    await side_by_side(pool, steps[first], steps["approval" if first == "ending" else "ending"])

    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM payment_runs WHERE run_id = $1", run_id)
        row = await conn.fetchrow("SELECT last_day, recovery_pence FROM direct_payments WHERE agreement_id = $1",
                                  dp.agreement_id)
    assert row["last_day"] == pay_date + timedelta(days=13)
    if status == "approved":  # the 14 days after the end were paid: the ending recovers them
        assert row["recovery_pence"] == 14_000, f"{first} first: 14 days paid after the end and not recovered"
    else:
        assert status == "proposed" and row["recovery_pence"] == 0


async def test_a_run_whose_direct_payment_changed_amount_after_it_was_proposed_is_not_approved(pool):
    """The change's adjustment covers only days already paid: approved, the run would pay the old amount for
    the days after the change and nothing would correct it. Proposed again, it pays the new amount."""
    pay_date = working_day_after(7)
    dp = direct_payment(pay_date, weekly_budget=7_000)
    checker = SimpleNamespace(subject="u-checker", role="finance_approver")
    proposal = proposing.Proposal(pay_date, RunKind.AD_HOC, include_direct_payments=True, providers=[],
                                  direct_payments=[dp.agreement_id])
    async with pool.acquire() as conn, conn.transaction():
        await handlers.on_direct_payment_agreed(conn, *handled(dp))
        await handlers.on_payee_account_set(conn, *handled(payee_account_of(dp)))
        stale = await proposing.propose(conn, proposal, "u-maker", utcnow(), payments_config(), OUTBOX, CAUSE)
    raised = dp.model_copy(update={"amount_per_four_weeks_pence": 4 * 8_400, "weekly_budget_pence": 8_400})
    async with pool.acquire() as conn, conn.transaction():
        await handlers.on_direct_payment_agreed(conn, *handled(raised))
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(RunConflict, match=f"amount of direct payment.*{dp.agreement_id}.*changed since"):
            await approving.approve(conn, stale.run.run_id, checker, utcnow(), OUTBOX, CAUSE)
    async with pool.acquire() as conn, conn.transaction():
        fresh = await proposing.propose(conn, proposal, "u-maker", utcnow(), payments_config(), OUTBOX, CAUSE)
        approved = await approving.approve(conn, fresh.run.run_id, checker, utcnow(), OUTBOX, CAUSE)
    assert (stale.run.total_pence, approved.run.total_pence) == (28_000, 33_600)
