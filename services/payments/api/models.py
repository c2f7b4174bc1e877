"""What the payments API accepts and answers. Money in integer pence; accounts only ever masked."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.payments.domain.dp_reclaims import Reclaim
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.two_person import Decision
from services.payments.store.runs import StoredRun
from shared.bounds import MAX_IDS, Description, Reason, Reference, text
from shared.clock import BusinessDate, PayDate, PlausibleDate
from shared.uploads import ColumnReport

MAX_PENCE = 10 ** 11  # a billion pounds: past any direct payment's balance
ReceiptRef = text(100, 1)  # a payment into an account: unique for the account
ShiftNote = text(500)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposeIn(_In):
    pay_date: PayDate = Field(description="The day the money reaches payees' accounts (a working day), "
                                          "within a year back and two years ahead.")
    kind: Literal["weekly", "four_weekly", "ad_hoc"] | None = Field(
        default=None, description="Needed only when a weekly and a four-weekly run share the pay date; "
                                  "a date the calendar has no run for is an ad hoc run.")
    include_direct_payments: bool = Field(default=False, description="Ad hoc runs only: pay direct payments due.")
    pay_early: list[Reference] = Field(default_factory=list, max_length=MAX_IDS,
                                       description="Invoice ids to pay before they are due.")
    providers: list[Reference] | None = Field(default=None, max_length=MAX_IDS,
                                              description="Pay only these providers (None: all).")
    direct_payments: list[Reference] | None = Field(default=None, max_length=MAX_IDS,
                                                    description="Pay only these DP agreements (None: all).")


class ReasonIn(_In):
    reason: Reason = Field(description="Why: kept with the run for audit.")


class LedgerEntryIn(_In):
    """Money paid into a council-managed account by hand (the person's contribution). Money leaves it only
    through a payment run a second person approves (care and PAs' pay) or a reclaim a second person
    approves (recovery to the council), each with its event: never by one person typing it in."""

    on: PlausibleDate
    kind: Literal["contribution_in"] = Field(description="Only money in: contribution_in.")
    amount_pence: int = Field(gt=0)
    reference: ReceiptRef = Field(description="Unique for this account, e.g. the receipt.")
    description: Description = ""


class ShiftBody(_In):
    """One shift a PA worked: London times; an end earlier on the clock than the start is the next day."""

    work_date: BusinessDate
    start: time = Field(description="HH:MM, London time.")
    end: time = Field(description="HH:MM, London time; at or before `start`: the next day (an overnight shift).")
    note: ShiftNote = ""


class TimesheetIn(_In):
    direct_payment_id: Reference | None = Field(default=None, description="The direct payment employing the PA "
                                                                          "(checked when given).")
    shifts: list[ShiftBody] = Field(min_length=1, max_length=500, description="At least one shift.")


def masked(account_number: str) -> str:
    return "****" + account_number[-4:]


class LineOut(BaseModel):
    line_id: str
    kind: str
    settles: str
    description: str
    person_ref: str
    service_type: str
    period_start: date
    period_end: date
    amount_pence: int
    funded_by: str | None = Field(default=None, description="The council-managed direct payment whose account "
                                                            "pays this line; None: the council's account.")
    reason: str = Field(default="", description="Why a credit note takes money back, as its remittance says.")


class PaymentOut(BaseModel):
    payment_reference: str
    payee_kind: str
    payee_id: str
    payee_name: str
    account: str
    council_managed: bool
    amount_pence: int
    outcome: str
    outcome_reason: str | None = None
    lines: list[LineOut] | None = None


class ExclusionOut(BaseModel):
    subject: str
    payee_id: str
    reason: str
    detail: str
    amount_pence: int
    settles: list[str]


class ReviewOut(BaseModel):
    line_id: str
    payment_reference: str
    amount_pence: int
    reason: str
    by: str
    at: datetime


class TotalsOut(BaseModel):
    payments_pence: int = Field(description="The run's total: what the Bacs contra and pain.001 CtrlSum carry.")
    lines_pence: int = Field(description="Sum of every remittance line; always equals payments_pence.")
    providers_pence: int
    direct_payments_pence: int
    excluded_pence: int = Field(description="What the exclusions would have paid.")
    payment_count: int
    line_count: int
    exclusion_count: int


class RunOut(BaseModel):
    run_id: str
    run_number: int
    kind: str
    status: str
    pay_date: date
    processing_day: date
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    exported_at: datetime | None
    scope: dict[str, Any] = Field(description="What the run was asked to pay: its kind, pay date and the payees "
                                              "or invoices it was narrowed to, as proposed.")
    totals: TotalsOut
    payments: list[PaymentOut]
    exclusions: list[ExclusionOut]
    reviews: list[ReviewOut]

    @classmethod
    def of(cls, stored: StoredRun, *, lines: bool = True) -> RunOut:
        run: PaymentRun = stored.run
        payments = [PaymentOut(
            payment_reference=p.reference, payee_kind=p.payee_kind.value, payee_id=p.payee_id,
            payee_name=p.payee_name, account=masked(p.account.account_number),
            council_managed=p.reference in stored.council_managed, amount_pence=p.amount_pence,
            outcome=stored.outcomes.get(p.reference, ("instructed", None, None))[0],
            outcome_reason=stored.outcomes.get(p.reference, ("instructed", None, None))[1],
            lines=[LineOut(line_id=ln.line_id, kind=ln.kind.value, settles=ln.settles, description=ln.description,
                           person_ref=ln.person_ref, service_type=ln.service_type.value,
                           period_start=ln.period_start, period_end=ln.period_end, amount_pence=ln.amount_pence,
                           funded_by=ln.funded_by, reason=ln.reason)
                   for ln in p.lines] if lines else None) for p in run.payments]
        by_kind = {k: sum(p.amount_pence for p in run.payments if p.payee_kind.value == k)
                   for k in ("provider", "direct_payment")}
        totals = TotalsOut(payments_pence=run.total_pence,
                           lines_pence=stored.lines_pence,
                           providers_pence=by_kind["provider"], direct_payments_pence=by_kind["direct_payment"],
                           excluded_pence=sum(e.amount_pence for e in run.exclusions), payment_count=len(run.payments),
                           line_count=stored.line_count, exclusion_count=len(run.exclusions))
        return cls(run_id=run.run_id, run_number=run.run_number, kind=run.kind.value, status=run.status.value,
                   pay_date=run.pay_date, processing_day=run.processing_day, proposed_by=run.proposed_by,
                   proposed_at=run.proposed_at, approved_by=run.approved_by, approved_at=run.approved_at,
                   exported_at=stored.exported_at, scope=stored.scope, totals=totals, payments=payments,
                   exclusions=[ExclusionOut(subject=e.subject, payee_id=e.payee_id, reason=e.reason.value,
                                            detail=e.detail, amount_pence=e.amount_pence, settles=list(e.settles))
                               for e in run.exclusions],
                   reviews=[ReviewOut(line_id=v.line_id, payment_reference=v.payment_reference,
                                      amount_pence=v.amount_pence, reason=v.reason, by=v.by, at=v.at)
                            for v in run.reviews])


class RunSummaryOut(BaseModel):
    run_id: str
    run_number: int
    kind: str
    status: str
    pay_date: date
    total_pence: int
    payment_count: int
    proposed_by: str
    approved_by: str | None
    exported_at: datetime | None


class FileOut(BaseModel):
    name: str
    kind: str
    sha256: str
    size_bytes: int
    url: str


class ExportOut(BaseModel):
    run_id: str
    first_export: bool = Field(description="False when the files were already exported: the same bytes are served.")
    total_pence: int
    files: list[FileOut]


class DecisionOut(BaseModel):
    """A two-person decision (a return or a hold release): who recorded it, and who approved it."""

    decision_id: str
    kind: Literal["payment_return", "hold_release"]
    subject_kind: Literal["payment", "invoice", "direct_payment"]
    subject_id: str
    run_id: str | None
    reason: str
    status: Literal["pending", "approved"]
    recorded_by: str
    recorded_at: datetime
    approved_by: str | None
    approved_at: datetime | None

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        return cls(decision_id=d.decision_id, kind=d.kind.value, subject_kind=d.subject_kind.value,
                   subject_id=d.subject_id, run_id=d.run_id, reason=d.reason, status=d.status.value,
                   recorded_by=d.recorded_by, recorded_at=d.recorded_at, approved_by=d.approved_by,
                   approved_at=d.approved_at)


class ReleaseOut(BaseModel):
    release_id: str
    held_kind: Literal["invoice", "direct_payment"]
    held_id: str
    status: Literal["pending", "approved"]
    released: bool = Field(description="Whether the hold is lifted: only once a second person approves.")
    recorded_by: str
    approved_by: str | None = None

    @classmethod
    def of(cls, d: Decision, released: bool = False) -> ReleaseOut:
        return cls(release_id=d.decision_id, held_kind=d.subject_kind.value, held_id=d.subject_id,
                   status=d.status.value, released=released, recorded_by=d.recorded_by, approved_by=d.approved_by)


class PendingReturnOut(BaseModel):
    return_id: str
    payment_reference: str


class ReturnOut(BaseModel):
    return_id: str
    run_id: str
    payment_reference: str
    status: Literal["approved"]
    returned: bool = True
    recorded_by: str
    approved_by: str


class ConfirmationOut(BaseModel):
    run_id: str
    paid: list[str]
    returns_pending: list[PendingReturnOut] = Field(
        description="Payments reported returned: recorded, but nothing changes until a different finance "
                    "approver approves each (POST /payment-returns/{return_id}/approve).")
    already_recorded: int
    columns: ColumnReport = Field(description="The header's columns read, and those ignored (extra or misspelt).")


# --- direct payments' returns, audits, reclaims and debts --------------------------------------

Balance = Annotated[int, Field(ge=-MAX_PENCE, le=MAX_PENCE)]


class CategoryAmountIn(_In):
    category: Literal["direct_payment", "contribution", "care_agency", "personal_assistant", "other"]
    amount_pence: int = Field(ge=0, le=MAX_PENCE)


class ReturnTotalsIn(_In):
    """A return as totals by category: opening + paid in - paid out must equal closing."""

    period_start: BusinessDate
    period_end: BusinessDate
    opening_balance_pence: Balance
    closing_balance_pence: Balance
    paid_in: list[CategoryAmountIn] = Field(default_factory=list, max_length=50)
    paid_out: list[CategoryAmountIn] = Field(default_factory=list, max_length=50)


class DpReturnOut(BaseModel):
    return_id: str
    agreement_id: str
    person_ref: str
    period_start: date
    period_end: date
    source: Literal["bank_statement", "totals"]
    opening_balance_pence: int
    paid_in_pence: int
    paid_out_pence: int
    closing_balance_pence: int
    paid_in: dict[str, int]
    paid_out: dict[str, int]
    statement_rows: int = Field(description="Rows of a bank statement (0 for totals).")
    status: Literal["submitted", "audited", "signed_off"]
    submitted_by: str
    audited_balance_pence: int | None = None
    threshold_pence: int | None = None
    surplus_pence: int | None = None
    audited_by: str | None = None
    signed_off_by: str | None = None
    columns: ColumnReport | None = Field(default=None, description="A bank statement's header: the columns read and "
                                                                   "ignored (only in the answer to the upload)")

    @classmethod
    def of(cls, row) -> DpReturnOut:
        return cls(**{k: row[k] for k in cls.model_fields if k not in ("statement_rows", "columns")},
                   statement_rows=len(row["statement_rows"] or []))


class AuditIn(_In):
    audited_balance_pence: Balance | None = Field(default=None, description=(
        "The balance the officer found at the period's end; by default the return's closing balance."))


class ReclaimIn(_In):
    amount_pence: int = Field(gt=0, le=MAX_PENCE)
    reason: Literal["surplus", "unspent_at_end"]
    method: Literal["netting", "debt"]
    return_id: Reference | None = Field(default=None, description=(
        "The signed-off return whose surplus (or, at the end, final balance) is reclaimed; none for a "
        "council-managed account."))


class DebtOut(BaseModel):
    person_ref: str
    reclaim_id: str
    agreement_id: str
    amount_pence: int
    reason: Literal["surplus", "unspent_at_end"]
    raised_on: date
    exported_at: datetime | None = Field(default=None, description="When the debt was first exported.")


class ReclaimOut(DebtOut):
    method: Literal["netting", "debt"]
    return_id: str | None
    status: Literal["pending", "approved"]
    raised_by: str
    approved_by: str | None
    netted_pence: int = Field(default=0, description="Netted so far from payments the bank did not return.")

    @classmethod
    def of(cls, r: Reclaim, netted_pence: int = 0, exported_at: datetime | None = None) -> ReclaimOut:
        return cls(**{k: getattr(r, k) for k in cls.model_fields if hasattr(r, k)}, netted_pence=netted_pence,
                   exported_at=exported_at)
