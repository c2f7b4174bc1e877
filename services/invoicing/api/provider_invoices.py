"""Providers send invoices: as JSON, or a CSV file of one or more invoices.

Each invoice is stored whatever its quality and validated at once: approved with its due date,
or held with every reason, naming the lines (and rows of the file) at fault. Only a request that
is not an invoice at all (no number, no lines, a file with no usable header) is refused (422).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile, status

from shared.auth import Principal, forbid_unless_provider, require
from shared.clock import london_date, utcnow
from shared.http import cause_of, runtime_of, transaction
from services.invoicing.api.invoices import actor_of, answer
from services.invoicing.api.models import InvoiceOut, ProviderInvoiceIn, read_lines
from services.invoicing.domain.invoice_csv import (MAX_FILE_BYTES, InvoiceFileTooLarge, UnreadableInvoiceFile,
                                                   parse_invoice_csv)
from services.invoicing.domain.periods import Period
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission
from services.invoicing.steps.receiving import receive

# The body (a multipart form's file included) is capped at this before and while it arrives (app.py:
# body_caps; shared.limits), so an upload is never spooled to disk whole before the check.
MAX_BODY_BYTES = MAX_FILE_BYTES + (64 << 10)  # the file plus the form's own framing
router = APIRouter(tags=["provider invoices"])
SENDERS = ("provider", "finance_officer")  # a finance officer keys in an invoice that came on paper


def _may_send(principal: Principal, provider_id: str) -> None:
    forbid_unless_provider(principal, provider_id, "invoices")


@router.post("/providers/{provider_id}/invoices", response_model=InvoiceOut, status_code=status.HTTP_201_CREATED,
             summary="Send an invoice (JSON)")
async def send_invoice(provider_id: str, body: ProviderInvoiceIn, request: Request,
                       principal: Annotated[Principal, Depends(require(*SENDERS))]) -> InvoiceOut:
    _may_send(principal, provider_id)
    lines, unreadable = read_lines(body.lines)
    period = Period(body.period_start, body.period_end) if body.period_start and body.period_end \
        and body.period_start <= body.period_end else None
    submission = ProviderInvoiceSubmission(provider_id, body.invoice_number, london_date(utcnow()), tuple(lines),
                                           tuple(unreadable), body.invoice_date, period)
    async with transaction(request) as conn:
        filed = await receive(conn, runtime_of(request).outbox, cause_of(request, principal), actor_of(principal),
                              submission, source="json")
        return await answer(conn, filed.invoice.invoice_id, principal)


@router.post("/providers/{provider_id}/invoices/csv", response_model=list[InvoiceOut],
             status_code=status.HTTP_201_CREATED, summary="Send invoices as a CSV file")
async def send_invoice_file(provider_id: str, file: UploadFile, request: Request,
                            principal: Annotated[Principal, Depends(require(*SENDERS))]) -> list[InvoiceOut]:
    """Columns by header name (any order): invoice_number, agreement_ref, service_user_ref, amount
    (pounds), date_from [date_to] or week_commencing; optional invoice_date, period_start,
    period_end, visit_id, carer_id, description. Dates dd/mm/yyyy or yyyy-mm-dd."""
    _may_send(principal, provider_id)
    try:
        if (file.size or 0) > MAX_FILE_BYTES:  # spooled to disk as it came: not read into memory
            raise InvoiceFileTooLarge(f"the file is larger than {MAX_FILE_BYTES >> 20} MB: send it in parts")
        upload = parse_invoice_csv(await file.read(), provider_ref=provider_id, received_on=london_date(utcnow()))
    except InvoiceFileTooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=[
            {"loc": ["body", "file"], "msg": str(exc), "type": "too_large"}]) from exc
    except UnreadableInvoiceFile as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
            {"loc": ["body", "file"], "msg": str(exc), "type": "value_error"}]) from exc
    if upload.problems or not upload.invoices:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
            {"loc": ["body", "file"], "msg": problem, "type": "value_error"}
            for problem in upload.problems or ("the file holds no invoice rows",)])
    async with transaction(request) as conn:
        received = [await receive(conn, runtime_of(request).outbox, cause_of(request, principal), actor_of(principal),
                                  submission, source="csv") for submission in upload.invoices]
        return [await answer(conn, f.invoice.invoice_id, principal) for f in received]
