"""Events published by the payments service on `payments.events`.

Keys, so each aggregate's events stay in order:
- run events (`PaymentRunProposed`, `PaymentRunApproved`, `PaymentRunExported`) by `run_id`;
- provider payments (`PaymentMade`, `PaymentReturned`) by `provider_id`;
- `InvoicePaid` by `invoice_id`;
- direct payments (`DirectPaymentMade`, `DirectPaymentReturned`) by `agreement_id`, and so are the
  managed account and reclaims (`ManagedAccountDebited`, `DirectPaymentReturnAudited`,
  `DirectPaymentReclaimRaised`);
- two-person decisions on a return (`PaymentReturnRecorded`, `PaymentReturnApproved`) by `return_id`,
  on a hold release (`PaymentHoldReleaseRecorded`, `PaymentHoldReleased`) by `release_id`.

A run is proposed (a reviewable draft), approved by a second person (maker-checker), then
exported: the Bacs and pain.001 files are handed to the bank and one `PaymentMade` per provider
(or `DirectPaymentMade` per direct payment) says what each credit settles. What the bank reports
back is imported: a paid payment publishes `InvoicePaid` for each invoice it settles (invoicing
marks them paid, reporting counts days to pay). A payment the bank reports returned needs two
people: the finance user who records it (`PaymentReturnRecorded`, pending: nothing moves) and a
different finance approver who confirms it (`PaymentReturnApproved`); only then is it returned
(`PaymentReturned`) and its invoices held. Releasing a hold takes two people the same way
(`PaymentHoldReleaseRecorded`, then `PaymentHoldReleased`). Each decision event names who acted
and why.

No bank details travel here (they stay in agreements and payments); nor names: payees are
identified by `provider_id` or, for direct payments, `agreement_id` and `person_ref`.
Money is integer pence; dates are Europe/London business dates.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import Event
from contracts.registry import register

TOPIC = "payments.events"

RunKind = Literal["weekly", "four_weekly", "ad_hoc"]
FileKind = Literal["bacs", "pain001", "journal", "remittance_csv", "remittance_html"]

# PaymentRunApproved lists at most this many invoice ids per event, so a run of any size fits
# well within Kafka's message limit; a larger run publishes parts 1..n with the same run_id.
INVOICE_IDS_PER_PART = 10_000


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExportedFile(_Value):
    """One file of an exported run and its SHA-256, so a file handed over can be checked later."""

    kind: FileKind
    name: str = Field(description="e.g. 'bacs', 'pain001', 'remittance/PRV-1.csv'.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)


class PaymentsEvent(Event):
    TOPIC: ClassVar[str] = TOPIC


# --- runs (key: run_id) ------------------------------------------------------------------------

class RunEvent(PaymentsEvent):
    run_id: str
    run_number: int = Field(ge=1, le=999_999, description="Bacs submission serial; in every payment reference.")

    def aggregate_id(self) -> str:
        return self.run_id


@register
class PaymentRunProposed(RunEvent):
    """A draft run for review: what it would pay, and how much it leaves out (with reasons, in the API)."""

    EVENT_TYPE: ClassVar[str] = "PaymentRunProposed"
    kind: RunKind
    pay_date: date = Field(description="The day the money reaches payees' accounts.")
    payment_count: int = Field(ge=0)
    total_pence: int = Field(ge=0)
    excluded_count: int = Field(ge=0, description="Invoices, providers and direct payments left out.")


@register
class PaymentRunApproved(RunEvent):
    """A second person approved the run: it is final, and its invoices are scheduled for `pay_date`.

    invoicing: mark each invoice in `invoice_ids` scheduled. A run with more than
    INVOICE_IDS_PER_PART invoices is announced in `parts` events, `part` 1..parts, each listing a
    slice of the invoices; every other field is the same in each part.
    """

    EVENT_TYPE: ClassVar[str] = "PaymentRunApproved"
    kind: RunKind
    pay_date: date
    total_pence: int = Field(gt=0)
    payment_count: int = Field(gt=0)
    invoice_ids: list[str]
    approved_by: str = Field(description="User id of the approver (never the proposer).")
    approved_by_role: Literal["finance_approver"] = "finance_approver"
    part: int = Field(default=1, ge=1)
    parts: int = Field(default=1, ge=1)


@register
class PaymentRunExported(RunEvent):
    """The run's files were written and stored: exporting again yields the same bytes (same checksums)."""

    EVENT_TYPE: ClassVar[str] = "PaymentRunExported"
    pay_date: date
    total_pence: int = Field(gt=0, description="Equals the Bacs contra, the pain.001 CtrlSum and the journal credit.")
    payment_count: int = Field(gt=0)
    files: list[ExportedFile] = Field(min_length=1)


