"""SQL for what payments is told: invoices, credit notes, disputes, payees, agreements, direct payments.

One statement per event, inside the consumer's batch transaction. Bank details are written here
and never returned to a caller that logs.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts import agreements, invoicing


async def record_document(conn: asyncpg.Connection, event: invoicing.InvoiceDocument, received_on: date) -> None:
    """An issued or received invoice: known (for its people and receipt date) but not payable yet."""
    await conn.execute(
        "INSERT INTO invoices (invoice_id, provider_id, state, number, kind, agreement_ids, person_refs, service_type,"
        " period_start, period_end, amount_pence, received_on)"
        " VALUES ($1, $2, 'received', $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (invoice_id) DO UPDATE SET person_refs = EXCLUDED.person_refs, updated_at = now()",
        event.invoice_id, event.provider_id, event.number, event.kind, event.agreement_ids, event.person_refs,
        event.service_type, event.period_start, event.period_end, event.total_pence, received_on)


async def record_approval(conn: asyncpg.Connection, event: invoicing.InvoiceApproved, approved_on: date) -> bool:
    """The latest revision replaces earlier ones; an older revision arriving late changes nothing."""
    status = await conn.execute(
        "INSERT INTO invoices (invoice_id, provider_id, state, revision, number, kind, agreement_ids, service_type,"
        " period_start, period_end, amount_pence, received_on, valid_on, approved_on, due_date, last_payable_date)"
        " VALUES ($1, $2, 'approved', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        " ON CONFLICT (invoice_id) DO UPDATE SET state = 'approved', revision = EXCLUDED.revision,"
        " number = EXCLUDED.number, kind = EXCLUDED.kind, agreement_ids = EXCLUDED.agreement_ids,"
        " service_type = EXCLUDED.service_type, period_start = EXCLUDED.period_start,"
        " period_end = EXCLUDED.period_end, amount_pence = EXCLUDED.amount_pence,"
        " received_on = EXCLUDED.received_on, valid_on = EXCLUDED.valid_on, approved_on = EXCLUDED.approved_on,"
        " due_date = EXCLUDED.due_date, last_payable_date = EXCLUDED.last_payable_date, updated_at = now()"
        " WHERE invoices.revision < EXCLUDED.revision",
        event.invoice_id, event.provider_id, event.revision, event.number, event.kind, event.agreement_ids,
        event.service_type, event.period_start, event.period_end, event.amount_pence, event.received_on,
        event.valid_on, approved_on, event.due_date, event.last_payable_date)
    if not status.endswith(" 1"):
        return False
    await record_agreement_periods(conn, event)
    return True


async def record_agreement_periods(conn: asyncpg.Connection, event: invoicing.InvoiceApproved) -> None:
    """The days the revision just recorded charges each agreement: they replace the earlier revision's."""
    await conn.execute("DELETE FROM invoice_agreement_periods WHERE invoice_id = $1", event.invoice_id)
    periods = event.agreement_periods
    if periods:
        await conn.execute(
            "INSERT INTO invoice_agreement_periods (invoice_id, seq, agreement_id, first_day, last_day, amount_pence,"
            " last_payable_date, cost_centre)"
            " SELECT $1, n, a, f, l, p, e, c FROM unnest($2::text[], $3::date[], $4::date[], $5::bigint[],"
            " $6::date[], $7::text[]) WITH ORDINALITY AS x(a, f, l, p, e, c, n)",
            event.invoice_id, [p.agreement_id for p in periods], [p.first_day for p in periods],
            [p.last_day for p in periods], [p.amount_pence for p in periods],
            [p.last_payable_date for p in periods], [p.cost_centre for p in periods])


async def set_invoice_state(conn: asyncpg.Connection, invoice_id: str, provider_id: str, state: str) -> None:
    """Held or voided: not payable until approved again (a voided one never is)."""
    await conn.execute(
        "INSERT INTO invoices (invoice_id, provider_id, state) VALUES ($1, $2, $3)"
        " ON CONFLICT (invoice_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
        invoice_id, provider_id, state)


async def void_credit_note(conn: asyncpg.Connection, credit_note_id: str) -> None:
    await conn.execute("UPDATE credit_notes SET voided = true WHERE credit_note_id = $1", credit_note_id)


