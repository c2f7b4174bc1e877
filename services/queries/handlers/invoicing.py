"""invoicing.events in: invoices a query can be about, and the corrections queries asked for.

Every document (invoice, credit note, supplementary invoice) is a subject, owned by its provider
and the people it bills for. CreditNoteIssued / SupplementaryInvoiceIssued echoing a query's ids
complete its effect, linking the new document; InvoiceCorrectionRefused fails it with the reason.
"""
from __future__ import annotations

import asyncpg

from contracts import invoicing as contract
from contracts.queries import SubjectKind
from services.queries import store
from services.queries.steps.effect_results import record_result
from shared.consumer import Context, EventConsumer


async def on_document(conn: asyncpg.Connection, event: contract.InvoiceDocument, ctx: Context) -> None:
    only_agreement = event.agreement_ids[0] if len(event.agreement_ids) == 1 else None
    await store.subjects.record(conn, SubjectKind.INVOICE, event.invoice_id, provider_id=event.provider_id,
                                person_refs=event.person_refs, agreement_id=only_agreement)


async def on_correction_issued(conn: asyncpg.Connection,
                               event: contract.CreditNoteIssued | contract.SupplementaryInvoiceIssued,
                               ctx: Context) -> None:
    await on_document(conn, event, ctx)
    if event.query_id and event.effect_id:
        await record_result(conn, ctx.outbox, ctx.envelope, event.query_id, event.effect_id,
                            result_ref=event.invoice_id)


async def on_correction_refused(conn: asyncpg.Connection, event: contract.InvoiceCorrectionRefused,
                                ctx: Context) -> None:
    await record_result(conn, ctx.outbox, ctx.envelope, event.query_id, event.effect_id, failure=event.reason)


INVOICING = EventConsumer(
    name="queries.invoicing",
    topic=contract.TOPIC,
    handlers={
        contract.InvoiceIssued: on_document,
        contract.InvoiceReceived: on_document,
        contract.CreditNoteIssued: on_correction_issued,
        contract.SupplementaryInvoiceIssued: on_correction_issued,
        contract.InvoiceCorrectionRefused: on_correction_refused,
    },
    description="Invoices, credit notes and supplementary invoices a query can be about (provider and people); "
                "credit notes and supplementary invoices echoing a query's ids complete its effect, a refused "
                "correction fails it with the reason.",
)