# --- provider payments (key: provider_id) ------------------------------------------------------

class ProviderPaymentEvent(PaymentsEvent):
    run_id: str
    provider_id: str
    payment_reference: str = Field(description="On the provider's bank statement and remittance advice.")

    def aggregate_id(self) -> str:
        return self.provider_id


@register
class PaymentMade(ProviderPaymentEvent):
    """One Bacs credit to a provider, instructed to arrive on `pay_date`, and what it settles."""

    EVENT_TYPE: ClassVar[str] = "PaymentMade"
    pay_date: date
    amount_pence: int = Field(gt=0, description="Invoices less the credit notes netted against them.")
    invoice_ids: list[str] = Field(min_length=1)
    credit_note_ids: list[str] = Field(default_factory=list)


@register
class PaymentReturned(ProviderPaymentEvent):
    """The bank returned the payment: its invoices are unpaid again and held until finance releases them."""

    EVENT_TYPE: ClassVar[str] = "PaymentReturned"
    amount_pence: int = Field(gt=0)
    invoice_ids: list[str] = Field(min_length=1)
    reason: str = Field(description="The bank's reason, e.g. 'account closed'.")
    returned_on: date


# --- invoices (key: invoice_id) ----------------------------------------------------------------

@register
class InvoicePaid(PaymentsEvent):
    """The bank confirmed the payment settling this invoice: it is paid (the prompt-payment clock stops).

    invoicing: mark it paid. reporting: days to pay = paid_on - received_on.
    """

    EVENT_TYPE: ClassVar[str] = "InvoicePaid"
    invoice_id: str
    provider_id: str
    run_id: str
    payment_reference: str
    paid_on: date = Field(description="The run's pay date: the day the provider received the money.")
    amount_pence: int = Field(description="What this invoice was paid: its amount less credit notes netted against it.")

    def aggregate_id(self) -> str:
        return self.invoice_id


# --- direct payments (key: agreement_id) -------------------------------------------------------

class DirectPaymentsEvent(PaymentsEvent):
    run_id: str
    agreement_id: str
    person_ref: str
    payment_reference: str

    def aggregate_id(self) -> str:
        return self.agreement_id


@register
class DirectPaymentMade(DirectPaymentsEvent):
    """A four-weekly direct payment in advance, net of the person's contribution, for the days covered."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentMade"
    pay_date: date
    amount_pence: int = Field(gt=0)
    period_start: date = Field(description="First day paid for.")
    period_end: date = Field(description="Last day paid for (inclusive).")
    adjustment_pence: int = Field(default=0, description="Included correction after a change to the agreement.")
    council_managed: bool = Field(description="Paid into the council-managed account rather than the nominee's.")


@register
class DirectPaymentReturned(DirectPaymentsEvent):
    """The bank returned a direct payment: its periods are unpaid again."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentReturned"
    amount_pence: int = Field(gt=0)
    reason: str
    returned_on: date


# --- council-managed accounts and direct-payment reclaims (key: agreement_id of the direct payment) ---

class ManagedAccountEvent(PaymentsEvent):
    agreement_id: str = Field(description="The council-managed direct payment whose account this is about.")
    person_ref: str

    def aggregate_id(self) -> str:
        return self.agreement_id


@register
class ManagedAccountDebited(ManagedAccountEvent):
    """A payment run paid a provider (for an agreement funded by the account) or a personal assistant
    (their net pay) from the person's council-managed account: the ledger is debited by `amount_pence`."""

    EVENT_TYPE: ClassVar[str] = "ManagedAccountDebited"
    run_id: str
    payment_reference: str
    pay_date: date
    payee_kind: Literal["provider", "personal_assistant"]
    payee_id: str = Field(description="provider_id, or pa_id for a personal assistant.")
    amount_pence: int = Field(gt=0)
    balance_after_pence: int = Field(ge=0, description="The ledger's balance after the debit (never below zero).")
    settles: list[str] = Field(default_factory=list, description="Invoices, or payroll lines, the debit pays.")