async def record_credit_note(conn: asyncpg.Connection, event: invoicing.CreditNoteIssued) -> None:
    await conn.execute(
        "INSERT INTO credit_notes (credit_note_id, provider_id, corrects_invoice_id, number, amount_pence,"
        " service_type, period_start, period_end, person_refs, cause, reason, agreement_ids)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (credit_note_id) DO NOTHING",
        event.invoice_id, event.provider_id, event.corrects_invoice_id, event.number, event.total_pence,
        event.service_type, event.period_start, event.period_end, event.person_refs, event.cause, event.reason,
        event.agreement_ids)


async def is_settled(conn: asyncpg.Connection, document_id: str) -> str | None:
    """The approved run that pays this document, if any (a returned payment does not count)."""
    return await conn.fetchval("SELECT run_id FROM settlements WHERE document_id = $1 AND NOT returned",
                               document_id)


async def set_dispute(conn: asyncpg.Connection, query_id: str, invoice_id: str, open_: bool) -> None:
    await conn.execute(
        "INSERT INTO disputes (query_id, invoice_id, open) VALUES ($1, $2, $3)"
        " ON CONFLICT (query_id, invoice_id) DO UPDATE SET open = EXCLUDED.open, changed_at = now()",
        query_id, invoice_id, open_)


# --- payees ----------------------------------------------------------------------------------

async def name_payee(conn: asyncpg.Connection, provider_id: str, name: str) -> None:
    await conn.execute("INSERT INTO payees (provider_id, name) VALUES ($1, $2)"
                       " ON CONFLICT (provider_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()",
                       provider_id, name)


async def hold_payee(conn: asyncpg.Connection, provider_id: str, change_id: str) -> None:
    """New details await a second person's check: no payment until then (the old account is kept
    only in case the change is rejected and it stands)."""
    await conn.execute("INSERT INTO payees (provider_id, bank_status, change_id) VALUES ($1, 'held', $2)"
                       " ON CONFLICT (provider_id) DO UPDATE SET bank_status = 'held', change_id = $2,"
                       " updated_at = now()", provider_id, change_id)


async def verify_payee(conn: asyncpg.Connection, provider_id: str, change_id: str,
                       account: agreements.BankAccount) -> None:
    await conn.execute(
        "INSERT INTO payees (provider_id, bank_status, change_id, sort_code, account_number, account_name)"
        " VALUES ($1, 'verified', $2, $3, $4, $5)"
        " ON CONFLICT (provider_id) DO UPDATE SET bank_status = 'verified', change_id = $2, sort_code = $3,"
        " account_number = $4, account_name = $5, updated_at = now()",
        provider_id, change_id, account.sort_code, account.account_number, account.account_name)
    # Payments returned to the old account wait for new details: these are they.
    await conn.execute("UPDATE invoices SET return_hold = NULL, updated_at = now()"
                       " WHERE provider_id = $1 AND return_hold IS NOT NULL", provider_id)


async def reject_payee_change(conn: asyncpg.Connection, provider_id: str, change_id: str,
                              previous_account_stands: bool) -> None:
    await conn.execute(
        "UPDATE payees SET bank_status = CASE WHEN $3 AND sort_code IS NOT NULL THEN 'verified' ELSE 'held' END,"
        " change_id = $2, updated_at = now() WHERE provider_id = $1",
        provider_id, change_id, previous_account_stands)


# --- agreements and direct payments ----------------------------------------------------------

async def record_agreement(conn: asyncpg.Connection, event: agreements.AgreementEvent) -> None:
    """The agreement as it now stands, with where its money comes from: the council's account, or the
    managed account of the direct payment that funds it; and its cost centre (kept when an event does not say)."""
    await conn.execute(
        "INSERT INTO agreements (agreement_id, provider_id, person_ref, service_type, last_day, funding,"
        " direct_payment_id, cost_centre) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agreement_id) DO UPDATE"
        " SET provider_id = $2, person_ref = $3, service_type = $4, last_day = $5, funding = $6,"
        " direct_payment_id = $7, cost_centre = coalesce($8, agreements.cost_centre), updated_at = now()",
        event.agreement_id, event.provider_id, event.person_ref, event.service_type, event.end, event.funding.value,
        event.direct_payment_id, event.cost_centre)


