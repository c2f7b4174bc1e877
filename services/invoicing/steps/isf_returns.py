"""Recording ISF returns, accepting a held one, and reclaiming the surplus after each accepted return.

Each is one transaction taking its locks in the order every invoicing path takes them: the provider's
facts, then the ISF agreements, then invoice rows. Returns sent together (a CSV file) are all checked
first: any problem refuses them all (`ReturnRefused`), and a return already on file for an agreement
and period refuses them all too (`ReturnAlreadySent`), so nothing is kept. An accepted return's balance
is worked out at once; a surplus above what the provider may keep becomes a credit note (source
`isf_surplus`, raised by the rules) through the credit note machinery of `corrections`. A return
accepted while an earlier period of its agreement that had an advance has no accepted return (held or
missing) waits unsettled (no balance yet); once that one is accepted, it and every later accepted
return not yet settled are settled in period order (`domain/isf_balances.waiting_for`).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import asyncpg

from contracts.envelope import Actor
from shared.errors import IllegalState
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing import metrics
from services.invoicing.config import config
from services.invoicing.domain.corrections import credit_note, line_for_amount
from services.invoicing.domain.invoice import new_invoice_id
from services.invoicing.domain.isf_balances import (IsfBalance, balance_through, reclaim_reason, retained_pence,
                                                    surplus_reclaim, waiting_for)
from services.invoicing.domain.isf_returns import (IsfReturn, Problem, ReturnRefused, ReturnStatus, ReturnSubmission,
                                                   accept_held, check_return)
from services.invoicing.events import isf_return_accepted, isf_return_held, isf_surplus_reclaimed
from services.invoicing.steps.corrections import issue
from services.invoicing.steps.validation import SYSTEM, lock_agreements, lock_provider_facts
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import isf_balances as store_balances
from services.invoicing.store import isf_returns as store_returns

MAX_ISFS_LOCKED = 20_000  # the ISFs of the people in one upload (a file holds at most 10,000 rows)


class ReturnAlreadySent(IllegalState):
    """A return for the agreement and period is on file already (HTTP 409 return_already_sent)."""

    code = "return_already_sent"


class ReturnNotFound(LookupError):
    pass


async def record(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, provider_ref: str,
                 submissions: Sequence[ReturnSubmission], *, source: str, today: date,
                 unreadable: Sequence[Problem] = ()) -> list[str]:
    """Check and record a provider's returns (all or none); the ids recorded, in the order sent. Problems
    found reading them (`unreadable`, e.g. CSV cells) refuse them too, with those the checks find."""
    ids = await store_balances.isf_agreement_ids(conn, provider_id=provider_ref,
                                                 person_refs={s.person_ref for s in submissions},
                                                 limit=MAX_ISFS_LOCKED)
    await lock_provider_facts(conn, [provider_ref])
    await lock_agreements(conn, ids)
    agreements = list((await store_facts.agreements(conn, ids)).values())
    checked: list[tuple[IsfReturn, int | None]] = []
    problems = list(unreadable)
    for submission in submissions:
        found, wrong = check_return(submission, return_id=new_invoice_id(), provider_ref=provider_ref,
                                    agreements=agreements, anchor=config().four_weekly_anchor, today=today,
                                    submitted_by=actor.id)
        problems += wrong
        if found is not None:
            checked.append((found, submission.row))
    if problems:
        metrics.ISF_RETURNS.labels("refused").inc(len(submissions))
        raise ReturnRefused(problems)
    seen: set[tuple[str, date]] = set()
    for r, _ in checked:
        earlier = await store_returns.exists_for(conn, r.agreement_id, r.period)
        if earlier is not None or (r.agreement_id, r.period.first) in seen:
            raise ReturnAlreadySent(f"a return for agreement {r.agreement_id} and the period {r.period} is on file"
                                    f" already{f' ({earlier})' if earlier else ''}: nothing was recorded")
        seen.add((r.agreement_id, r.period.first))
    for r, row in checked:
        await store_returns.insert(conn, r, actor, source=source, source_row=row)
        if r.status is ReturnStatus.HELD:
            await outbox.publish(conn, [isf_return_held(r)], cause)
            metrics.ISF_RETURNS.labels("held").inc()
        else:
            metrics.ISF_RETURNS.labels("accepted").inc()
    for agreement_id in sorted({r.agreement_id for r, _ in checked if r.status is ReturnStatus.ACCEPTED}):
        await settle_in_order(conn, outbox, cause, agreement_id, today=today)
    return [r.return_id for r, _ in checked]


async def accept(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, actor: Actor, return_id: str, why: str,
                 *, today: date) -> None:
    """A held return accepted by an officer who did not submit it; then its balance and surplus."""
    unlocked = await store_returns.load(conn, return_id)
    if unlocked is None:
        raise ReturnNotFound(return_id)
    await lock_provider_facts(conn, [unlocked.isf_return.provider_ref])
    await lock_agreements(conn, [unlocked.isf_return.agreement_id])
    found = await store_returns.load(conn, return_id, for_update=True)
    accepted = accept_held(found.isf_return, by=actor.id, why=why)
    await store_returns.mark_accepted(conn, return_id, actor, why.strip())
    metrics.ISF_RETURNS.labels("accepted").inc()
    await settle_in_order(conn, outbox, cause, accepted.agreement_id, today=today)


async def settle_in_order(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, agreement_id: str, *,
                          today: date) -> list[str]:
    """Settle the agreement's accepted returns not yet settled, oldest period first, up to the first that
    must wait for an earlier period's return (held or missing); the ids settled."""
    settled = []
    advances = await store_balances.advances(conn, agreement_id)
    accepted = await store_returns.accepted_periods(conn, agreement_id)
    for return_id in await store_returns.unsettled(conn, agreement_id):
        found = await store_returns.load(conn, return_id, for_update=True)
        if waiting_for(found.isf_return.period, advances=advances, accepted=accepted) is not None:
            break
        await settle(conn, outbox, cause, found.isf_return, today=today)
        settled.append(return_id)
        advances = await store_balances.advances(conn, agreement_id)  # a reclaim may have credited one
    return settled


