"""A payee's bank details, entered by one person and verified or rejected by another, in the caller's
transaction. The same for a provider and for a personal assistant (whose `pa_id` is the payee).

The account itself goes only to payments, on agreements.payee-accounts (`PayeeBankDetailsEntered` with its
fingerprint, `PayeeBankDetailsVerified` with the account, `PayeeBankDetailsRejected`), in the same outbox
transaction as the payee's account-free companions on agreements.events (a provider's
`ProviderBankDetails…`; a personal assistant has none). The envelope's actor is who entered or decided:
payments refuses a verification by whoever entered the change. A decision's reason stays in the audit log.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from contracts import payee_accounts
from contracts.agreements import BankAccount
from contracts.envelope import Event
from shared.events import Cause
from shared.outbox import Outbox
from services.agreements.domain.bank_details import BankDetailsChange
from services.agreements.events import without_reason
from services.agreements.store import audit as store_audit, bank_details as store_bank_details
from services.agreements.store.bank_details import PayeeTable

# The account-free events that go with a decision on agreements.events: (decided change, previous account stands).
Companions = Callable[[BankDetailsChange, bool], Sequence[Event]]


async def enter_bank_details(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, where: PayeeTable,
                             change: BankDetailsChange, account: BankAccount, *,
                             companions: Sequence[Event] = ()) -> None:
    """Record `change` unverified (superseding one still waiting) and hold the payee's payments."""
    await store_bank_details.record_change(conn, where, change, account)
    await store_audit.record_action(conn, change.payee_id, "bank_details_changed", cause.actor.id, cause.actor.role)
    await outbox.publish(conn, [*companions, payee_accounts.PayeeBankDetailsEntered(
        provider_id=change.payee_id, change_id=change.change_id, account_fingerprint=account.fingerprint())], cause)


async def decide_bank_details(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, where: PayeeTable,
                              payee_id: str, change_id: str, *, verify: bool,
                              companions: Companions = lambda _decided, _stands: ()) -> BankDetailsChange | None:
    """Verify or reject the payee's change as `cause.actor` (never whoever entered it: NotAllowed); None when
    the payee has no such change."""
    found = await store_bank_details.get_change(conn, where, payee_id, change_id)
    if found is None:
        return None
    change, account = found
    by = cause.actor.id
    decided = change.verify(by) if verify else change.reject(by)
    await store_bank_details.decide_change(conn, where, decided)
    await store_audit.record_action(conn, payee_id, f"bank_details_{decided.status}", by, cause.actor.role,
                                    cause.actor.reason)
    stands = True if verify else await store_bank_details.has_verified_account(conn, where, payee_id)
    if verify:
        for_payments: Event = payee_accounts.PayeeBankDetailsVerified(provider_id=payee_id, change_id=change_id,
                                                                      bank_account=account)
    else:
        for_payments = payee_accounts.PayeeBankDetailsRejected(provider_id=payee_id, change_id=change_id,
                                                               previous_account_stands=stands)
    await outbox.publish(conn, [*companions(decided, stands), for_payments], without_reason(cause))
    return decided