async def lock_direct_payment(conn: asyncpg.Connection, agreement_id: str) -> None:
    """Until the transaction ends, one at a time per direct payment: its agreement and its payee account
    arrive on two topics, by two consumers, and each copies what the other stored. Without this the two
    could run side by side, neither seeing the other's uncommitted row, and the account would be lost."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('payments:direct-payment:' || $1))", agreement_id)


async def direct_payment_row(conn: asyncpg.Connection, agreement_id: str, *, lock: bool = False):
    return await conn.fetchrow("SELECT * FROM direct_payments WHERE agreement_id = $1"
                               + (" FOR UPDATE" if lock else ""), agreement_id)


async def save_direct_payment(conn: asyncpg.Connection,
                              event: agreements.DirectPaymentTerms | agreements.DirectPaymentAgreedV1,
                              amount_pence: int, contribution_pence: int, terms_version: int = 1) -> None:
    """The agreed payment as it now stands (a repeat for the same agreement is a change). Its payee
    account comes apart (`set_direct_payment_payee`): a new one is taken from there, if it came first."""
    await conn.execute(
        "INSERT INTO direct_payments (agreement_id, person_ref, nominee, council_managed, sort_code, account_number,"
        " account_name, start, amount_per_four_weeks_pence, contribution_per_four_weeks_pence, cycle, terms_version)"
        " SELECT $1, $2, $3, $4, a.sort_code, a.account_number, a.account_name, $5, $6, $7, $8, $9"
        " FROM (SELECT 1) AS one LEFT JOIN direct_payment_payee_accounts a ON a.agreement_id = $1"
        " ON CONFLICT (agreement_id) DO UPDATE SET nominee = $3, council_managed = $4,"
        " amount_per_four_weeks_pence = $6, contribution_per_four_weeks_pence = $7, cycle = $8,"
        " amount_version = direct_payments.amount_version + CASE WHEN (direct_payments.amount_per_four_weeks_pence,"
        "   direct_payments.contribution_per_four_weeks_pence, direct_payments.cycle) IS DISTINCT FROM ($6, $7, $8)"
        "   THEN 1 ELSE 0 END,"
        " updated_at = now()",
        event.agreement_id, event.person_ref, event.nominee, event.nominee == "council", event.start, amount_pence,
        contribution_pence, str(getattr(event, "cycle", "four_weekly")), terms_version)


async def set_direct_payment_payee(conn: asyncpg.Connection, agreement_id: str,
                                   account: agreements.BankAccount) -> None:
    """The account a direct payment is paid into, whichever of it and the agreement arrives first;
    a new account lifts a hold left by a payment returned from the old one."""
    await conn.execute(
        "INSERT INTO direct_payment_payee_accounts (agreement_id, sort_code, account_number, account_name)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (agreement_id) DO UPDATE SET sort_code = $2, account_number = $3,"
        " account_name = $4, updated_at = now()",
        agreement_id, account.sort_code, account.account_number, account.account_name)
    await conn.execute(
        "UPDATE direct_payments SET sort_code = $2, account_number = $3, account_name = $4,"
        " return_hold = CASE WHEN (sort_code, account_number) = ($2, $3) THEN return_hold END, updated_at = now()"
        " WHERE agreement_id = $1",
        agreement_id, account.sort_code, account.account_number, account.account_name)


async def add_adjustment(conn: asyncpg.Connection, agreement_id: str, amount_pence: int, effective_from: date,
                         from_net: int, to_net: int, reason: str, effective_until: date | None = None) -> None:
    await conn.execute("INSERT INTO direct_payment_adjustments (agreement_id, amount_pence, effective_from,"
                       " from_net_pence, to_net_pence, reason, effective_until) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       agreement_id, amount_pence, effective_from, from_net, to_net, reason, effective_until)


async def pending_changes(conn: asyncpg.Connection, agreement_id: str) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM direct_payment_adjustments WHERE agreement_id = $1 AND settled_by IS NULL"
                            " ORDER BY adjustment_id", agreement_id)


async def end_direct_payment(conn: asyncpg.Connection, agreement_id: str, last_day: date, reason: str,
                             recovery_pence: int, detail: str) -> None:
    """Ended: nothing after `last_day` is paid; pending adjustments are part of the recovery now."""
    await conn.execute(
        "UPDATE direct_payments SET last_day = $2, end_reason = $3, recovery_pence = $4, recovery_detail = $5,"
        " updated_at = now() WHERE agreement_id = $1", agreement_id, last_day, reason, recovery_pence, detail)
    await conn.execute("UPDATE direct_payment_adjustments SET settled_by = 'ending'"
                       " WHERE agreement_id = $1 AND settled_by IS NULL", agreement_id)
