"""What a run may pay, read in bulk: approved invoices not yet in an approved run (with the accounts
their agreements are paid from), their credit notes, credit notes owed back on invoices already paid
(to the account that paid the invoice), the days each invoice charges each of its agreements (a credit note
split over its own agreements' periods, else charged to its invoice's cost centre), and the providers' payees.

A handful of set-based queries whatever the size of the run (50,000 invoices is a few hundred ms).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg

from contracts.common import ServiceType
from services.payments.domain.inputs import (AgreementShare, ApprovedInvoice, BankAccount, CreditNote,
                                             ProviderCredit, ProviderPayee)

# A settled document is never paid again: the unique index on settlements enforces it; this is the read side.
_SETTLED = "EXISTS (SELECT 1 FROM settlements s WHERE s.document_id = {0} AND NOT s.returned)"

# Joins a hash join can do (an invoice almost always names one agreement); the rare invoice
# naming several takes the earliest end of them all (used only when it has no agreement periods).
_INVOICES = f"""
SELECT i.invoice_id, i.provider_id, i.amount_pence, i.due_date, i.period_start, i.period_end, i.number,
       i.return_hold, coalesce(i.service_type, a.service_type) AS service_type,
       coalesce(i.person_refs[1], a.person_ref, '') AS person_ref,
       CASE WHEN cardinality(i.agreement_ids) <= 1 THEN coalesce(a.cost_centre, '') ELSE '' END AS cost_centre,
       LEAST(i.last_payable_date, CASE WHEN cardinality(i.agreement_ids) > 1
           THEN (SELECT min(e.last_day) FROM agreements e WHERE e.agreement_id = ANY(i.agreement_ids))
           ELSE a.last_day END) AS agreement_end,
       -- where each agreement's money comes from: NULL the council's account, else the funding direct payment
       CASE WHEN cardinality(i.agreement_ids) > 1
           THEN (SELECT array_agg(DISTINCT CASE WHEN e.funding = 'managed_account' THEN e.direct_payment_id END)
                 FROM unnest(i.agreement_ids) AS x(agreement_id) LEFT JOIN agreements e USING (agreement_id))
           ELSE ARRAY[CASE WHEN a.funding = 'managed_account' THEN a.direct_payment_id END] END AS funding,
       d.invoice_id IS NOT NULL AS disputed
FROM invoices i
LEFT JOIN agreements a ON a.agreement_id = i.agreement_ids[1]
LEFT JOIN (SELECT DISTINCT invoice_id FROM disputes WHERE open) d ON d.invoice_id = i.invoice_id
WHERE i.state = 'approved' AND (i.due_date <= $1 OR i.invoice_id = ANY($2::text[]))
  AND ($3::text[] IS NULL OR i.provider_id = ANY($3::text[]))
  AND NOT {_SETTLED.format("i.invoice_id")}
"""

_CREDITS = f"""
SELECT c.credit_note_id, c.provider_id, c.corrects_invoice_id, c.number, c.amount_pence, c.period_start,
       coalesce(c.reason, '') AS reason,
       c.period_end, coalesce(c.service_type, i.service_type) AS service_type,
       coalesce(c.person_refs[1], i.person_refs[1], '') AS person_ref,
       i.state AS invoice_state,
       {_SETTLED.format("c.corrects_invoice_id")} AS invoice_settled,
       c.agreement_ids,
       -- a credit on an invoice already paid goes back to the account that paid it
       paid.funded_by,
       -- charged, when no period of its agreements is known, to its one agreement's cost centre, else to
       -- its invoice's as the invoice's line had it, else (one agreement) that agreement's; '' the default
       coalesce((SELECT e.cost_centre FROM agreements e
                 WHERE cardinality(c.agreement_ids) = 1 AND e.agreement_id = c.agreement_ids[1]),
                nullif(paid.cost_centre, ''),
                (SELECT e.cost_centre FROM agreements e
                 WHERE cardinality(i.agreement_ids) = 1 AND e.agreement_id = i.agreement_ids[1]), '') AS cost_centre
FROM credit_notes c LEFT JOIN invoices i ON i.invoice_id = c.corrects_invoice_id
LEFT JOIN LATERAL (SELECT l.funded_by, l.cost_centre FROM settlements s
                   JOIN run_lines l ON l.run_id = s.run_id AND l.line_id = s.document_id
                   WHERE s.document_id = c.corrects_invoice_id AND NOT s.returned) paid ON true
WHERE NOT c.voided AND ($1::text[] IS NULL OR c.provider_id = ANY($1::text[]))
  AND NOT {_SETTLED.format("c.credit_note_id")}
"""


# The days each invoice charges each agreement, each held to the earlier of the end invoicing said and the
# agreement's end as payments now knows it (a death told after the invoice was approved counts).
_PERIODS = """
SELECT p.invoice_id, p.agreement_id, p.first_day, p.last_day, p.amount_pence,
       LEAST(p.last_payable_date, a.last_day) AS agreement_end,
       coalesce(p.cost_centre, a.cost_centre, '') AS cost_centre
