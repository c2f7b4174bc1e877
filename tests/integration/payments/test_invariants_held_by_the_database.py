"""The rules that cost money when broken hold in the database itself: each test tries to break one
the way a bug or a hand-written statement would, and the database refuses. The tests here also go through
the API (its refusals, and a crash part-way through a request); that an approved run and its files cannot
be changed by hand is checked against Postgres alone, in
tests/db/payments/test_approved_runs_held_by_the_database.py."""
from __future__ import annotations

import asyncpg
import pytest

from tests.conftest import auth, unique
from tests.integration.payments.payments_helpers import (approve, approve_invoices, approved, payee, propose,
                                                         working_day_after)

pytestmark = pytest.mark.stack

FORCE_APPROVAL = ("UPDATE payments.payment_runs SET status = 'approved', approved_by = 'sql', approved_at = now()"
                  " WHERE run_id = $1")


async def _run_paying(http, base, producer, *pence: int) -> tuple[str, list[str], dict]:
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    invoices = [approved(one.provider_id, p, due=pay_date) for p in pence]
    await approve_invoices(producer, http, base, *invoices)
    body = {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]}
    return one.provider_id, [i.invoice_id for i in invoices], body


async def test_an_invoice_is_in_at_most_one_approved_run_even_when_forced_through_sql(http, stack, producer, db):
    base = stack["payments"]
    _, [invoice_id], body = await _run_paying(http, base, producer, 15_000)
    first, second = await propose(http, base, body), await propose(http, base, body)
    assert (await approve(http, base, first["run_id"])).status_code == 200

    refused = await approve(http, base, second["run_id"])
    assert refused.status_code == 409
    assert invoice_id in refused.text and first["run_id"] in refused.text

    with pytest.raises(asyncpg.UniqueViolationError, match="one_approved_run_per_document"):
        await db.execute(FORCE_APPROVAL, second["run_id"])
    with pytest.raises(asyncpg.UniqueViolationError, match="one_approved_run_per_document"):
        await db.execute("INSERT INTO payments.settlements (document_id, kind, settles, run_id, payment_reference)"
                         " SELECT line_id, kind, settles, $1, payment_reference FROM payments.run_lines"
                         " WHERE run_id = $2", second["run_id"], first["run_id"])
    with pytest.raises(asyncpg.CheckViolationError, match="approved"):
        await db.execute("INSERT INTO payments.run_lines SELECT $1, payment_reference, seq + 1000, line_id || '-2',"
                         " kind, settles, description, person_ref, service_type, cost_centre, period_start,"
                         " period_end, amount_pence, agreement_end, adjustment_ids FROM payments.run_lines"
                         " WHERE run_id = $1", first["run_id"])
    settled = await db.fetchval("SELECT count(*) FROM payments.settlements WHERE document_id = $1"
                                " AND NOT returned", invoice_id)
    assert settled == 1


async def test_no_negative_payment_and_no_run_whose_lines_do_not_add_up(http, stack, producer, db):
    base = stack["payments"]
    _, _, body = await _run_paying(http, base, producer, 9_000)
    run = await propose(http, base, body)
    with pytest.raises(asyncpg.CheckViolationError, match="amount_pence"):
        await db.execute("UPDATE payments.run_payments SET amount_pence = -9000 WHERE run_id = $1", run["run_id"])
    # A payment that no longer equals its lines (with the run total moved to match) is never approved.
    await db.execute("UPDATE payments.run_payments SET amount_pence = amount_pence + 1 WHERE run_id = $1",
                     run["run_id"])
    await db.execute("UPDATE payments.payment_runs SET total_pence = total_pence + 1 WHERE run_id = $1", run["run_id"])
    refused = await approve(http, base, run["run_id"])
    assert refused.status_code in (409, 422) and "lines" in refused.text
    with pytest.raises(asyncpg.CheckViolationError, match="do not equal the sum of their lines"):
        await db.execute(FORCE_APPROVAL, run["run_id"])


async def _fail_on(db, event_type: str, key: str) -> str:
    """A trigger that makes recording `event_type` for `key` fail: a crash part-way through the step."""
    name = "crash_" + unique("t").replace("-", "_").lower()
    await db.execute(f"""
        CREATE FUNCTION payments.{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.event_type = '{event_type}' AND NEW.key = '{key}' THEN
                RAISE EXCEPTION 'simulated crash while recording {event_type}';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER {name} BEFORE INSERT ON payments.outbox FOR EACH ROW EXECUTE FUNCTION payments.{name}();""")
    return name


async def _recover(db, name: str) -> None:
    await db.execute(f"DROP TRIGGER {name} ON payments.outbox; DROP FUNCTION payments.{name}();")


async def _count(db, event_type: str, key: str) -> int:
    return await db.fetchval("SELECT count(*) FROM payments.outbox WHERE event_type = $1 AND key = $2", event_type, key)


async def test_a_crash_during_approval_or_export_leaves_nothing_half_done_and_a_retry_completes_once(
        http, stack, producer, db):
    base = stack["payments"]
    provider_id, [invoice_id, _], body = await _run_paying(http, base, producer, 11_000, 22_000)
    run_id = (await propose(http, base, body))["run_id"]

    crash = await _fail_on(db, "PaymentRunApproved", run_id)
    try:
        # A fresh connection: the server drops the one a request failed on.
        failed = await http.post(f"{base}/payment-runs/{run_id}/approve",
                                 headers={**auth("finance_approver"), "Connection": "close"})
        assert failed.status_code == 500
        assert await db.fetchval("SELECT status FROM payments.payment_runs WHERE run_id = $1", run_id) == "proposed"
        assert await db.fetchval("SELECT count(*) FROM payments.settlements WHERE document_id = $1",
                                 invoice_id) == 0
    finally:
        await _recover(db, crash)
    assert (await approve(http, base, run_id)).status_code == 200
    assert (await approve(http, base, run_id)).status_code == 409
    assert await _count(db, "PaymentRunApproved", run_id) == 1

    crash = await _fail_on(db, "PaymentMade", provider_id)
    try:
        failed = await http.post(f"{base}/payment-runs/{run_id}/export",
                                 headers={**auth("finance_officer"), "Connection": "close"})
        assert failed.status_code == 500
        assert await db.fetchval("SELECT count(*) FROM payments.run_files WHERE run_id = $1", run_id) == 0
        assert await db.fetchval("SELECT exported_at FROM payments.payment_runs WHERE run_id = $1", run_id) is None
        assert await _count(db, "PaymentRunExported", run_id) == 0
    finally:
        await _recover(db, crash)
    for _ in range(2):
        done = await http.post(f"{base}/payment-runs/{run_id}/export", headers=auth("finance_officer"))
        assert done.status_code == 200, done.text
    assert await _count(db, "PaymentRunExported", run_id) == 1
    assert await _count(db, "PaymentMade", provider_id) == 1
    assert await db.fetchval("SELECT count(*) FROM payments.run_files WHERE run_id = $1", run_id) == 5
