"""invoicing.events -> invoiced spend (approved, credit notes negative) and invoices awaiting payment; the
person's contribution charges (latest revision per period) and accepted ISF returns, for their statement.

Every kind of invoice counts the same way, under the mechanism of its agreement: an ISF's advances
(`isf_advance`) and the credit notes against them (an ISF surplus reclaimed, an overpayment) are ISF
spend; a credit note for an overpayment reduces the spend of its agreement's mechanism."""
from __future__ import annotations

import asyncpg

from contracts import invoicing as inv
from contracts.envelope import Envelope
from shared.clock import london_date
from services.reporting.domain import invoices
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.person_charges import (ContributionCharge, IsfReturn, IsfSubcontractor, IsfSupport,
                                                      hours_text)
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.steps.invoice_facts import InvoiceStep, apply_to_invoices
from services.reporting.store import person_charges as store_charges

# Read for the person's statement only: they change no spend figure.
_STATEMENT_EVENTS = (inv.ContributionCharged, inv.IsfReturnAccepted)


def _invoicing_step(env: Envelope) -> InvoiceStep:
    e = env.payload
    if isinstance(e, inv.InvoiceDocument):
        return e.invoice_id, lambda i: invoices.documented(
            i, kind=e.kind, service_type=e.service_type, agreement_ids=e.agreement_ids, person_refs=e.person_refs,
            period_start=e.period_start, period_end=e.period_end, total_pence=e.total_pence,
            issued_on=london_date(env.occurred_at))
    if isinstance(e, inv.InvoiceApproved):
        return e.invoice_id, lambda i: invoices.approved(
            i, revision=e.revision, kind=e.kind, service_type=e.service_type, agreement_ids=e.agreement_ids,
            period_start=e.period_start, amount_pence=e.amount_pence, received_on=e.received_on,
            valid_on=e.valid_on, due_date=e.due_date, approved_on=london_date(env.occurred_at),
            period_end=e.period_end,
            spans=tuple((p.first_day, p.last_day, p.amount_pence) for p in e.agreement_periods),
            span_agreements=tuple(p.agreement_id for p in e.agreement_periods))
    if isinstance(e, inv.InvoiceHeld):
        return e.invoice_id, invoices.on_hold
    return e.invoice_id, invoices.cancelled  # rejected or voided


def _charge(e: inv.ContributionCharged) -> ContributionCharge:
    return ContributionCharge(e.person_ref, e.period_start, e.period_end, e.revision, e.charge_id,
                              e.contribution_pence, e.care_cost_pence, e.charged_pence, e.capped, e.reason)


def _return(e: inv.IsfReturnAccepted) -> IsfReturn:
    return IsfReturn(e.return_id, e.agreement_id, e.provider_id, e.person_ref, e.period_start, e.period_end,
                     e.budget_pence, e.spend_pence,
                     tuple(IsfSupport(s.support_type, hours_text(s.hours), s.spend_pence) for s in e.by_support),
                     tuple(IsfSubcontractor(s.subcontractor, s.spend_pence) for s in e.by_subcontractor),
                     e.balance_pence)


async def apply_invoicing(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    documents = [env for env in envelopes if not isinstance(env.payload, _STATEMENT_EVENTS)]
    if documents:
        steps = [_invoicing_step(env) for env in documents]
        await apply_to_invoices(conn, steps, {e.payload.invoice_id: e.payload.provider_id for e in documents},
                                deltas)
    await store_charges.save_charges(conn, [_charge(env.payload) for env in envelopes
                                            if isinstance(env.payload, inv.ContributionCharged)])
    await store_charges.save_returns(conn, [_return(env.payload) for env in envelopes
                                            if isinstance(env.payload, inv.IsfReturnAccepted)])


INVOICING = batch_consumer(
    "reporting.invoicing", inv.TOPIC,
    [inv.InvoiceIssued, inv.InvoiceReceived, inv.CreditNoteIssued, inv.SupplementaryInvoiceIssued,
     inv.InvoiceApproved, inv.InvoiceHeld, inv.InvoiceRejected, inv.InvoiceVoided, *_STATEMENT_EVENTS],
    apply_invoicing, "Invoices and credit notes: invoiced spend (approved, credit notes negative) and unpaid invoices; "
                     "contribution charges and accepted ISF returns for the person's statement.")
