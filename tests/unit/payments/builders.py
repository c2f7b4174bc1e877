"""Plain inputs for the payments domain tests: one council, a weekly run paying on Wednesday 11 March 2026."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from contracts.common import Nominee, ServiceType
from services.payments.domain.files.gl_journal import JournalMapping
from services.payments.domain.inputs import (ApprovedInvoice, BankAccount, CreditNote, DirectPaymentAgreement,
                                             PaymentSettings, ProviderPayee)
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.proposal import RunRequest, propose_run
from services.payments.domain.run_calendar import RunCalendar, RunKind

PAY_DATE = date(2026, 3, 11)  # a Wednesday
PROPOSED_AT = datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)
APPROVED_AT = datetime(2026, 3, 6, 9, 30, tzinfo=timezone.utc)
WEEK_START, WEEK_END = date(2026, 2, 23), date(2026, 3, 1)

CALENDAR = RunCalendar(four_weekly_anchor=PAY_DATE)
SETTINGS = PaymentSettings(council_name="Anyshire County Council", service_user_number="123456",
                           originating_account=BankAccount("401276", "12345678", "ANYSHIRE CC PAYMENTS"),
                           managed_account=BankAccount("401276", "87654321", "ANYSHIRE DP CLIENT"))
MAPPING = JournalMapping(
    subjective_by_service={ServiceType.HOME_CARE: "5110", ServiceType.DAY_CARE: "5120",
                           ServiceType.EXTRA_CARE: "5130", ServiceType.RESIDENTIAL: "5210",
                           ServiceType.NURSING: "5220", ServiceType.SUPPORTED_LIVING: "5230",
                           ServiceType.SHARED_LIVES: "5240", ServiceType.DIRECT_PAYMENT: "5310"},
    control_subjective="9100", control_cost_centre="FIN-CONTROL", default_cost_centre="ASC-DP")


@dataclass(frozen=True)
class Officer:
    subject: str
    role: str


PROPOSER = Officer("olivia", "finance_officer")
APPROVER = Officer("abdul", "finance_approver")


def invoice(id: str = "INV-1", provider: str = "PRV-1", pence: int = 10_000, *, due: date = PAY_DATE,
            service: ServiceType = ServiceType.HOME_CARE, cost_centre: str = "CC-EAST",
            period: tuple[date, date] = (WEEK_START, WEEK_END), credits: tuple[int, ...] = (), **kw) -> ApprovedInvoice:
    notes = kw.pop("credit_notes", None) or tuple(CreditNote(f"{id}-CN{n}", amount, "late ECM correction")
                                                  for n, amount in enumerate(credits, 1))
    return ApprovedInvoice(id=id, provider_id=provider, amount_pence=pence, due_date=due, service_type=service,
                           cost_centre=cost_centre, period_start=period[0], period_end=period[1],
                           credit_notes=notes, invoice_number=kw.pop("invoice_number", f"P-{id}"),
                           person_ref=kw.pop("person_ref", "P-1"), **kw)


def payee(id: str = "PRV-1", *, verified: bool = True, name: str | None = None,
          account: str = "11112222") -> ProviderPayee:
    name = name or f"Care Co {id}"
    return ProviderPayee(id, name, BankAccount("200000", account, name), bank_verified=verified)


def payees(*ids: str, **kw) -> dict[str, ProviderPayee]:
    return {i: payee(i, account=f"{n:08d}", **kw) for n, i in enumerate(ids or ("PRV-1",), start=10_000_000)}


def direct_payment(id: str = "DP-1", *, per_four_weeks: int = 56_000, contribution: int = 0, start: date = PAY_DATE,
                   end: date | None = None, council_managed: bool = False, **kw) -> DirectPaymentAgreement:
    account = None if council_managed else BankAccount("309634", "55556666", "J SMITH")
    return DirectPaymentAgreement(id=id, person_ref=kw.pop("person_ref", f"P-{id}"),
                                  amount_per_four_weeks_pence=per_four_weeks, start=start, end=end,
                                  nominee=Nominee.COUNCIL if council_managed else Nominee.PERSON,
                                  payee_account=kw.pop("payee_account", account), council_managed=council_managed,
                                  contribution_per_four_weeks_pence=contribution, cost_centre="CC-DP", **kw)


def propose(invoices=(), providers=None, dps=(), *, kind: RunKind = RunKind.WEEKLY, pay_date: date = PAY_DATE,
            pay_early: frozenset[str] = frozenset(), run_number: int = 42, settings=SETTINGS, credits=(),
            funds=None) -> PaymentRun:
    if kind is RunKind.AD_HOC:
        scheduled = CALENDAR.ad_hoc(pay_date, include_direct_payments=True)
    else:
        scheduled = next(r for r in CALENDAR.runs_between(pay_date, pay_date) if r.kind is kind)
    request = RunRequest(f"RUN-{run_number}", run_number, scheduled, PROPOSER.subject, PROPOSED_AT, pay_early)
    return propose_run(request, invoices, payees() if providers is None else providers, dps, settings, credits,
                       funds)


def approved(run: PaymentRun) -> PaymentRun:
    return run.approve(APPROVER, APPROVED_AT)


def a_sound_run() -> PaymentRun:
    """An approved run: two providers (one with a credit note) and a four-weekly direct payment."""
    invoices = [invoice("INV-1", "PRV-1", 12_345), invoice("INV-2", "PRV-1", 20_000, credits=(2_345,)),
                invoice("INV-3", "PRV-2", 99_999, service=ServiceType.RESIDENTIAL, cost_centre="CC-WEST")]
    return approved(propose(invoices, payees("PRV-1", "PRV-2"), [direct_payment()], kind=RunKind.AD_HOC))
