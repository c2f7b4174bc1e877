"""What the payments service is given: its own copies of invoices, payees and direct payments.

These are payments' own types, filled by the wiring from invoicing and agreements events; nothing
here imports another service. Money is integer pence; dates are Europe/London business dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.common import Cycle, Nominee, ServiceType
from services.payments.domain.errors import PaymentRefused


def _digits(value: str) -> str:
    return value.replace("-", "").replace(" ", "")


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A UK account: 6-digit sort code, 8-digit account number and the name it is held in."""

    sort_code: str
    account_number: str
    account_name: str

    def __post_init__(self) -> None:
        if len(self.sort_code) != 6 or not self.sort_code.isdigit():
            raise PaymentRefused("sort_code", f"{self.sort_code!r} must be 6 digits, e.g. 401276")
        if len(self.account_number) != 8 or not self.account_number.isdigit():
            raise PaymentRefused("account_number", f"{self.account_number!r} must be 8 digits "
                                                   "(pad a 7-digit account with a leading 0)")
        if not self.account_name.strip():
            raise PaymentRefused("account_name", "the name the account is held in is required")

    @classmethod
    def of(cls, sort_code: str, account_number: str, account_name: str) -> BankAccount:
        """Accepts '40-12-76' and '4127 6543' as people type them."""
        return cls(_digits(sort_code), _digits(account_number), account_name)


@dataclass(frozen=True, slots=True)
class AgreementShare:
    """The days an invoice charges one of its agreements (`first_day`..`last_day`), the amount invoicing
    put on them, that agreement's last payable day as payments knows it (the earlier of the invoice's word
    and the agreement's own end; None: open-ended) and its cost centre ("" unknown: the default)."""

    agreement_id: str
    first_day: date
    last_day: date
    amount_pence: int
    end: date | None = None
    cost_centre: str = ""

    @property
    def runs_past_end(self) -> bool:
        return self.end is not None and self.last_day > self.end


@dataclass(frozen=True, slots=True)
class CreditNote:
    """A correction that reduces what is paid for the invoice it is attached to."""

    id: str
    amount_pence: int  # positive: the amount credited back
    reason: str = ""  # why it was raised, shown to the provider on the remittance advice
    number: str = ""  # the council's number (CN-...)
    agreement_ids: tuple[str, ...] = ()  # the agreements it credits (CreditNoteIssued.agreement_ids); (): not said

    def __post_init__(self) -> None:
        if self.amount_pence <= 0:
            raise PaymentRefused("credit_notes", f"credit note {self.id} must credit a positive amount")


@dataclass(frozen=True, slots=True)
class ProviderCredit:
    """A credit note whose invoice is no longer payable (already paid, or voided): it is netted
    against the provider's next payment instead, as a line of its own. `cost_centre` is where it is
    charged when none of its agreements' periods are known ("": the journal's default)."""

    id: str
    provider_id: str
    corrects_invoice_id: str
    amount_pence: int  # positive: the amount credited back
    service_type: ServiceType
    cost_centre: str
    period_start: date
    period_end: date
    number: str = ""
    person_ref: str = ""
    funded_by: str | None = None  # the managed direct payment that paid the corrected invoice; None: the council
    reason: str = ""  # why it was raised, shown to the provider on the remittance advice
    split_by: tuple[AgreementShare, ...] = ()  # the corrected invoice's agreement periods, when known
    agreement_ids: tuple[str, ...] = ()  # the agreements it credits: it is split over their periods only

    def __post_init__(self) -> None:
        if self.amount_pence <= 0:
            raise PaymentRefused("credit_notes", f"credit note {self.id} must credit a positive amount")