FROM invoice_agreement_periods p LEFT JOIN agreements a ON a.agreement_id = p.agreement_id
WHERE p.invoice_id = ANY($1::text[]) ORDER BY p.invoice_id, p.seq
"""


@dataclass(frozen=True)
class Payables:
    invoices: list[ApprovedInvoice]
    credits: list[ProviderCredit]  # owed back on invoices already paid (or voided)
    payees: dict[str, ProviderPayee]


def _service(value: str | None) -> ServiceType:
    # An invoice whose agreement payments has not heard of yet is coded as home care (the most common
    # service) rather than left out; the journal line then says so.
    return ServiceType(value) if value else ServiceType.HOME_CARE


async def payables(conn: asyncpg.Connection, pay_date: date, pay_early: Sequence[str],
                   providers: Sequence[str] | None) -> Payables:
    scope = list(providers) if providers is not None else None
    rows = await conn.fetch(_INVOICES, pay_date, list(pay_early), scope)
    credit_rows = await conn.fetch(_CREDITS, scope)
    candidates = {r["invoice_id"] for r in rows}
    periods = await agreement_periods(conn, candidates | {c["corrects_invoice_id"] for c in credit_rows})
    against: dict[str, list[CreditNote]] = defaultdict(list)
    owed_back: list[ProviderCredit] = []
    for c in credit_rows:
        if c["corrects_invoice_id"] in candidates:
            against[c["corrects_invoice_id"]].append(CreditNote(c["credit_note_id"], c["amount_pence"],
                                                                c["reason"], c["number"], tuple(c["agreement_ids"])))
        elif c["invoice_settled"] or c["invoice_state"] == "voided":
            owed_back.append(ProviderCredit(c["credit_note_id"], c["provider_id"], c["corrects_invoice_id"],
                                            c["amount_pence"], _service(c["service_type"]), c["cost_centre"],
                                            c["period_start"], c["period_end"], c["number"], c["person_ref"],
                                            c["funded_by"], c["reason"], periods.get(c["corrects_invoice_id"], ()),
                                            tuple(c["agreement_ids"])))
        # otherwise its invoice is not payable yet (held, not due): the credit waits with it
    invoices = [ApprovedInvoice(
        id=r["invoice_id"], provider_id=r["provider_id"], amount_pence=r["amount_pence"], due_date=r["due_date"],
        service_type=_service(r["service_type"]), cost_centre=r["cost_centre"], period_start=r["period_start"],
        period_end=r["period_end"], agreement_end=r["agreement_end"], disputed=r["disputed"],
        credit_notes=tuple(sorted(against.get(r["invoice_id"], ()), key=lambda n: n.id)),
        invoice_number=r["number"], person_ref=r["person_ref"], hold_reason=r["return_hold"],
        funding=tuple(r["funding"]), agreement_periods=periods.get(r["invoice_id"], ())) for r in rows]
    provider_ids = sorted({i.provider_id for i in invoices} | {c.provider_id for c in owed_back})
    return Payables(invoices, owed_back, await payees_of(conn, provider_ids))


async def agreement_periods(conn: asyncpg.Connection, invoice_ids: set[str]) -> dict[str, tuple[AgreementShare, ...]]:
    """Each invoice's agreement periods, in the order invoicing gave them (none: not said)."""
    found: dict[str, list[AgreementShare]] = defaultdict(list)
    for r in await conn.fetch(_PERIODS, sorted(invoice_ids)):
        found[r["invoice_id"]].append(AgreementShare(r["agreement_id"], r["first_day"], r["last_day"],
                                                     r["amount_pence"], r["agreement_end"], r["cost_centre"]))
    return {k: tuple(v) for k, v in found.items()}


async def payees_of(conn: asyncpg.Connection, provider_ids: Sequence[str]) -> dict[str, ProviderPayee]:
    """Providers with an account on record (verified or held); those without have no payee at all."""
    rows = await conn.fetch("SELECT provider_id, name, bank_status, sort_code, account_number, account_name"
                            " FROM payees WHERE provider_id = ANY($1::text[]) AND sort_code IS NOT NULL",
                            list(provider_ids))
    return {r["provider_id"]: ProviderPayee(
        r["provider_id"], r["name"] or r["provider_id"],
        BankAccount(r["sort_code"], r["account_number"], r["account_name"]),
        bank_verified=r["bank_status"] == "verified") for r in rows}


async def changed_funding(conn: asyncpg.Connection, run_id: str) -> list[str]:
    """Invoices of the run proposed to be paid from an account one of their agreements is no longer funded by."""
    rows = await conn.fetch(
        "SELECT DISTINCT l.line_id FROM run_lines l JOIN invoices i ON i.invoice_id = l.line_id"
        " CROSS JOIN LATERAL unnest(CASE WHEN cardinality(i.agreement_ids) > 0 THEN i.agreement_ids"
        "                                ELSE ARRAY[NULL::text] END) AS x(agreement_id)"
        " LEFT JOIN agreements e ON e.agreement_id = x.agreement_id"
        " WHERE l.run_id = $1 AND l.kind = 'invoice'"
        "   AND l.funded_by IS DISTINCT FROM CASE WHEN e.funding = 'managed_account' THEN e.direct_payment_id END"
        " ORDER BY 1 LIMIT 5", run_id)
    return [r["line_id"] for r in rows]
