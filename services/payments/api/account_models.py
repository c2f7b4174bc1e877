"""What the payments API answers about a direct payment's account, an invoice and a payee (accounts.py).
Money in integer pence; accounts only ever masked."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

LEDGER_KINDS = Literal["direct_payment_in", "contribution_in", "payment_to_provider", "payment_to_personal_assistant",
                       "recovery_to_council", "direct_payment_returned", "payment_returned"]


class LedgerLineOut(BaseModel):
    """One entry of a council-managed account's statement, with the balance after it."""

    on: date
    kind: LEDGER_KINDS
    direction: Literal["in", "out"]
    amount_pence: int
    reference: str
    description: str
    payee_id: str | None = Field(description="Who was paid (a provider or personal assistant), for money out")
    balance_pence: int = Field(description="The account's balance after this entry")


class PaidToProviderOut(BaseModel):
    provider_id: str
    paid_pence: int


class PaidToAssistantOut(BaseModel):
    pa_id: str
    paid_pence: int


class SurplusOut(BaseModel):
    weeks: int = Field(description="Weeks of funding above which the balance is a surplus (the council's setting)")
    threshold_pence: int
    surplus_pence: int = Field(description="What the balance today holds above the threshold (0: none)")
    flagged: bool


class AccountOut(BaseModel):
    """A direct payment's account: for a council-managed one its ledger, balance and surplus; for one paid
    to the holder's own account, what the council has paid (the holder's own statement comes as returns)."""

    agreement_id: str
    person_ref: str
    council_managed: bool
    payee_account_known: bool = Field(description="Whether the payee's bank account has arrived: a run leaves the "
                                                   "payment out until it has")
    net_per_four_weeks_pence: int
    paid_up_to: date | None
    ended_on: date | None
    return_hold: str | None = Field(description="Why payments are held after a payment came back, while they are")
    entries: list[LedgerLineOut]
    money_in_pence: int
    money_out_pence: int
    paid_in_pence: int
    paid_out_by_provider: list[PaidToProviderOut]
    paid_out_by_personal_assistant: list[PaidToAssistantOut]
    balance_pence: int
    balance_today_pence: int
    surplus: SurplusOut
    recovery_pence: int = Field(description="Paid for days after the direct payment ended: to recover")
    recovery_detail: str | None


class EntryRecordedOut(BaseModel):
    agreement_id: str
    balance_pence: int = Field(description="The account's balance after the entry")


class PaidByOut(BaseModel):
    run_id: str
    payment_reference: str
    outcome: Literal["instructed", "paid", "returned"]


class InvoiceOut(BaseModel):
    """What payments knows of an invoice (as invoicing last described it) and what stops its payment."""

    invoice_id: str
    provider_id: str
    state: Literal["received", "approved", "held", "voided", "paid"]
    revision: int
    number: str
    amount_pence: int | None
    due_date: date | None
    received_on: date | None
    valid_on: date | None
    approved_on: date | None
    last_payable_date: date | None
    return_hold: str | None = Field(description="Why it is held after its payment came back, while it is")
    disputed: bool = Field(description="An open dispute: no run pays it")
    paid_by: PaidByOut | None = Field(description="The approved run paying it (not returned), if any")


class PayeeOut(BaseModel):
    """Whether a provider (or personal assistant) can be paid; the account masked."""

    provider_id: str
    name: str | None
    bank_status: Literal["none", "verified", "held"]
    account: str | None = Field(description="The account number's last four digits (****1234)")
    payable: bool