@register
class DirectPaymentReturnAudited(ManagedAccountEvent):
    """An officer audited a direct payment holder's periodic return and a second person signed it off."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentReturnAudited"
    return_id: str
    period_start: date
    period_end: date
    balance_pence: int = Field(description="The holder's balance at `period_end`, as reconciled.")
    surplus_pence: int = Field(ge=0, description="The balance above the surplus threshold (0: none).")
    audited_by: str
    signed_off_by: str


@register
class DirectPaymentReclaimRaised(ManagedAccountEvent):
    """Money the holder of a direct payment must give back: a surplus found at audit, or what was unspent
    at the payment's end. Netted from the next payments, or raised as a debt for the debtors system."""

    EVENT_TYPE: ClassVar[str] = "DirectPaymentReclaimRaised"
    reclaim_id: str
    reason: Literal["surplus", "unspent_at_end"]
    method: Literal["netting", "debt"]
    amount_pence: int = Field(gt=0)
    raised_on: date
    raised_by: str
    approved_by: str


# --- two-person decisions: a return (key: return_id), a hold release (key: release_id) ----------

PayeeKind = Literal["provider", "direct_payment", "personal_assistant"]
HeldKind = Literal["invoice", "direct_payment"]
RecorderRole = Literal["finance_officer", "finance_approver"]


@register
class PaymentReturnRecorded(PaymentsEvent):
    """A finance user recorded that the bank returned a payment: pending, nothing changes until a
    different finance approver confirms it (`PaymentReturnApproved`)."""

    EVENT_TYPE: ClassVar[str] = "PaymentReturnRecorded"
    return_id: str
    run_id: str
    payment_reference: str
    payee_kind: PayeeKind
    payee_id: str = Field(description="provider_id, or agreement_id for a direct payment.")
    amount_pence: int = Field(gt=0)
    reason: str = Field(min_length=1, description="The bank's reason, e.g. 'account closed'.")
    reported_on: date
    recorded_by: str = Field(description="User id of the finance user who recorded it.")
    recorded_by_role: RecorderRole

    def aggregate_id(self) -> str:
        return self.return_id


@register
class PaymentReturnApproved(PaymentsEvent):
    """A second person confirmed a recorded return: the payment is returned (`PaymentReturned` or
    `DirectPaymentReturned` follows) and its invoices or periods are held."""

    EVENT_TYPE: ClassVar[str] = "PaymentReturnApproved"
    return_id: str
    run_id: str
    payment_reference: str
    payee_kind: PayeeKind
    payee_id: str
    amount_pence: int = Field(gt=0)
    reason: str = Field(min_length=1)
    recorded_by: str
    approved_by: str = Field(description="User id of the approver (never the one who recorded it).")
    approved_by_role: Literal["finance_approver"] = "finance_approver"

    def aggregate_id(self) -> str:
        return self.return_id


@register
class PaymentHoldReleaseRecorded(PaymentsEvent):
    """A finance user asked to release the hold a returned payment left: pending, the hold stays
    until a different finance approver confirms it (`PaymentHoldReleased`)."""

    EVENT_TYPE: ClassVar[str] = "PaymentHoldReleaseRecorded"
    release_id: str
    held_kind: HeldKind
    held_id: str = Field(description="invoice_id, or agreement_id for a direct payment.")
    reason: str = Field(min_length=1, description="Why it may be paid again, e.g. 'provider confirmed new account'.")
    recorded_by: str
    recorded_by_role: RecorderRole

    def aggregate_id(self) -> str:
        return self.release_id


@register
class PaymentHoldReleased(PaymentsEvent):
    """A second person confirmed the release: the invoice or direct payment may be paid again."""

    EVENT_TYPE: ClassVar[str] = "PaymentHoldReleased"
    release_id: str
    held_kind: HeldKind
    held_id: str
    reason: str = Field(min_length=1)
    recorded_by: str
    approved_by: str = Field(description="User id of the approver (never the one who recorded it).")
    approved_by_role: Literal["finance_approver"] = "finance_approver"

    def aggregate_id(self) -> str:
        return self.release_id
