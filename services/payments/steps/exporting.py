"""Export an approved run: every file, the ledger entries of council-managed accounts and the events,
once, in the caller's one transaction. Direct payments into a managed account are recorded as money
in; each payment out of one (one debit per payment and managed account it draws on, whatever kind of
lines it pays) as money out on the pay date, never overdrawing the ledger, with `ManagedAccountDebited`.

Exporting again regenerates the files and compares them byte for byte with those stored: the same
bytes are served; different bytes are refused loudly, never sent.
"""
from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from contracts.payments import ManagedAccountDebited
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.payments import events
from services.payments.config import PaymentsConfig
from services.payments.domain.errors import PaymentRefused, RunConflict
from services.payments.domain.files.export import export_run
from services.payments.domain.files.stored import files_of
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind
from services.payments.domain.managed_funding import debits_of
from services.payments.domain.payment_run import PaymentRun, RunStatus
from services.payments.domain.run_lines import PayeeKind
from services.payments.steps.run_step import Stopwatch, locked, without_jit
from services.payments.store import accounts as store_accounts
from services.payments.store import files as store_files
from services.payments.store.runs import StoredRun

log = get_logger(__name__)


@dataclass(frozen=True)
class Export:
    stored: StoredRun
    checksums: dict[str, str]
    first_time: bool


async def export(conn: asyncpg.Connection, run_id: str, by: str, config: PaymentsConfig, outbox: Outbox,
                 cause: Cause) -> Export:
    await without_jit(conn)
    clock = Stopwatch()
    stored = await locked(conn, run_id)
    run = stored.run
    if run.status is not RunStatus.APPROVED:
        raise RunConflict("status", f"run {run_id} is proposed: a finance approver approves it before its files "
                                    "are written")
    read = clock.lap()
    files = files_of(export_run(run, config.settings, config.journal))
    written_ms = clock.lap()
    written = {f.name: f.sha256 for f in files}
    existing = await store_files.checksums(conn, run_id)
    if existing:
        differ = sorted(n for n in written.keys() | existing.keys() if written.get(n) != existing.get(n))
        if differ:
            raise RunConflict("files", f"run {run_id} was exported on {stored.exported_at:%Y-%m-%d %H:%M}; writing "
                                       f"its files again gives different bytes ({', '.join(differ[:5])}): were the "
                                       "payment settings changed? The files already exported stand")
        return Export(stored, existing, first_time=False)
    await store_files.store(conn, run_id, run.total_pence, files, {p.reference: p.amount_pence for p in run.payments})
    await conn.execute("UPDATE payment_runs SET exported_at = now() WHERE run_id = $1", run_id)
    managed = [p for p in run.payments if p.reference in stored.council_managed]
    await store_accounts.record_many(conn, [(p.payee_id, LedgerEntry(
        run.pay_date, LedgerEntryKind.DIRECT_PAYMENT_IN, p.amount_pence, p.reference,
        "Direct payment from the council")) for p in managed], by)
    debited = await _debit_managed_accounts(conn, run, by)
    # A personal assistant's net pay is told as ManagedAccountDebited (paid from the managed account), not PaymentMade.
    await outbox.publish(conn, [events.run_exported(run, files)] + [
        events.payment_made(run, p, p.reference in stored.council_managed) for p in run.payments
        if p.payee_kind is not PayeeKind.PERSONAL_ASSISTANT] + debited, cause)
    log.info("payment run files written", run_id=run_id, files=len(files), read_ms=read, write_ms=written_ms,
             store_ms=clock.lap())
    return Export(stored, written, first_time=True)


async def _debit_managed_accounts(conn: asyncpg.Connection, run: PaymentRun,
                                  by: str) -> list[ManagedAccountDebited]:
    """One ledger debit per payment and managed account it draws on, under the accounts' locks; an entry
    already recorded (the UNIQUE on the ledger) is not recorded or announced again."""
    debits = [d for p in run.payments for d in debits_of(p)]
    if not debits:
        return []
    ids = sorted({d.direct_payment_id for d in debits})
    await store_accounts.lock_accounts(conn, ids)
    accounts = await store_accounts.managed_accounts(conn, ids)
    told = []
    for debit in debits:
        dp = debit.direct_payment_id
        if dp not in accounts:
            raise RunConflict("run", f"{debit.payment_reference} is paid from direct payment {dp}'s managed account, "
                                     "but it is not a council-managed direct payment")
        entry = debit.entry(run.pay_date)
        if any(e.kind is entry.kind and e.reference == entry.reference for e in accounts[dp].entries):
            continue
        try:
            accounts[dp] = accounts[dp].record(entry)
        except PaymentRefused as refused:
            raise RunConflict("run", f"direct payment {dp}'s managed account: {refused.rule}") from None
        if await store_accounts.record(conn, dp, entry, by):
            told.append(events.managed_account_debited(run, debit, accounts[dp].person_ref,
                                                       accounts[dp].balance_after(entry)))
    return told
