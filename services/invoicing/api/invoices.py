"""Reading invoices: a list with filters, and one invoice with its lines, holds and history.

A provider sees only its own invoices: asking for another provider's list is refused (403), and
another provider's invoice is not found (404), so its existence is not given away.
"""
from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from contracts.envelope import Actor
from shared.auth import Principal, forbid_unless_provider, require
from shared.bounds import Filter
from shared.http import MAX_OFFSET, not_found, transaction
from services.invoicing.api.models import InvoiceOut, InvoiceSummary, invoice_out
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import InvoiceFilter

router = APIRouter(tags=["invoices"])
READERS = ("provider", "finance_officer", "finance_approver", "ops")


def actor_of(principal: Principal, reason: str | None = None) -> Actor:
    return Actor(id=principal.subject, role=principal.role, reason=reason)


async def answer(conn: asyncpg.Connection, invoice_id: str, principal: Principal) -> InvoiceOut:
    filed = await store_invoices.load(conn, invoice_id)
    if filed is None or not principal.may_see_provider(filed.invoice.provider_ref):
        raise not_found(f"invoice {invoice_id}")
    return invoice_out(filed.invoice, await store_invoices.history(conn, invoice_id))


@router.get("/invoices", response_model=list[InvoiceSummary], summary="Invoices, newest first")
async def list_invoices(request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
                        provider_id: Filter | None = None, status: Filter | None = None,
                        agreement: Filter | None = None, kind: Filter | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50,
                        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[InvoiceSummary]:
    """Filters: provider_id (PRV-…), status (held, approved, ...), agreement, kind. A provider's token lists its
    own (403 naming both provider_ids when it asks for another's)."""
    if principal.role == "provider":
        if provider_id is not None:
            forbid_unless_provider(principal, provider_id, "invoices")
        provider_id = principal.provider_id
    async with transaction(request) as conn:
        rows = await store_invoices.list_invoices(conn, InvoiceFilter(provider_id, status, agreement, kind, limit,
                                                                      offset))
    return [InvoiceSummary(invoice_id=r["invoice_id"], kind=r["kind"], provider_id=r["provider_id"], number=r["number"],
                           status=r["status"], agreement_ids=r["agreement_ids"], period_start=r["period_first"],
                           period_end=r["period_last"], received_on=r["received_on"], due_date=r["due_on"],
                           total_pence=r["total_pence"], line_count=r["line_count"], hold_codes=r["hold_codes"],
                           corrects_invoice_id=r["corrects_invoice_id"]) for r in rows]


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, summary="One invoice: lines, holds, history")
async def get_invoice(invoice_id: str, request: Request,
                      principal: Annotated[Principal, Depends(require(*READERS))]) -> InvoiceOut:
    async with transaction(request) as conn:
        return await answer(conn, invoice_id, principal)
