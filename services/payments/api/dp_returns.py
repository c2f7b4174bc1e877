"""HTTP: a direct payment's periodic returns (from the person or third party who holds it, or finance for
them), their audit by a finance officer and sign-off by a second person.

A return is JSON totals by category (POST .../returns) or a bank statement CSV (POST .../bank-statements:
the raw `text/csv` body or the form part `file`, with `period_start`, `period_end` and
`opening_balance_pence` in the query). It is stored only if it reconciles; otherwise 422 naming the field,
or the first row and column that is wrong, and nothing is stored.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import BusinessDate, london_date, utcnow
from shared.errors import NotEntitled
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.models import AuditIn, Balance, DpReturnOut, ReturnTotalsIn
from services.payments.api.runs import FINANCE
from services.payments.api.uploads import (UPLOAD_PROBLEMS, columns_of, csv_upload_doc, invalid, rows_refused,
                                           uploaded)
from services.payments.config import payments_config
from services.payments.domain.dp_returns import (STATEMENT_COLUMNS, PeriodicReturn, StatementRefused, read_statement,
                                                 totals_return)
from services.payments.domain.errors import PaymentRefused
from services.payments.metrics import DP_RETURNS, TWO_PERSON_DECISIONS
from services.payments.steps import dp_returns as steps
from services.payments.store import dp_returns as store

router = APIRouter(tags=["direct payments: returns and audit"])
log = get_logger(__name__)

STATEMENT_BODY = csv_upload_doc("The bank statement of the account the direct payment is paid into for the period: "
                                "a header row date,description,paid_in_pence,paid_out_pence,balance_pence, then one "
                                "row per transaction, its running balance on each row")


async def _submit(request: Request, principal: Principal, agreement_id: str, source: str, start: date, end: date,
                  read: Callable[[], PeriodicReturn]) -> DpReturnOut:
    """Store a return that reconciles (steps.dp_returns.submit), counted by its source."""
    try:
        async with transaction(request) as conn:
            try:
                done = await steps.submit(conn, agreement_id, start, end, read, principal.may_see_person, principal,
                                          utcnow(), london_date(utcnow()))
            except LookupError:
                raise not_found(f"direct payment {agreement_id}") from None
            row = await store.locked(conn, done.return_id)
    except (PaymentRefused, HTTPException):
        DP_RETURNS.labels(source, "refused").inc()
        raise
    DP_RETURNS.labels(source, "received").inc()
    log.info("direct payment return received", agreement_id=agreement_id, return_id=done.return_id, source=source,
             by=principal.subject)
    return DpReturnOut.of(row)


@router.post("/direct-payments/{agreement_id}/returns", status_code=201, response_model=DpReturnOut,
             summary="Send a periodic return of a direct payment held by the person or a third party as totals by "
                     "category (opening + paid in - paid out = closing), stored only if it reconciles; a bank "
                     "statement goes to POST /direct-payments/{agreement_id}/bank-statements")
async def submit_direct_payment_return(
        agreement_id: PathId, body: ReturnTotalsIn, request: Request,
        principal: Annotated[Principal, Depends(require("finance_officer", "person"))]) -> DpReturnOut:
    def read() -> PeriodicReturn:
        return totals_return(body.period_start, body.period_end, body.opening_balance_pence,
                             body.closing_balance_pence, [(i.category, i.amount_pence) for i in body.paid_in],
                             [(o.category, o.amount_pence) for o in body.paid_out])

    return await _submit(request, principal, agreement_id, "totals", body.period_start, body.period_end, read)


@router.post("/direct-payments/{agreement_id}/bank-statements", status_code=201, response_model=DpReturnOut,
             responses=UPLOAD_PROBLEMS, openapi_extra=STATEMENT_BODY,
             summary="Send a periodic return of a direct payment held by the person or a third party as the bank "
                     "statement of its account (CSV, raw or the form part file), stored only if every row's running "
                     "balance reconciles from the opening balance")
async def upload_bank_statement(
        agreement_id: PathId, request: Request,
        principal: Annotated[Principal, Depends(require("finance_officer", "person"))],
        period_start: Annotated[BusinessDate, Query(description="The period's first day")],
        period_end: Annotated[BusinessDate, Query(description="The period's last day (over by today)")],
        opening_balance_pence: Annotated[Balance, Query(description="The balance before the statement's first row")]
) -> DpReturnOut:
    upload = await uploaded(request, "the bank statement CSV")

    def read() -> PeriodicReturn:
        try:
            return read_statement(upload.text, period_start, period_end, opening_balance_pence)
        except StatementRefused as bad:
            raise rows_refused("bank_statement_refused", f"the bank statement is refused at row {bad.row}: "
                                                         f"{bad.message}", upload.loc,
                               [(bad.row, bad.column, bad.message)]) from None

    try:
        out = await _submit(request, principal, agreement_id, "bank_statement", period_start, period_end, read)
    except PaymentRefused as bad:
        if bad.field in ("period_start", "period_end"):  # the statement's period is in the query
            raise invalid(("query", bad.field), bad.rule) from None
        raise
    return out.model_copy(update={"columns": columns_of(upload.text, STATEMENT_COLUMNS)})


@router.get("/direct-payments/{agreement_id}/returns", response_model=list[DpReturnOut], responses=PAGED,
            summary="A direct payment's returns, oldest period first, a page at a time (finance, or the person)")
async def list_direct_payment_returns(
        agreement_id: PathId, request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(*FINANCE, "person"))],
        page: Annotated[Page, Depends(page_params)]) -> list[DpReturnOut]:
    after = page.after_key((date, str))
    async with transaction(request) as conn:
        try:
            await steps.held_direct_payment(conn, agreement_id, principal.may_see_person)
        except LookupError:
            raise not_found(f"direct payment {agreement_id}") from None
        rows = await store.listing(conn, agreement_id, after, page.fetch)
    rows = paged(request, response, rows, page, key=lambda r: (r["period_start"], r["return_id"]))
    return [DpReturnOut.of(r) for r in rows]


@router.post("/direct-payment-returns/{return_id}/audit", response_model=DpReturnOut,
             summary="Audit a return (a finance officer): the balance found and its surplus above the threshold; "
                     "pending until a second person signs it off")
async def audit_direct_payment_return(return_id: PathId, body: AuditIn, request: Request,
                       principal: Annotated[Principal, Depends(require("finance_officer"))]) -> DpReturnOut:
    async with transaction(request) as conn:
        try:
            audited = await steps.audit(conn, return_id, body.audited_balance_pence, payments_config().surplus_weeks,
                                        principal, utcnow())
        except LookupError:
            raise not_found(f"direct payment return {return_id}") from None
        row = await store.locked(conn, return_id)
    TWO_PERSON_DECISIONS.labels("dp_return_audit", "recorded").inc()
    log.info("direct payment return audited, awaiting sign-off", return_id=return_id,
             surplus_pence=audited.surplus_pence, by=principal.subject)
    return DpReturnOut.of(row)


@router.post("/direct-payment-returns/{return_id}/sign-off", response_model=DpReturnOut,
             summary="Sign off a return's audit (a finance approver who did not audit it): DirectPaymentReturnAudited")
async def sign_off_direct_payment_return(return_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require("finance_approver"))]) -> DpReturnOut:
    try:
        async with transaction(request) as conn:
            try:
                signed = await steps.sign_off(conn, return_id, principal, utcnow(), runtime_of(request).outbox,
                                              cause_of(request, principal))
            except LookupError:
                raise not_found(f"direct payment return {return_id}") from None
            row = await store.locked(conn, return_id)
    except NotEntitled as refused:
        if getattr(refused, "field", None) == "signed_off_by":
            TWO_PERSON_DECISIONS.labels("dp_return_audit", "self_approval").inc()
        raise
    TWO_PERSON_DECISIONS.labels("dp_return_audit", "approved").inc()
    log.info("direct payment return audit signed off", return_id=return_id, audited_by=signed.audited_by,
             signed_off_by=signed.signed_off_by, surplus_pence=signed.surplus_pence)
    return DpReturnOut.of(row)
