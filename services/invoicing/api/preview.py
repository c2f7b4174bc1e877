"""`POST /invoices/preview`: the invoice the council would raise now for an agreement and period,
with where validation would put it; nothing is stored or published and no number is taken."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from shared.auth import Principal, require
from shared.clock import london_date, utcnow
from shared.http import not_found, transaction
from shared.openapi import problem_responses
from shared.problems import ApiProblem
from services.invoicing.api.models import InvoiceOut, PreviewIn, invoice_out
from services.invoicing.config import config
from services.invoicing.domain.errors import NothingToInvoice
from services.invoicing.domain.periods import Period, period_of
from services.invoicing.domain.self_billing import ActualsNotConfirmed
from services.invoicing.steps import preview as steps
from services.invoicing.store import facts as store_facts

router = APIRouter(tags=["invoices"])


@router.post("/invoices/preview", response_model=InvoiceOut, responses=problem_responses(404, 409),
             summary="Dry run: the invoice that would be raised now")
async def preview_invoice(body: PreviewIn, request: Request,
                          principal: Annotated[Principal, Depends(require("provider", "finance_officer",
                                                                          "finance_approver", "ops"))]) -> InvoiceOut:
    """The agreement's cycle gives the period containing `period_start` (or give `period_end`, not before it:
    422). 404 for an agreement invoicing does not hold (or, to a provider, another provider's). 409
    nothing_to_invoice when nothing would be raised now: actuals not all confirmed (naming the weeks), or nothing
    payable."""
    async with transaction(request) as conn:
        agreement = (await store_facts.agreements(conn, [body.agreement_id])).get(body.agreement_id)
        if agreement is None or not principal.may_see_provider(agreement.provider_ref):
            raise not_found(f"agreement {body.agreement_id}")
        if body.period_end is not None:
            if body.period_end < body.period_start:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
                    "loc": ["body", "period_end"], "type": "value_error", "msg": "period_end is before period_start"}])
            period = Period(body.period_start, body.period_end)
        else:
            period = period_of(body.period_start, agreement.cycle, config().four_weekly_anchor)
        try:
            result = await steps.preview_invoice(conn, agreement, period, today=london_date(utcnow()))
        except (ActualsNotConfirmed, NothingToInvoice) as nothing:
            raise ApiProblem(status.HTTP_409_CONFLICT, "nothing_to_invoice",
                             f"nothing would be raised now: {nothing}") from None
    return invoice_out(result.invoice)
