"""Reading invoices: a list with filters, a page at a time, and one invoice with its lines, holds and history.

A provider sees only its own invoices: asking for another provider's list is refused (403), and
another provider's invoice is not found (404), so its existence is not given away.
"""
from __future__ import annotations

from typing import Annotated

from datetime import datetime

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from contracts.envelope import Actor
from shared.auth import Principal, forbid_unless_provider, require
from shared.bounds import Filter, PathId
from shared.http import not_found, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.invoicing.api.models import InvoiceOut, InvoiceSummary, invoice_out
from services.invoicing.domain.invoice import InvoiceKind, InvoiceStatus
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


@router.get("/invoices", response_model=list[InvoiceSummary], responses=PAGED, summary="Invoices, newest first")
async def list_invoices(request: Request, response: Response,
                        principal: Annotated[Principal, Depends(require(*READERS))],
                        page: Annotated[Page, Depends(page_params)],
                        provider_id: Annotated[Filter | None, Query(description="The provider's id (PRV-…).")] = None,
                        status: Annotated[InvoiceStatus | None, Query(description="Where the invoice stands.")] = None,
                        agreement_id: Annotated[Filter | None, Query(description="An agreement the invoice names.")]
                        = None,
                        kind: Annotated[InvoiceKind | None, Query(description="What kind of invoice.")] = None,
                        ) -> list[InvoiceSummary]:
    """Newest first (ties by invoice_id), a page at a time: follow the `Link: rel="next"` header. A provider's
    token lists its own (403 naming both provider_ids when it asks for another's)."""
    if principal.role == "provider":
        if provider_id is not None:
            forbid_unless_provider(principal, provider_id, "invoices")
        provider_id = principal.provider_id
    filters = InvoiceFilter(provider_id, status.value if status else None, agreement_id, kind.value if kind else None)
    async with transaction(request) as conn:
        rows = await store_invoices.list_invoices(conn, filters, after=page.after_key((datetime, str)),
                                                  fetch=page.fetch)
    rows = paged(request, response, rows, page, key=lambda r: (r["created_at"], r["invoice_id"]))
    return [InvoiceSummary(invoice_id=r["invoice_id"], kind=r["kind"], provider_id=r["provider_id"], number=r["number"],
                           status=r["status"], agreement_ids=r["agreement_ids"], period_start=r["period_first"],
                           period_end=r["period_last"], received_on=r["received_on"], due_date=r["due_on"],
                           total_pence=r["total_pence"], line_count=r["line_count"], hold_codes=r["hold_codes"],
                           corrects_invoice_id=r["corrects_invoice_id"]) for r in rows]


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, summary="One invoice: lines, holds, history")
async def get_invoice(invoice_id: PathId, request: Request,
                      principal: Annotated[Principal, Depends(require(*READERS))]) -> InvoiceOut:
    async with transaction(request) as conn:
        return await answer(conn, invoice_id, principal)
