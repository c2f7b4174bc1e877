"""HTTP: direct-payment accounts (the council-managed ledger, surplus and recovery), payment holds,
and payments' view of an invoice or payee (what it knows, what stops a payment)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from services.payments.api.account_models import AccountOut, EntryRecordedOut, InvoiceOut, PayeeOut
from services.payments.api.models import LedgerEntryIn, ReasonIn, ReleaseOut, masked
from services.payments.api.runs import FINANCE, REVIEWERS
from services.payments.config import payments_config
from services.payments.domain.errors import RunConflict
from services.payments.domain.managed_accounts import MONEY_IN, LedgerEntry, LedgerEntryKind, surplus_check
from services.payments.domain.two_person import DecisionKind, SubjectKind
from services.payments.metrics import TWO_PERSON_DECISIONS
from services.payments.steps import releasing
from services.payments.store import accounts as store_accounts
from services.payments.store import inputs as store_inputs
from services.payments.store.direct_payments import agreement_of, paid_periods

router = APIRouter(tags=["direct payments and holds"])
log = get_logger(__name__)


async def _direct_payment(conn, agreement_id: str, principal: Principal, *, lock: bool = False):
    row = await store_inputs.direct_payment_row(conn, agreement_id, lock=lock)
    if row is None or not principal.may_see_person(row["person_ref"]):
        raise not_found(f"direct payment {agreement_id}")
    return row


@router.get("/direct-payments/{agreement_id}/account", response_model=AccountOut,
            summary="A direct payment's account: ledger of money in and out, paid in, paid out per provider and "
                    "personal assistant, balance, surplus flag, recovery")
async def get_direct_payment_account(agreement_id: PathId, request: Request,
                                     principal: Annotated[Principal, Depends(require(*FINANCE, "person"))]) -> dict:
    config = payments_config()
    async with transaction(request) as conn:
        row = await _direct_payment(conn, agreement_id, principal)
        paid = (await paid_periods(conn, [agreement_id])).get(agreement_id, [])
        account = await store_accounts.account(conn, agreement_id, row["person_ref"])
    agreement = agreement_of(row, paid, 0, config.dp_cost_centre)
    today = london_date(utcnow())
    surplus = surplus_check(account, agreement, today, config.surplus_weeks)
    return {
        "agreement_id": agreement_id, "person_ref": row["person_ref"], "council_managed": row["council_managed"],
        # Whether the payee's account has arrived (agreements.payee-accounts): a run leaves the payment out until it has.
        "payee_account_known": row["account_number"] is not None,
        "net_per_four_weeks_pence": agreement.net_per_four_weeks_pence,
        "paid_up_to": agreement.paid_up_to, "ended_on": row["last_day"], "return_hold": row["return_hold"],
        "entries": [{"on": s.entry.on, "kind": s.entry.kind.value,
                     "direction": "in" if s.entry.kind in MONEY_IN else "out", "amount_pence": s.entry.amount_pence,
                     "reference": s.entry.reference, "description": s.entry.description,
                     "payee_id": s.entry.payee_id, "balance_pence": s.balance_pence} for s in account.statement()],
        "money_in_pence": sum(e.amount_pence for e in account.entries if e.kind in MONEY_IN),
        "money_out_pence": sum(e.amount_pence for e in account.entries if e.kind not in MONEY_IN),
        # Paid in, and paid out to each provider and each personal assistant (totals, from the statement).
        "paid_in_pence": sum(e.amount_pence for e in account.entries if e.kind in MONEY_IN),
        "paid_out_by_provider": [{"provider_id": payee, "paid_pence": pence} for payee, pence
                                 in account.paid_out(LedgerEntryKind.PAYMENT_TO_PROVIDER).items()],
        "paid_out_by_personal_assistant": [{"pa_id": payee, "paid_pence": pence} for payee, pence
                                           in account.paid_out(LedgerEntryKind.PAYMENT_TO_PERSONAL_ASSISTANT).items()],
        "balance_pence": account.balance_pence(), "balance_today_pence": surplus.balance_pence,
        "surplus": {"weeks": config.surplus_weeks, "threshold_pence": surplus.threshold_pence,
                    "surplus_pence": surplus.surplus_pence, "flagged": surplus.flagged},
        "recovery_pence": row["recovery_pence"], "recovery_detail": row["recovery_detail"],
    }


@router.post("/direct-payments/{agreement_id}/account/entries", status_code=201, response_model=EntryRecordedOut,
             summary="Record money paid into a council-managed account by hand (the person's contribution); money "
                     "leaves only through payment runs and reclaims, each approved by a second person (409: the "
                     "account is not council-managed, or the reference is recorded already)")
async def record_account_entry(agreement_id: PathId, body: LedgerEntryIn, request: Request,
                               principal: Annotated[Principal, Depends(require("finance_officer"))]) -> dict:
    entry = LedgerEntry(body.on, LedgerEntryKind(body.kind), body.amount_pence, body.reference, body.description)
    async with transaction(request) as conn:
        row = await _direct_payment(conn, agreement_id, principal, lock=True)
        if not row["council_managed"]:
            raise RunConflict("agreement_id", f"{agreement_id} is paid to the nominee's own account: the council "
                                              "keeps no ledger for it")
        await store_accounts.lock_accounts(conn, [agreement_id])  # beside a run's approval or export: one at a time
        account = await store_accounts.account(conn, agreement_id, row["person_ref"])
        after = account.record(entry)
        if not await store_accounts.record(conn, agreement_id, entry, principal.subject):
            raise RunConflict("reference", f"{body.reference} is already recorded as {body.kind} on this account")
    return {"agreement_id": agreement_id, "balance_pence": after.balance_pence()}


async def _request_release(request: Request, principal: Principal, held: SubjectKind, held_id: str,
                           reason: str) -> ReleaseOut:
    async with transaction(request) as conn:
        try:
            decision = await releasing.request_release(conn, held, held_id, reason, principal, utcnow(),
                                                       runtime_of(request).outbox, cause_of(request, principal))
        except LookupError:
            raise not_found(f"a payment hold on {releasing.NAMES[held]} {held_id}") from None
    TWO_PERSON_DECISIONS.labels(DecisionKind.HOLD_RELEASE.value, "recorded").inc()
    log.info("payment hold release recorded, awaiting a second person", release_id=decision.decision_id,
             held_kind=held.value, held_id=held_id, by=principal.subject)
    return ReleaseOut.of(decision)


@router.post("/invoices/{invoice_id}/release-hold", status_code=202, response_model=ReleaseOut,
             summary="Ask to let an invoice held after a returned payment be paid again (pending until a "
                     "different finance approver approves it)")
async def request_invoice_hold_release(invoice_id: PathId, body: ReasonIn, request: Request,
                                       principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> ReleaseOut:
    return await _request_release(request, principal, SubjectKind.INVOICE, invoice_id, body.reason)


@router.post("/direct-payments/{agreement_id}/release-hold", status_code=202, response_model=ReleaseOut,
             summary="Ask to let a direct payment held after a returned payment be paid again (pending until a "
                     "different finance approver approves it)")
async def request_direct_payment_hold_release(agreement_id: PathId, body: ReasonIn, request: Request,
                                              principal: Annotated[Principal, Depends(require(*REVIEWERS))]
                                              ) -> ReleaseOut:
    return await _request_release(request, principal, SubjectKind.DIRECT_PAYMENT, agreement_id, body.reason)


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut,
            summary="What payments knows of an invoice and what stops its payment (a provider: its own invoices)")
async def get_invoice(invoice_id: PathId, request: Request,
                      principal: Annotated[Principal, Depends(require(*FINANCE, "provider"))]) -> dict:
    async with transaction(request) as conn:
        row = await conn.fetchrow(
            "SELECT i.*, EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = i.invoice_id AND d.open) AS disputed,"
            " (SELECT json_build_object('run_id', s.run_id, 'payment_reference', s.payment_reference, 'outcome',"
            "  p.outcome) FROM settlements s JOIN run_payments p USING (run_id, payment_reference)"
            "  WHERE s.document_id = i.invoice_id AND NOT s.returned) AS paid_by"
            " FROM invoices i WHERE i.invoice_id = $1", invoice_id)
    if row is None or not principal.may_see_provider(row["provider_id"]):
        raise not_found(f"invoice {invoice_id}")
    return {k: row[k] for k in ("invoice_id", "provider_id", "state", "revision", "number", "amount_pence",
                                "due_date", "received_on", "valid_on", "approved_on", "last_payable_date",
                                "return_hold", "disputed", "paid_by")}


@router.get("/payees/{provider_id}", response_model=PayeeOut,
            summary="Whether a provider (or a personal assistant, by pa_id) can be paid (bank details masked)")
async def get_payee(provider_id: PathId, request: Request,
                    principal: Annotated[Principal, Depends(require(*FINANCE))]) -> dict:
    async with transaction(request) as conn:
        row = await conn.fetchrow("SELECT * FROM payees WHERE provider_id = $1", provider_id)
    if row is None:
        raise not_found(f"payee {provider_id}")
    return {"provider_id": provider_id, "name": row["name"], "bank_status": row["bank_status"],
            "account": masked(row["account_number"]) if row["account_number"] else None,
            "payable": row["bank_status"] == "verified"}
