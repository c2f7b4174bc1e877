"""HTTP: personal assistants (PAs) employed under a direct payment: register, read, change rates or end.

Who registers and changes a direct payment's PAs follows its nominee (`domain.personal_assistants`); who
reads them: officers, the direct payment's own person, and a PA themself (their own record only, without
the name). A PA's name is shown to officers and the person only; an account only masked.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Request, Response, status

from contracts.agreements import PersonalAssistantRate
from shared.auth import Principal, forbid_unless, require
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.agreements.api.errors import refusals
from services.agreements.api.fields import PathId, as_contract
from services.agreements.api.models import BankDetailsOut
from services.agreements.api.personal_assistant_models import (PersonalAssistantChangeIn, PersonalAssistantIn,
                                                               PersonalAssistantOut)
from services.agreements.domain.bank_details import BankDetailsChange, masked
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.errors import Conflict
from services.agreements.domain.personal_assistants import (KEEP, PersonalAssistant, check_employer,
                                                            may_act_as_employer)
from services.agreements.events import personal_assistant_registered
from services.agreements.steps.bank_details import enter_bank_details
from services.agreements.store import audit as store_audit, direct_payments as store_direct_payments
from services.agreements.store import personal_assistants as store_assistants
from services.agreements.store.bank_details import PERSONAL_ASSISTANTS, status as bank_status

router = APIRouter(tags=["personal assistants"])

OFFICERS = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops")
# Narrowed for each direct payment by its nominee (may_act_as_employer).
EMPLOYER_ROLES = ("brokerage_officer", "finance_officer", "person")


def forbid_unless_employer(principal: Principal, payment: DirectPayment) -> None:
    forbid_unless(may_act_as_employer(principal.role, principal.person_ref, payment),
                  f"the PAs of a direct payment received by {payment.nominee} are registered and changed by "
                  "its employer (council: a brokerage or finance officer; the person: themself or a brokerage "
                  "officer; a third party: a brokerage officer)")


async def assistant_out(conn: asyncpg.Connection, assistant: PersonalAssistant, name: str,
                        principal: Principal) -> PersonalAssistantOut:
    bank = await bank_status(conn, PERSONAL_ASSISTANTS, assistant.pa_id)
    last4 = bank["verified_last4"]
    shows_name = principal.is_officer or (principal.role == "person" and principal.may_see_person(assistant.person_ref))
    return PersonalAssistantOut(
        pa_id=assistant.pa_id, direct_payment_id=assistant.direct_payment_id, person_ref=assistant.person_ref,
        name=name if shows_name else None, employee_ref=assistant.employee_ref,
        employed_from=assistant.employed_from, employed_to=assistant.employed_to, rates=list(assistant.rates),
        bank_details=BankDetailsOut(status=bank["latest_status"] or "none", pending_change_id=bank["pending_change_id"],
                                    verified_account=masked(last4) if last4 else None,
                                    payments_held=bank["latest_status"] != "verified"))


async def employed_assistant(conn: asyncpg.Connection, principal: Principal,
                             pa_id: str) -> tuple[PersonalAssistant, str, DirectPayment]:
    """The PA (locked), their name and direct payment, for a change by its employer: 404 for a PA the caller
    may not see, 403 for a caller who does not act as its employer."""
    found = await store_assistants.get(conn, pa_id, for_update=True)
    if found is None or not principal.may_see_person(found[0].person_ref):
        raise not_found(f"personal assistant {pa_id}")
    assistant, name = found
    payment = await store_direct_payments.get(conn, assistant.direct_payment_id)
    assert payment is not None  # the foreign key
    forbid_unless_employer(principal, payment)
    return assistant, name, payment


@router.post("/direct-payments/{agreement_id}/personal-assistants", status_code=status.HTTP_201_CREATED,
             response_model=PersonalAssistantOut,
             summary="Register a PA employed under an agreed direct payment (bank details await a second person)",
             description="409 (naming the path's agreement_id) when the direct payment is not agreed or has ended "
                         "by employed_from; 409 when employed_from is before its start or it already employs a PA "
                         "with this employee_ref; 403 for a caller who does not act as its employer.")
async def register_personal_assistant(agreement_id: PathId, body: PersonalAssistantIn, request: Request,
                                      principal: Annotated[Principal, Depends(require(*EMPLOYER_ROLES))]
                                      ) -> PersonalAssistantOut:
    with refusals("agreement_id"):
        async with transaction(request) as conn:
            payment = await store_direct_payments.get(conn, agreement_id, for_update=True)
            if payment is None or not principal.may_see_person(payment.person_ref):
                raise not_found(f"direct payment {agreement_id}")
            check_employer(payment, body.employed_from)
            forbid_unless_employer(principal, payment)
            assistant = PersonalAssistant.register(payment, employee_ref=body.employee_ref,
                                                   employed_from=body.employed_from, employed_to=body.employed_to,
                                                   rates=as_contract(body.rates, PersonalAssistantRate))
            if not await store_assistants.insert(conn, assistant, name=body.name, registered_by=principal.subject):
                raise Conflict("employee_ref", f"direct payment {agreement_id} already employs a PA with "
                                               f"employee_ref {body.employee_ref}", code="employee_ref_taken")
            await store_audit.record_action(conn, assistant.pa_id, "personal_assistant_registered",
                                            principal.subject, principal.role)
            cause, outbox = cause_of(request, principal), runtime_of(request).outbox
            await outbox.publish(conn, [personal_assistant_registered(assistant)], cause)
            # Its actor (the caller) entered the account: payments refuses a verification by them.
            await enter_bank_details(conn, outbox, cause, PERSONAL_ASSISTANTS,
                                     BankDetailsChange.record(assistant.pa_id, changed_by=principal.subject),
                                     body.bank_account.account())
            return await assistant_out(conn, assistant, body.name, principal)


@router.get("/direct-payments/{agreement_id}/personal-assistants", response_model=list[PersonalAssistantOut],
            responses=PAGED,
            summary="The PAs employed under a direct payment, by employed_from (a person: their own)")
async def list_personal_assistants(agreement_id: PathId, request: Request, response: Response,
                                   principal: Annotated[Principal, Depends(require(*OFFICERS, "person"))],
                                   page: Annotated[Page, Depends(page_params)]) -> list[PersonalAssistantOut]:
    async with transaction(request) as conn:
        payment = await store_direct_payments.get(conn, agreement_id)
        if payment is None or not principal.may_see_person(payment.person_ref):
            raise not_found(f"direct payment {agreement_id}")
        found = await store_assistants.of_direct_payment(conn, agreement_id, after=page.after_key((date, str)),
                                                         limit=page.fetch)
        return [await assistant_out(conn, a, name, principal)
                for a, name in paged(request, response, found, page,
                                     key=lambda f: (f[0].employed_from, f[0].employee_ref))]


@router.get("/personal-assistants/{pa_id}", response_model=PersonalAssistantOut,
            summary="One PA (a person: their own PAs; a PA: themself, without the name)")
async def get_personal_assistant(pa_id: PathId, request: Request,
                                 principal: Annotated[Principal, Depends(require(*OFFICERS, "person",
                                                                                 "personal_assistant"))]
                                 ) -> PersonalAssistantOut:
    async with transaction(request) as conn:
        found = await store_assistants.get(conn, pa_id)
        if found is None or not (principal.may_see_person(found[0].person_ref)
                                 or principal.is_personal_assistant(pa_id)):
            raise not_found(f"personal assistant {pa_id}")
        return await assistant_out(conn, *found, principal)


@router.put("/personal-assistants/{pa_id}", response_model=PersonalAssistantOut,
            summary="Change a PA's rates or end of employment (published again: the latest wins)",
            description="409 when employed_to is before the PA's employed_from; 403 for a caller who does not act "
                        "as the direct payment's employer.")
async def change_personal_assistant(pa_id: PathId, body: PersonalAssistantChangeIn, request: Request,
                                    principal: Annotated[Principal, Depends(require(*EMPLOYER_ROLES))]
                                    ) -> PersonalAssistantOut:
    with refusals():
        async with transaction(request) as conn:
            assistant, name, payment = await employed_assistant(conn, principal, pa_id)
            varied = assistant.vary(payment, rates=as_contract(body.rates, PersonalAssistantRate),
                                    employed_to=body.employed_to if "employed_to" in body.model_fields_set else KEEP)
            await store_assistants.save(conn, varied)
            await store_audit.record_action(conn, pa_id, "personal_assistant_changed", principal.subject,
                                            principal.role)
            await runtime_of(request).outbox.publish(conn, [personal_assistant_registered(varied)],
                                                     cause_of(request, principal))
            return await assistant_out(conn, varied, name, principal)
