"""HTTP: a provider's new rate card applied to its agreements in one step (or previewed), and reading an uplift.

`POST /providers/{provider_id}/rate-uplifts` is a brokerage officer's; applying is one transaction (every
variation, event and commitment, or none). A preview takes the same path and changes nothing. A
provider reads only its own uplifts (another's is 404).
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.agreements.api.errors import refusals
from services.agreements.api.fields import PathId
from services.agreements.api.rate_uplift_models import RateUpliftIn, RateUpliftOut, UpliftSkippedOut, UpliftVariedOut
from services.agreements.domain.errors import Conflict
from services.agreements.domain.rate_uplifts import UpliftPlan
from services.agreements.steps.rate_uplifts import apply_uplift, preview_uplift
from services.agreements.store import providers as store_providers, rate_uplifts as store_uplifts

router = APIRouter(tags=["rate uplifts"])

READERS = ("brokerage_officer", "finance_officer", "finance_approver", "ops", "provider")  # a provider its own


def _plan_out(plan: UpliftPlan, rate_uplift_id: str | None) -> RateUpliftOut:
    return RateUpliftOut(
        rate_uplift_id=rate_uplift_id, preview=rate_uplift_id is None, provider_id=plan.provider_id,
        service_type=plan.service_type, effective_from=plan.effective_from, rate_card_id=plan.rate_card_id,
        varied=[UpliftVariedOut(agreement_id=v.agreement.agreement_id, person_ref=v.agreement.person_ref,
                                weekly_before_pence=v.weekly_before_pence, weekly_after_pence=v.weekly_after_pence,
                                rate_card_id=v.rate_card_id, version=v.version if rate_uplift_id else None,
                                reason=v.reason) for v in plan.varied],
        skipped=[UpliftSkippedOut(agreement_id=s.agreement_id, reason=s.reason) for s in plan.skipped])


@router.post("/providers/{provider_id}/rate-uplifts", response_model=RateUpliftOut,
             summary="Apply the provider's rate card in force on a date to its agreements of a service (or preview)",
             description="409 when the provider is not registered for the service, or has no rate card for it in "
                         "force on effective_from.")
async def apply_rate_uplift(provider_id: PathId, body: RateUpliftIn, request: Request,
                            principal: Annotated[Principal, Depends(require("brokerage_officer"))]) -> RateUpliftOut:
    with refusals():
        async with transaction(request) as conn:
            provider = await store_providers.get_provider(conn, provider_id)
            if provider is None:
                raise not_found(f"provider {provider_id}")
            if body.service_type.value not in provider["service_types"]:
                raise Conflict("service_type", f"provider {provider_id} is not registered for {body.service_type}",
                               code="service_not_offered")
            if body.preview:
                return _plan_out(await preview_uplift(conn, provider_id, body.service_type, body.effective_from),
                                 None)
            rate_uplift_id, plan = await apply_uplift(conn, runtime_of(request).outbox, cause_of(request, principal),
                                                      principal, provider_id, body.service_type,
                                                      body.effective_from)
    out = _plan_out(plan, rate_uplift_id)
    out.applied_by = principal.subject
    return out


@router.get("/rate-uplifts/{rate_uplift_id}", response_model=RateUpliftOut,
            summary="An applied uplift: who, when, the agreements varied and those skipped with the reason")
async def get_rate_uplift(rate_uplift_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require(*READERS))]) -> RateUpliftOut:
    async with transaction(request) as conn:
        found = await store_uplifts.get(conn, rate_uplift_id)
    if found is None or not principal.may_see_provider(found[0]["provider_id"]):
        raise not_found(f"rate uplift {rate_uplift_id}")
    uplift, lines = found
    return RateUpliftOut(
        rate_uplift_id=uplift["rate_uplift_id"], preview=False, provider_id=uplift["provider_id"],
        service_type=uplift["service_type"], effective_from=uplift["effective_from"],
        rate_card_id=uplift["rate_card_id"], applied_by=uplift["applied_by"], applied_at=uplift["applied_at"],
        varied=[UpliftVariedOut(agreement_id=line["agreement_id"], person_ref=line["person_ref"],
                                weekly_before_pence=line["weekly_before_pence"],
                                weekly_after_pence=line["weekly_after_pence"], rate_card_id=line["rate_card_id"],
                                version=line["version"], reason=line["reason"])
                for line in lines if line["outcome"] == "varied"],
        skipped=[UpliftSkippedOut(agreement_id=line["agreement_id"], reason=line["reason"])
                 for line in lines if line["outcome"] == "skipped"])
