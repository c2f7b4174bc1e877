"""HTTP: a direct payment's periodic returns (from the person or third party who holds it, or finance for
them), their audit by a finance officer and sign-off by a second person.

A return is a bank statement CSV (`text/csv`, or the form field `file`; `period_start`, `period_end` and
`opening_balance_pence` in the query) or JSON totals by category. It is stored only if it reconciles;
otherwise 422 naming the field, or the first row and column that is wrong, and nothing is stored.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.auth import Principal, require
from shared.clock import BusinessDate, london_date, utcnow
from shared.errors import NotEntitled
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from shared.schemas import inline_refs
from services.payments.api.models import AuditIn, Balance, DpReturnOut, ReturnTotalsIn
from services.payments.api.runs import FINANCE
from services.payments.api.uploads import uploaded_text
from services.payments.config import payments_config
from services.payments.domain.dp_returns import read_statement, totals_return
from services.payments.domain.errors import PaymentRefused
from services.payments.metrics import DP_RETURNS, TWO_PERSON_DECISIONS
from services.payments.steps import dp_returns as steps
from services.payments.store import dp_returns as store

router = APIRouter(tags=["direct payments: returns and audit"])
log = get_logger(__name__)



BODIES = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": inline_refs(ReturnTotalsIn.model_json_schema())},
    "text/csv": {"schema": {"type": "string", "description": "date,description,paid_in_pence,paid_out_pence,"
                                                             "balance_pence (header on row 1)"}}}}}





@router.post("/direct-payments/{agreement_id}/returns", status_code=201, response_model=DpReturnOut,
             openapi_extra=BODIES,
             summary="Send a periodic return of a direct payment held by the person or a third party: a bank "
                     "statement CSV or totals by category, stored only if it reconciles")
async def submit_return(agreement_id: str, request: Request,
                        principal: Annotated[Principal, Depends(require("finance_officer", "person"))],
                        period_start: BusinessDate | None = None, period_end: BusinessDate | None = None,
                        opening_balance_pence: Balance | None = None) -> DpReturnOut:
    as_json = request.headers.get("content-type", "").startswith("application/json")
    source = "totals" if as_json else "bank_statement"
    try:
        if as_json:
            try:
                body = ReturnTotalsIn.model_validate_json(await request.body())
            except ValidationError as invalid:
                raise RequestValidationError([{"type": e["type"], "loc": ("body", *e["loc"]), "msg": e["msg"]}
                                              for e in invalid.errors(include_url=False)]) from None
            start, end = body.period_start, body.period_end

            def read():
                return totals_return(start, end, body.opening_balance_pence, body.closing_balance_pence,
                                     [(i.category, i.amount_pence) for i in body.paid_in],
                                     [(o.category, o.amount_pence) for o in body.paid_out])
        else:
            for name, value in (("period_start", period_start), ("period_end", period_end),
                                ("opening_balance_pence", opening_balance_pence)):
                if value is None:
                    raise PaymentRefused(name, "a bank statement needs period_start, period_end and "
                                               "opening_balance_pence in the query")
            start, end, text = period_start, period_end, await uploaded_text(request, "the bank statement CSV")

            def read():
                return read_statement(text, start, end, opening_balance_pence)
        async with transaction(request) as conn:
            try:
                done = await steps.submit(conn, agreement_id, start, end, read, principal.may_see_person, principal,
                                          utcnow(), london_date(utcnow()))
            except LookupError:
                raise not_found(f"direct payment {agreement_id}") from None
            row = (await store.locked(conn, done.return_id))
    except (PaymentRefused, RequestValidationError):
        DP_RETURNS.labels(source, "refused").inc()
        raise
    DP_RETURNS.labels(source, "received").inc()
    log.info("direct payment return received", agreement_id=agreement_id, return_id=done.return_id, source=source,
             by=principal.subject)
    return DpReturnOut.of(row)


@router.get("/direct-payments/{agreement_id}/returns", response_model=list[DpReturnOut],
            summary="A direct payment's returns, oldest period first (finance, or the person)")
async def list_returns(agreement_id: str, request: Request,
                       principal: Annotated[Principal, Depends(require(*FINANCE, "person"))]) -> list[DpReturnOut]:
    async with transaction(request) as conn:
        try:
            await steps.held_direct_payment(conn, agreement_id, principal.may_see_person)
        except LookupError:
            raise not_found(f"direct payment {agreement_id}") from None
        return [DpReturnOut.of(r) for r in await store.listing(conn, agreement_id)]


@router.post("/direct-payment-returns/{return_id}/audit", response_model=DpReturnOut,
             summary="Audit a return (a finance officer): the balance found and its surplus above the threshold; "
                     "pending until a second person signs it off")
async def audit_return(return_id: str, body: AuditIn, request: Request,
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
async def sign_off_return(return_id: str, request: Request,
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
