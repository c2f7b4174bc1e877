"""Record the payroll bureau's net pay for a council-managed direct payment's week (all rows or none), and
the second person's approval or rejection of an upload above the threshold."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from shared.clock import london_date
from services.payments.domain.errors import RunConflict
from services.payments.domain.net_pay import NetPayLine, NetPayUpload, check_net_pay, parse_net_pay_csv, upload
from services.payments.domain.payment_run import Actor
from services.payments.domain.payroll import WeekPay, payroll_week
from services.payments.store import inputs as store_inputs
from services.payments.store import net_pay as store
from services.payments.store import timesheets as store_timesheets


async def week_of(conn: asyncpg.Connection, agreement_id: str, week_start: date, *,
                  lock: bool = False) -> list[WeekPay]:
    """Each of the direct payment's PAs' approved hours and gross pay for the week (their rows locked when
    `lock`, so no timesheet of theirs is approved meanwhile)."""
    pas = await store_timesheets.personal_assistants_of(conn, agreement_id, lock=lock)
    shifts = await store_timesheets.approved_shifts(conn, agreement_id, week_start)
    return payroll_week(week_start, {p.pa_id: p.employee_ref for p in pas}, shifts)


@dataclass(frozen=True)
class Recorded:
    upload: NetPayUpload | None  # None: every row was recorded already
    lines: list[NetPayLine]
    unchanged: int


async def record(conn: asyncpg.Connection, agreement_id: str, week_start: date, text: str, by: Actor, at: datetime,
                 second_person_above_pence: int) -> Recorded:
    """LookupError when payments knows no such direct payment."""
    dp = await store_inputs.direct_payment_row(conn, agreement_id, lock=True)
    if dp is None:
        raise LookupError(agreement_id)
    if not dp["council_managed"]:
        raise RunConflict("agreement_id", f"{agreement_id} is paid to its holder, who pays their PAs: the council "
                                          "records net pay only for direct payments it manages")
    rows = parse_net_pay_csv(text)
    pas = await store_timesheets.personal_assistants_of(conn, agreement_id, lock=True)
    gross = {w.pa_id: w.gross_pence for w in await week_of(conn, agreement_id, week_start)}
    live = await store.live_for_week(conn, week_start, [p.pa_id for p in pas])
    lines, unchanged = check_net_pay(rows, week_start, london_date(at), pas, gross, live)
    if not lines:
        return Recorded(None, [], unchanged)
    made = upload(store.new_id(), agreement_id, week_start, lines, by, at, second_person_above_pence,
                  already_pence=sum(live.values()))
    await store.insert(conn, made, lines)
    return Recorded(made, lines, unchanged)


async def decide(conn: asyncpg.Connection, upload_id: str, by: Actor, at: datetime, *, approve: bool,
                 reason: str = "") -> NetPayUpload:
    """The second person approves a pending upload, or a finance user rejects it (LookupError: no such upload)."""
    pending = await store.locked(conn, upload_id)
    if pending is None:
        raise LookupError(upload_id)
    decided = pending.approve(by, at) if approve else pending.reject(by, reason, at)
    await store.mark(conn, decided)
    return decided
