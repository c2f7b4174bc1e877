"""HTTP: a personal assistant's bank details, as a provider's: each change is entered unverified (payments
held) by the PA's employer and verified or rejected by a finance approver who did not enter it.

The account reaches payments alone, on agreements.payee-accounts with the PA's `pa_id` as `provider_id`;
nothing about it is published on agreements.events (a PA is no provider: no `ProviderBankDetails…`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from shared.auth import Principal, require
from shared.http import cause_of, not_found, runtime_of, transaction
from services.agreements.api.errors import refusals
from services.agreements.api.fields import PathId
from services.agreements.api.models import BankAccountIn, DecisionIn
from services.agreements.api.personal_assistant_models import PersonalAssistantBankChangeOut
from services.agreements.api.personal_assistants import EMPLOYER_ROLES, employed_assistant
from services.agreements.domain.bank_details import BankDetailsChange
from services.agreements.steps.bank_details import decide_bank_details, enter_bank_details
from services.agreements.store.bank_details import PERSONAL_ASSISTANTS

router = APIRouter(tags=["personal assistants"])


@router.post("/personal-assistants/{pa_id}/bank-details", status_code=status.HTTP_202_ACCEPTED,
             response_model=PersonalAssistantBankChangeOut,
             summary="Change a PA's bank details: recorded unverified, the PA's payments held")
async def change_personal_assistant_bank_details(pa_id: PathId, body: BankAccountIn, request: Request,
                                                 principal: Annotated[Principal, Depends(require(*EMPLOYER_ROLES))]
                                                 ) -> PersonalAssistantBankChangeOut:
    change = BankDetailsChange.record(pa_id, changed_by=principal.subject)
    async with transaction(request) as conn:
        await employed_assistant(conn, principal, pa_id)  # locked: one change at a time
        await enter_bank_details(conn, runtime_of(request).outbox, cause_of(request, principal), PERSONAL_ASSISTANTS,
                                 change, body.account())
    return PersonalAssistantBankChangeOut(pa_id=pa_id, change_id=change.change_id, status=change.status)


async def _decide(pa_id: str, change_id: str, verify: bool, body: DecisionIn | None, request: Request,
                  principal: Principal) -> PersonalAssistantBankChangeOut:
    with refusals():
        async with transaction(request) as conn:
            # The reason only in the audit log; the account only on agreements.payee-accounts.
            decided = await decide_bank_details(conn, runtime_of(request).outbox,
                                                cause_of(request, principal, body.reason if body else None),
                                                PERSONAL_ASSISTANTS, pa_id, change_id, verify=verify)
            if decided is None:
                raise not_found(f"bank details change {change_id} of personal assistant {pa_id}")
    return PersonalAssistantBankChangeOut(pa_id=pa_id, change_id=change_id, status=decided.status)


@router.post("/personal-assistants/{pa_id}/bank-details/{change_id}/verify",
             response_model=PersonalAssistantBankChangeOut,
             summary="Verify a PA's bank details change (a second person): payments to the new account may go",
             description="409 when the change is already decided or superseded; 403 for whoever entered it.")
async def verify_personal_assistant_bank_details(pa_id: PathId, change_id: PathId, request: Request,
                                                 principal: Annotated[Principal, Depends(require("finance_approver"))],
                                                 body: DecisionIn | None = None) -> PersonalAssistantBankChangeOut:
    return await _decide(pa_id, change_id, True, body, request, principal)


@router.post("/personal-assistants/{pa_id}/bank-details/{change_id}/reject",
             response_model=PersonalAssistantBankChangeOut,
             summary="Reject a PA's bank details change (a second person)",
             description="409 when the change is already decided or superseded; 403 for whoever entered it.")
async def reject_personal_assistant_bank_details(pa_id: PathId, change_id: PathId, request: Request,
                                                 principal: Annotated[Principal, Depends(require("finance_approver"))],
                                                 body: DecisionIn | None = None) -> PersonalAssistantBankChangeOut:
    return await _decide(pa_id, change_id, False, body, request, principal)
