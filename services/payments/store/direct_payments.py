"""Direct payments as the domain sees them: the agreement, the periods already paid, pending adjustments,
its terms since it was varied and the reclaims netted from its next payments.

Read in bulk (one query each for any number of agreements), so a run over thousands of direct
payments costs a handful of round trips.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import asyncpg

from contracts.common import Cycle, Nominee
from services.payments.domain.direct_payments import first_unpaid_day
from services.payments.domain.inputs import BankAccount, DirectPaymentAgreement, PaidPeriod, ReclaimDue, TermsFrom
from services.payments.store.dp_reclaims import reclaims_due
from services.payments.store.dp_terms import terms_for


async def paid_periods(conn: asyncpg.Connection, agreement_ids: Sequence[str]) -> dict[str, list[PaidPeriod]]:
    """The periods each agreement's approved, not returned, payments paid for."""
    rows = await conn.fetch(
        "SELECT l.settles, l.period_start, l.period_end, l.amount_pence FROM settlements s"
        " JOIN run_lines l ON l.run_id = s.run_id AND l.line_id = s.document_id"
        " WHERE s.settles = ANY($1::text[]) AND s.kind = 'direct_payment' AND NOT s.returned",
        list(agreement_ids))
    periods: dict[str, list[PaidPeriod]] = defaultdict(list)
    for r in rows:
        periods[r["settles"]].append(PaidPeriod(r["period_start"], r["period_end"], r["amount_pence"]))
    return periods


async def pending_adjustments(conn: asyncpg.Connection,
                              agreement_ids: Sequence[str]) -> dict[str, tuple[int, list[int]]]:
    """agreement_id -> (sum of adjustments not yet paid, their ids)."""
    rows = await conn.fetch(
        "SELECT agreement_id, sum(amount_pence) AS total, array_agg(adjustment_id ORDER BY adjustment_id) AS ids"
        " FROM direct_payment_adjustments WHERE agreement_id = ANY($1::text[]) AND settled_by IS NULL"
        " GROUP BY agreement_id", list(agreement_ids))
    return {r["agreement_id"]: (int(r["total"]), list(r["ids"])) for r in rows}


def agreement_of(row: asyncpg.Record, paid: list[PaidPeriod], adjustment_pence: int, cost_centre: str,
                 terms: tuple[TermsFrom, ...] = (), reclaims: tuple[ReclaimDue, ...] = ()) -> DirectPaymentAgreement:
    """The domain's agreement from its row: paid up to the first day no payment covers yet."""
    return DirectPaymentAgreement(
        id=row["agreement_id"], person_ref=row["person_ref"],
        amount_per_four_weeks_pence=row["amount_per_four_weeks_pence"], start=row["start"], end=row["last_day"],
        nominee=Nominee(row["nominee"]), council_managed=row["council_managed"],
        # None until its account arrives (agreements.payee-accounts): a run leaves it out, no_bank_details.
        payee_account=(BankAccount(row["sort_code"], row["account_number"], row["account_name"])
                       if row["sort_code"] is not None else None),
        contribution_per_four_weeks_pence=row["contribution_per_four_weeks_pence"],
        # A payment the bank sent back means the account is wrong until agreements gives a new one.
        payee_verified=row["return_hold"] is None,
        paid_up_to=first_unpaid_day(row["start"], paid), adjustment_pence=adjustment_pence, cost_centre=cost_centre,
        cycle=Cycle(row.get("cycle", Cycle.FOUR_WEEKLY)), terms=terms, reclaims=reclaims)


async def agreements_due(conn: asyncpg.Connection, scope: Sequence[str] | None,
                         cost_centre: str) -> tuple[list[DirectPaymentAgreement], dict[str, list[int]]]:
    """Every direct payment not ended before it started (or those in `scope`), ready for a run,
    and the pending adjustment ids each would carry."""
    rows = await conn.fetch(
        "SELECT * FROM direct_payments WHERE (last_day IS NULL OR last_day >= start)"
        " AND ($1::text[] IS NULL OR agreement_id = ANY($1::text[])) ORDER BY agreement_id"
        # Held until the proposal commits: a change of amount waits for it (and the approval then sees
        # the change, store.runs.changed_direct_payments), never lands between this read and the run.
        " FOR SHARE",
        list(scope) if scope is not None else None)
    ids = [r["agreement_id"] for r in rows]
    paid, pending = await paid_periods(conn, ids), await pending_adjustments(conn, ids)
    terms, reclaims = await terms_for(conn, ids), await reclaims_due(conn, ids)
    found = [agreement_of(r, paid.get(r["agreement_id"], []), pending.get(r["agreement_id"], (0, []))[0], cost_centre,
                          terms.get(r["agreement_id"], ()), reclaims.get(r["agreement_id"], ()))
             for r in rows]
    return found, {k: v[1] for k, v in pending.items()}
