"""Contributions charged: computed and recorded for one person and period, or for everyone of a period.

Each person's charges are locked while computed, so an officer's charge and a run never make the
same revision twice. A computation that changes the charge records a revision and publishes
ContributionCharged in the same transaction; an unchanged one records and publishes nothing. A fact that
changes periods already charged (a death, a direct payment's days) has every such period of the person
computed again in its own transaction, however old (`recharge_from`). A run
takes a batch of people per transaction, under an advisory lock so two runs never overlap. An export
takes every revision not yet exported that changes what is owed, and keeps its two files as written.
"""
from __future__ import annotations

import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import asyncpg

from contracts.common import Cycle, PaymentBasis
from contracts.envelope import Actor
from shared.errors import IllegalState
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing.config import config
from services.invoicing.domain.contribution_files import debtors_csv, journal_csv
from services.invoicing.domain.contributions import charge_for_period, died_before, next_revision
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.periods import Period, format_day, period_starting
from services.invoicing.events import contribution_charged
from services.invoicing.store import contribution_exports as store_exports
from services.invoicing.steps.plan_runs import RunInProgress
from services.invoicing.steps.validation import SYSTEM
from services.invoicing.store import contributions as store
from services.invoicing.store import direct_payment_windows as store_windows

RUN_LOCK = "invoicing:contribution-run"
STORED = ("charge_id", "person_ref", "period_start", "period_end", "revision", "contribution_pence", "care_cost_pence",
          "charged_pence", "change_pence", "capped", "reason")


class NothingToExport(IllegalState):
    """No revision is waiting to be exported (HTTP 409 nothing_to_export)."""

    code = "nothing_to_export"


@dataclass
class ContributionRun:
    period_start: date
    period_end: date
    people: int = 0
    changed: int = 0
    total_change_pence: int = 0