@dataclass(frozen=True, slots=True)
class ApprovedInvoice:
    """An invoice invoicing has approved, with what payments needs to select, pay and report it."""

    id: str
    provider_id: str
    amount_pence: int
    due_date: date
    service_type: ServiceType
    cost_centre: str
    period_start: date
    period_end: date
    agreement_end: date | None = None
    disputed: bool = False
    credit_notes: tuple[CreditNote, ...] = ()
    invoice_number: str = ""  # the provider's own number, shown on the remittance advice
    person_ref: str = ""
    paid: bool = False
    hold_reason: str | None = None  # set when a payment was returned; cleared when finance releases it
    # Where each of its agreements is paid from: None for the council's account, a council-managed direct
    # payment's agreement_id for its managed account. Empty (or unknown agreements): the council's.
    funding: tuple[str | None, ...] = ()
    # The days it charges each agreement (InvoiceApproved.agreement_periods): each is judged by its own
    # agreement's end, and its amount is split between their cost centres. Empty: told before invoicing said.
    agreement_periods: tuple[AgreementShare, ...] = ()

    @property
    def net_pence(self) -> int:
        return self.amount_pence - sum(c.amount_pence for c in self.credit_notes)

    @property
    def mixed_funding(self) -> bool:
        """Its agreements are paid from more than one account: no single payment can pay it."""
        return len(set(self.funding)) > 1

    @property
    def funded_by(self) -> str | None:
        """The managed direct payment whose account pays it (None: the council's account)."""
        return None if self.mixed_funding or not self.funding else self.funding[0]


@dataclass(frozen=True, slots=True)
class ProviderPayee:
    """Where a provider is paid. Only bank details confirmed by the council are paid into."""

    id: str
    name: str
    account: BankAccount
    bank_verified: bool


@dataclass(frozen=True, slots=True)
class PaidPeriod:
    """A four-weekly direct payment already made: the days it paid for (inclusive) and how much."""

    start: date
    end: date
    amount_pence: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class TermsFrom:
    """A direct payment's terms from `effective_from` until the next terms (or its end): the net amount per
    four weeks and how often it is paid, in periods of the cycle counted from `anchor`."""

    effective_from: date
    net_per_four_weeks_pence: int
    cycle: Cycle
    anchor: date


@dataclass(frozen=True, slots=True)
class ReclaimDue:
    """A reclaim netted from a direct payment's next payments: what is still to net, and which netting
    of it this is (1 the first), so each netting has its own line."""

    reclaim_id: str
    outstanding_pence: int
    netting: int


@dataclass(frozen=True, slots=True)
class DirectPaymentAgreement:
    """A direct payment: `amount_per_four_weeks_pence` of budget, less the person's contribution.

    `paid_up_to` is the first day not yet paid for (None: nothing paid yet). `adjustment_pence`
    is the signed correction from changes to the agreement, added to the next payment. `cycle` and the
    net amount are the terms as they stand; `terms` lists them from each date when it was varied. A
    council-managed agreement is paid into the council's managed account (see `PaymentSettings`);
    otherwise into `payee_account`, the nominee's (or person's) account.
    """

    id: str
    person_ref: str
    amount_per_four_weeks_pence: int
    start: date
    end: date | None
    nominee: Nominee
    payee_account: BankAccount | None
    council_managed: bool
    contribution_per_four_weeks_pence: int = 0
    payee_verified: bool = True
    paid_up_to: date | None = None
    adjustment_pence: int = 0
    cost_centre: str = ""
    cycle: Cycle = Cycle.FOUR_WEEKLY
    terms: tuple[TermsFrom, ...] = ()  # every terms since the start, oldest first; () when never varied
    reclaims: tuple[ReclaimDue, ...] = ()  # approved reclaims netted from its next payments, oldest first

    @property
    def net_per_four_weeks_pence(self) -> int:
        return self.amount_per_four_weeks_pence - self.contribution_per_four_weeks_pence


@dataclass(frozen=True, slots=True)
class PaymentSettings:
    """The council's side of every payment: its Bacs identity and the accounts money leaves from."""

    council_name: str
    service_user_number: str  # the Bacs SUN, 6 characters
    originating_account: BankAccount
    managed_account: BankAccount | None = None  # council-managed direct payments are paid in here
    bacs_name: str = ""  # service user's name on Bacs records; defaults to council_name

    def __post_init__(self) -> None:
        if len(self.service_user_number) != 6 or not self.service_user_number.isalnum():
            raise PaymentRefused("service_user_number", "the Bacs service user number has 6 characters")
