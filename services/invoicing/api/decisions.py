"""A finance officer's steps: release or reject a held invoice, void one, credit one, and raise a
period's scheduled invoices. Every step needs a reason, recorded with who took it.

Answers: 200 with the invoice; 404 for no such invoice; 403 for another role; 422 naming what is
missing; 409 saying what state the invoice is in and what can be done from there.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.openapi import problem_responses
from shared.problems import ApiProblem
from services.invoicing.api.invoices import actor_of, answer
from services.invoicing.api.models import CorrectionIn, InvoiceOut, QueryDate, ReasonIn, ScheduledRunOut
from services.invoicing.domain.invoice import InvoiceKind
from services.invoicing.steps.corrections import correction_by_amount, issue
from services.invoicing.steps import decisions as steps
from services.invoicing.steps.decisions import InvoiceNotFound
from services.invoicing.steps.plan_runs import RunInProgress
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import load_locked

router = APIRouter(tags=["invoice decisions"])
Officer = Annotated[Principal, Depends(require("finance_officer"))]


async def _take(request: Request, principal: Principal, invoice_id: str, reason: str, step) -> InvoiceOut:
    async with transaction(request) as conn:
        try:
            await step(conn, runtime_of(request).outbox, cause_of(request, principal, reason),
                       actor_of(principal, reason), invoice_id, reason)
        except InvoiceNotFound:
            raise not_found(f"invoice {invoice_id}") from None
        return await answer(conn, invoice_id, principal)


STATE = problem_responses(409)  # the invoice's state does not allow the step (the detail says what can be done)


@router.post("/invoices/{invoice_id}/release", response_model=InvoiceOut, responses=STATE,
             summary="Approve a held invoice")
async def release_invoice(invoice_id: PathId, body: ReasonIn, request: Request, principal: Officer) -> InvoiceOut:
    """held -> approved, due from the date received. Duplicates and disputed invoices are never released (409)."""
    return await _take(request, principal, invoice_id, body.reason, steps.release_invoice)


@router.post("/invoices/{invoice_id}/reject", response_model=InvoiceOut, responses=STATE,
             summary="Reject a held invoice")
async def reject_invoice(invoice_id: PathId, body: ReasonIn, request: Request, principal: Officer) -> InvoiceOut:
    """held -> void, kept with its reasons; the provider is told why (InvoiceRejected)."""
    return await _take(request, principal, invoice_id, body.reason, steps.reject_invoice)


@router.post("/invoices/{invoice_id}/void", response_model=InvoiceOut, responses=STATE, summary="Void an invoice")
async def void_invoice(invoice_id: PathId, body: ReasonIn, request: Request, principal: Officer) -> InvoiceOut:
    """Any invoice not yet in a payment run, paid or void. Its days may then be invoiced again."""
    return await _take(request, principal, invoice_id, body.reason, steps.void_invoice)


async def _correct(request: Request, principal: Principal, invoice_id: str, body: CorrectionIn,
                   kind: InvoiceKind) -> InvoiceOut:
    async with transaction(request) as conn:
        original = await load_locked(conn, invoice_id)  # validated on facts no one changes meanwhile
        if original is None:
            raise not_found(f"invoice {invoice_id}")
        document = await correction_by_amount(conn, original, kind, body.amount_pence,
                                              issued_on=london_date(utcnow()), by=principal.subject, why=body.reason)
        [issued] = await issue(conn, runtime_of(request).outbox, cause_of(request, principal, body.reason),
                               actor_of(principal, body.reason), original, [document], source="officer")
        return await answer(conn, issued.invoice.invoice_id, principal)


@router.post("/invoices/{invoice_id}/credit-notes", response_model=InvoiceOut, status_code=status.HTTP_201_CREATED,
             responses=STATE, summary="Issue a credit note against an invoice")
async def issue_credit_note(invoice_id: PathId, body: CorrectionIn, request: Request, principal: Officer) -> InvoiceOut:
    """One line of `amount_pence` on the invoice's first agreement, against an approved, scheduled or paid
    invoice; never more than is left of it after earlier credit notes (422 on amount_pence). 409 (with its
    code) when the invoice cannot be corrected: a credit note itself, held or void, or naming no agreement
    (none of its lines could be read). A credit beyond what a payment can absorb is carried forward by payments."""
    return await _correct(request, principal, invoice_id, body, InvoiceKind.CREDIT_NOTE)


@router.post("/invoices/{invoice_id}/supplementary-invoices", response_model=InvoiceOut,
             status_code=status.HTTP_201_CREATED, responses=STATE,
             summary="Raise a supplementary invoice adding to an invoice")
async def raise_supplementary_invoice(invoice_id: PathId, body: CorrectionIn, request: Request,
                                      principal: Officer) -> InvoiceOut:
    """One line of `amount_pence` on the invoice's first agreement, for its period, validated like any invoice.
    409 (with its code) when the invoice cannot be corrected, as for a credit note."""
    return await _correct(request, principal, invoice_id, body, InvoiceKind.SUPPLEMENTARY)


@router.post("/invoices/scheduled", response_model=ScheduledRunOut, responses=problem_responses(409),
             summary="Raise a period's scheduled invoices")
async def raise_scheduled_invoices(
        request: Request, principal: Officer,
        period_start: Annotated[QueryDate, Query(description="First day (a Monday) of the period; 422 for another "
                                                             "day.")]
) -> ScheduledRunOut:
    """One invoice per plan agreement whose cycle has a period starting `period_start` (weekly: any
    Monday; four-weekly: the first Monday of a four-weekly period), exactly once per agreement and
    period: run it again and only agreements not yet invoiced are raised. 409 while another run is under way."""
    if period_start.weekday() != 0:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
            "loc": ["query", "period_start"], "type": "value_error",
            "msg": f"{period_start} is a {period_start:%A}: invoice periods start on a Monday"}])
    runtime = runtime_of(request)
    if runtime.pool is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="service is starting: database not ready")
    try:
        run = await raise_scheduled(runtime.pool, runtime.outbox, cause_of(request, principal, "scheduled run"),
                                    actor_of(principal, "scheduled run"), period_start)
    except RunInProgress as busy:
        raise ApiProblem(status.HTTP_409_CONFLICT, "run_in_progress", str(busy)) from None
    return ScheduledRunOut(**run.counts(already="already_invoiced"))