def new_charge_id() -> str:
    """Ids sort by creation (the first 12 hex digits are the time in milliseconds)."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def chargeable_period(period_start: date, today: date) -> Period:
    """The four-weekly period starting `period_start`, once it is over. A day that starts no four-weekly period
    is input no period has (422 naming period_start); a period not over yet is one the day has not reached (409
    period_not_over naming period_start: the same request goes through once it is over)."""
    period = period_starting(period_start, Cycle.FOUR_WEEKLY, config().four_weekly_anchor)
    if period is None:
        raise InvalidInvoiceInput("period_start", f"{period_start} is not the first day of a four-weekly period")
    if period.last >= today:
        raise IllegalState(f"the period {period} is not over yet: it ends on {format_day(period.last)}, and can be "
                           "charged from the day after", code="period_not_over", field="period_start")
    return period


async def charge_people(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, people: list[str],
                        period: Period) -> dict[str, tuple[dict | None, bool]]:
    """Compute each person's charge for `period` (in the caller's transaction): person -> (the charge
    as it now stands, or None when there is none; whether this made a new revision)."""
    await store.lock_people(conn, people)
    decisions = await store.decisions(conn, people)
    care = await store.charged_care(conn, people, period.first, period.last)
    on_actuals = [a.agreement_id for agreements in care.values() for a in agreements if a.basis is PaymentBasis.ACTUALS]
    delivered_by_agreement = defaultdict(list)
    for visit in await store.delivered(conn, on_actuals, period.first, period.last):
        delivered_by_agreement[visit.agreement_id].append(visit)
    latest = await store.latest_charges(conn, people, period.first)
    deaths = await store.deaths(conn, people)
    windows = await store_windows.in_force(conn, people, period.first, period.last)
    out: dict[str, tuple[dict | None, bool]] = {}
    new_rows, events = [], []
    for person in people:
        agreements = care.get(person, [])
        delivered = [v for a in agreements for v in delivered_by_agreement.get(a.agreement_id, ())]
        died = min(deaths.get(person, []), default=None)
        computed = charge_for_period(decisions.get(person, []), agreements, delivered, period,
                                     direct_payments=windows.get(person, []), died=died)
        before = latest.get(person)
        revision = next_revision(before["charged_pence"] if before else None, before["revision"] if before else 0,
                                 computed)
        if revision is None:
            out[person] = (dict(before) if before else None, False)
            continue
        charge = dict(charge_id=new_charge_id(), person_ref=person, period_start=period.first,
                      period_end=period.last, revision=revision.revision,
                      contribution_pence=computed.contribution_pence, care_cost_pence=computed.care_cost_pence,
                      charged_pence=computed.charged_pence, change_pence=revision.change_pence,
                      capped=computed.capped, reason=computed.reason, export_id=None)
        new_rows.append(tuple(charge[k] for k in STORED))
        events.append(contribution_charged(charge))
        out[person] = (charge, True)
    if new_rows:
        await store.insert_charges(conn, new_rows, actor.id)
        await outbox.publish(conn, events, cause)
    return out


async def charge_one(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, person_ref: str,
                     period_start: date, today: date) -> dict:
    """An officer's charge for one person and period. 422 naming period_start when it starts no four-weekly
    period; 409 when what is on record leaves nothing to do: the period is not over (period_not_over), the person
    has no contribution on record (no_contribution_on_record, naming person_ref), the period is after the
    person's death with nothing charged for it (died_before_period) or holds no care or ISF to charge
    (nothing_to_charge), each naming period_start. A period after the death already charged is computed again
    (to nothing)."""
    period = chargeable_period(period_start, today)
    if not await store.has_contribution(conn, person_ref):
        raise IllegalState(f"no contribution is on record for {person_ref}: none of their budgets has one",
                           code="no_contribution_on_record", field="person_ref")
    died = died_before((await store.deaths(conn, [person_ref])).get(person_ref, []), period)
    if died is not None and person_ref not in await store.latest_charges(conn, [person_ref], period.first):
        raise IllegalState(f"the period {period} is after the person's death ({format_day(died)}): nothing can be "
                           "charged for it", code="died_before_period", field="period_start")
    charge, _ = (await charge_people(conn, outbox, cause, actor, [person_ref], period))[person_ref]
    if charge is None:
        raise IllegalState(f"{person_ref} had no council-arranged care or ISF in {period}: there is nothing to "
                           "charge", code="nothing_to_charge", field="period_start")
    return charge


async def recharge_from(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, person_ref: str,
                        from_day: date) -> int:
    """Every period already charged for the person with days on or after `from_day`, computed again in the
    caller's transaction (the system's doing): how many revisions that made."""
    made = 0
    for first, last in await store.charged_periods(conn, person_ref, from_day):
        _, changed = (await charge_people(conn, outbox, cause, SYSTEM, [person_ref], Period(first, last)))[person_ref]
        made += changed
    return made


async def charge_period(pool: asyncpg.Pool, outbox: Outbox, cause: Cause, actor: Actor, period: Period,
                        *, batch: int | None = None) -> ContributionRun:
    """Everyone's charge for `period`, a batch of people per transaction, under the run's lock."""
    batch = batch or config().schedule_batch
    run = ContributionRun(period.first, period.last)
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", RUN_LOCK):
            raise RunInProgress("a contributions run is already under way; try again when it has finished")
        try:
            after = ""
            while True:
                async with conn.transaction():
                    people = await store.people_to_charge(conn, period.first, period.last, after=after, limit=batch)
                    if not people:
                        return run
                    results = await charge_people(conn, outbox, cause, actor, people, period)
                run.people += sum(charge is not None for charge, _ in results.values())
                changed = [charge for charge, made in results.values() if made]
                run.changed += len(changed)
                run.total_change_pence += sum(c["change_pence"] for c in changed)
                after = people[-1]
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", RUN_LOCK)



async def export_charges(conn: asyncpg.Connection, actor: Actor, posting_date: date) -> dict:
    """Export every revision not yet exported (the debtors file and its journal); NothingToExport (409) when
    there is none: nothing has changed what anyone owes since the last export."""
    await store_exports.lock_exports(conn)
    charges = await store_exports.not_exported(conn)
    if not charges:
        raise NothingToExport("no contribution charge is waiting to be exported: every revision that changes what"
                              " is owed has been exported already")
    number = await store_exports.next_number(conn)
    total = sum(c.change_pence for c in charges)
    export_id = new_charge_id()
    await store_exports.record_export(conn, export_id, number, posting_date, actor.id, charges, total,
                                      debtors_csv(charges),
                                      journal_csv(number, posting_date, total, config().contribution_codes))
    return {"export_id": export_id, "count": len(charges), "total_pence": total}
