"""Events published by the agreements service on `agreements.payee-accounts`: bank details, for payments alone.

`agreements.events` is kept for ever and read in full by services that need only a yes/no (is this
provider's account verified? is this direct payment agreed?). So the account itself - sort code,
number and the name it is held in, which for a direct payment is often a private person's - travels
only here, and only payments consumes this topic. Agreements publishes each of these in the same
transaction (outbox) as its account-free companion on `agreements.events`.

Keys: provider events by `provider_id`, so a change, its verification and its rejection stay in
order (payments applies a verification only of a change it was told about: same change id, provider
and account fingerprint, verified by someone other than who entered it - the envelopes' actors);
direct-payment accounts by `agreement_id`.

Kept 30 days, not for ever, and not compacted: payments keeps its own copy of each account, and a
compacted topic would keep the latest account of every key for ever and, replayed, a verification
without the change it verifies (which payments refuses).
"""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from contracts.agreements import BankAccount
from contracts.envelope import Event
from contracts.registry import register

TOPIC = "agreements.payee-accounts"


class PayeeAccountsEvent(Event):
    TOPIC: ClassVar[str] = TOPIC


class PayeeBankEvent(PayeeAccountsEvent):
    provider_id: str = Field(description=(
        "The payee: a provider's id, or a personal assistant's `pa_id` (PA-…): a PA's bank details are entered "
        "and verified by two people exactly as a provider's are."))

    def aggregate_id(self) -> str:
        return self.provider_id


@register
class PayeeBankDetailsEntered(PayeeBankEvent):
    """New bank details were entered (`ProviderBankDetailsChanged` on agreements.events): hold the
    provider's payments. The envelope's actor is who entered them."""

    EVENT_TYPE: ClassVar[str] = "PayeeBankDetailsEntered"
    change_id: str
    account_fingerprint: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="BankAccount.fingerprint() of the account entered: payments applies a verification of "
                    "this change only for the same account.")
    hold_payments: Literal[True] = True


@register
class PayeeBankDetailsVerified(PayeeBankEvent):
    """A second person verified the change (`ProviderBankDetailsVerified` on agreements.events): pay
    this provider to `bank_account` from now on. The envelope's actor is who verified it."""

    EVENT_TYPE: ClassVar[str] = "PayeeBankDetailsVerified"
    change_id: str
    bank_account: BankAccount


@register
class PayeeBankDetailsRejected(PayeeBankEvent):
    """The change was rejected (`ProviderBankDetailsRejected` on agreements.events)."""

    EVENT_TYPE: ClassVar[str] = "PayeeBankDetailsRejected"
    change_id: str
    previous_account_stands: bool = Field(description="True when payments may go to the last verified account.")


@register
class DirectPaymentPayeeAccountSet(PayeeAccountsEvent):
    """The account a direct payment is paid into (published with each `DirectPaymentAgreed`)."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentPayeeAccountSet"
    agreement_id: str
    payee_account: BankAccount

    def aggregate_id(self) -> str:
        return self.agreement_id
