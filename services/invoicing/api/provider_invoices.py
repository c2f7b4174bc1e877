"""Providers send invoices: as JSON, or a CSV file of one or more invoices (the raw body, or a form's part
`file`; the answer says which columns of its header were read and which were ignored).

Each invoice is stored whatever its quality and validated at once: approved with its due date,
or held with every reason, naming the lines (and rows of the file) at fault. Only a request that
is not an invoice at all (no number, no lines, a file with no usable header) is refused (422).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from shared.auth import Principal, forbid_unless_provider, require
from shared.bounds import PathId
from shared.clock import london_date, utcnow
from shared.http import cause_of, runtime_of, transaction
from shared.openapi import problem_responses
from shared.uploads import ColumnReport, read_upload, upload_body_doc
from services.invoicing.api.invoices import actor_of, answer
from services.invoicing.api.models import InvoiceFileOut, InvoiceOut, ProviderInvoiceIn, read_lines
from services.invoicing.domain.invoice_csv import (MAX_FILE_BYTES, HeaderColumns, InvoiceFileTooLarge,
                                                   UnreadableInvoiceFile, parse_invoice_csv)
from services.invoicing.domain.periods import Period
from services.invoicing.domain.provider_invoices import ProviderInvoiceSubmission
from services.invoicing.steps.receiving import receive

# The body (a multipart form's file included) is capped at this before and while it arrives (app.py:
# body_caps; shared.limits), so an upload is never spooled to disk whole before the check.
MAX_BODY_BYTES = MAX_FILE_BYTES + (64 << 10)  # the file plus the form's own framing
router = APIRouter(tags=["provider invoices"])
SENDERS = ("provider", "finance_officer")  # a finance officer keys in an invoice that came on paper
FILE_TYPES = ("text/csv",)  # the raw body's type; or a multipart/form-data form whose part `file` is the file


def _may_send(principal: Principal, provider_id: str) -> None:
    forbid_unless_provider(principal, provider_id, "invoices")


@router.post("/providers/{provider_id}/invoices", response_model=InvoiceOut, status_code=status.HTTP_201_CREATED,
             summary="Submit an invoice (JSON)")
async def submit_invoice(provider_id: PathId, body: ProviderInvoiceIn, request: Request,
                         principal: Annotated[Principal, Depends(require(*SENDERS))]) -> InvoiceOut:
    """Stored whatever its quality and validated at once: approved with its due date, or held with every
    reason (a line that cannot be read is kept and named; a number already used is held as a duplicate). 422
    only when it is not an invoice at all, or names more agreements than one invoice may."""
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


def _columns(found: HeaderColumns) -> ColumnReport:
    return ColumnReport(mapped=list(found.mapped), ignored=list(found.ignored))


def _refused(msg: str, columns: HeaderColumns | None = None) -> dict:
    """One error of the file (422), with its header's columns when it had a header."""
    return {"loc": ["body", "file"], "msg": msg, "type": "value_error",
            **({"columns": _columns(columns).model_dump()} if columns is not None else {})}


@router.post("/providers/{provider_id}/invoices/csv", response_model=InvoiceFileOut,
             status_code=status.HTTP_201_CREATED, responses=problem_responses(415),
             openapi_extra=upload_body_doc(FILE_TYPES, "The CSV file: header row 1 names the columns (see the"
                                                       " operation's description); UTF-8, UTF-16 with a BOM or"
                                                       " Windows-1252."),
             summary="Upload invoices as a CSV file")
async def upload_invoice_file(provider_id: PathId, request: Request,
                              principal: Annotated[Principal, Depends(require(*SENDERS))]) -> InvoiceFileOut:
    """The file as the body (`Content-Type: text/csv`) or as the part `file` of a multipart/form-data form.
    Columns by header name (any order, case and spaces or hyphens ignored): invoice_number, agreement_ref,
    service_user_ref, amount (pounds), date_from [date_to] or week_commencing; optional invoice_date,
    period_start, period_end, visit_id, carer_id, description. Dates dd/mm/yyyy or yyyy-mm-dd. The answer lists
    the columns read (`mapped`) and those not read (`ignored`: extra or misspelt). 413 past 16 MB or 100,000 rows;
    422 when the file is not invoices at all (no header, a required column missing: its `errors` carry the
    header's columns too, or a row that belongs to no invoice)."""
    _may_send(principal, provider_id)
    async with await read_upload(request, accept=FILE_TYPES, max_bytes=MAX_FILE_BYTES) as upload:
        data = await upload.read()
    try:
        read = parse_invoice_csv(data, provider_ref=provider_id, received_on=london_date(utcnow()))
    except InvoiceFileTooLarge as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=[
            {"loc": ["body", "file"], "msg": str(exc), "type": "too_large"}]) from exc
    except UnreadableInvoiceFile as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[_refused(str(exc), exc.columns)]) from exc
    if read.problems or not read.invoices:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
            _refused(problem, read.columns) for problem in read.problems or ("the file holds no invoice rows",)])
    async with transaction(request) as conn:
        received = [await receive(conn, runtime_of(request).outbox, cause_of(request, principal), actor_of(principal),
                                  submission, source="csv") for submission in read.invoices]
        invoices = [await answer(conn, f.invoice.invoice_id, principal) for f in received]
    return InvoiceFileOut(invoices=invoices, columns=_columns(read.columns))