async def balance_after(conn: asyncpg.Connection, r: IsfReturn) -> tuple[IsfBalance, list]:
    """The balance through the return's period (its spend counted once it is accepted), and the advances."""
    agreement = (await store_facts.agreements(conn, [r.agreement_id]))[r.agreement_id]
    advances = await store_balances.advances(conn, r.agreement_id)
    balance = balance_through(r.period.first, advances=advances,
                              spent=await store_balances.accepted_spend(conn, r.agreement_id),
                              reclaimed=await store_balances.reclaimed(conn, r.agreement_id),
                              retained=retained_pence(agreement, r.period.last, config().isf_retained_weeks))
    return balance, advances


async def settle(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, r: IsfReturn, *, today: date) -> None:
    """An accepted return (stored as such) whose earlier periods are all settled: its balance announced,
    and any surplus reclaimed by a credit note."""
    balance, advances = await balance_after(conn, r)
    await store_returns.set_balance(conn, r.return_id, balance.balance_pence)
    await outbox.publish(conn, [isf_return_accepted(r, balance.balance_pence)], cause)
    own = next((a for a in advances if a.period == r.period), None)
    following = next((a for a in advances if a.period.first == r.period.last + timedelta(days=1)), None)
    reclaim = surplus_reclaim(balance, own=own, following=following)
    if reclaim is None:
        return
    original = await store_invoices.load(conn, reclaim.advance.invoice_id, for_update=True)
    why = reclaim_reason(r.period, balance, reclaim)
    note = credit_note(original.invoice, [line_for_amount(original.invoice, reclaim.amount_pence, why)], number="",
                       issued_on=today, by=SYSTEM.id, why=why, already_credited_pence=reclaim.advance.credited_pence)
    [issued] = await issue(conn, outbox, cause, SYSTEM, original, [note], source="isf_surplus")
    await store_returns.insert_reclaim(conn, r.return_id, credit_note_id=issued.invoice.invoice_id,
                                       corrects_invoice_id=reclaim.advance.invoice_id,
                                       amount_pence=reclaim.amount_pence, method=reclaim.method,
                                       balance_pence=balance.balance_pence, retained_pence=balance.retained_pence)
    await outbox.publish(conn, [isf_surplus_reclaimed(r, balance, reclaim, issued.invoice.invoice_id)], cause)
    metrics.ISF_RETURNS.labels("reclaimed").inc()
