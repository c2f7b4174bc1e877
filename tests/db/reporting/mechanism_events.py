"""Events as agreements, invoicing and payments publish them, for reporting's spend by mechanism."""
from __future__ import annotations

from datetime import date, timedelta

from contracts import agreements as ag
from contracts import invoicing as inv
from contracts import payments as pay
from contracts.common import Cycle, Funding, Nominee, PaymentBasis, RateUnit, ServiceType, SpendMechanism

MARCH = {"period": "month", "from": "2026-03-01", "to": "2026-03-31"}
MONDAY = date(2026, 3, 2)


def agreement(aid: str, person: str, pid: str, *, service_type: ServiceType = ServiceType.HOME_CARE,
              mechanism: SpendMechanism = SpendMechanism.COUNCIL_ARRANGED, funded_by: str | None = None
              ) -> ag.AgreementActivated:
    return ag.AgreementActivated(
        agreement_id=aid, person_ref=person, provider_id=pid, service_type=service_type,
        payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=MONDAY, mechanism=mechanism,
        funding=Funding.MANAGED_ACCOUNT if funded_by else Funding.COUNCIL, direct_payment_id=funded_by,
        terms=[ag.AgreementTerms(version=1, effective_from=MONDAY,
                                 rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=2400)])])


def direct_payment(dp_id: str, person: str, nominee: Nominee) -> ag.DirectPaymentAgreed:
    return ag.DirectPaymentAgreed(agreement_id=dp_id, person_ref=person, nominee=nominee, start=MONDAY,
                                  amount_per_four_weeks_pence=56_000, weekly_budget_pence=14_000,
                                  weekly_contribution_pence=0, first_review_due=MONDAY + timedelta(days=90))


def varied(dp_id: str, person: str, nominee: Nominee, effective_from: date) -> ag.DirectPaymentVaried:
    return ag.DirectPaymentVaried(agreement_id=dp_id, person_ref=person, nominee=nominee, start=MONDAY,
                                  amount_per_four_weeks_pence=56_000, weekly_budget_pence=14_000,
                                  weekly_contribution_pence=0, first_review_due=MONDAY + timedelta(days=90),
                                  version=2, effective_from=effective_from)


def commitment(person: str, *lines: tuple[str, str, str | None, int], as_of: date = MONDAY) -> ag.CommitmentChanged:
    """lines: (agreement_id, kind, provider_id, weekly pence)."""
    weekly = sum(line[3] for line in lines)
    return ag.CommitmentChanged(
        person_ref=person, as_of=as_of, weekly_budget_pence=None, weekly_commitment_pence=weekly,
        annual_commitment_pence=weekly * 52, exceeded=False,
        lines=[ag.CommitmentLine(agreement_id=aid, kind=kind, provider_id=pid, weekly_pence=pence,
                                 annual_pence=pence * 52,
                                 service_type=ServiceType.DIRECT_PAYMENT if kind == "direct_payment"
                                 else ServiceType.HOME_CARE) for aid, kind, pid, pence in lines])


def approved(invoice_id: str, pid: str, aid: str, amount: int,
             service_type: ServiceType = ServiceType.HOME_CARE) -> inv.InvoiceApproved:
    received = MONDAY + timedelta(days=7)
    return inv.InvoiceApproved(
        invoice_id=invoice_id, provider_id=pid, revision=1, number=f"N-{invoice_id}", kind="self_billed",
        agreement_ids=[aid], service_type=service_type, period_start=MONDAY, period_end=MONDAY + timedelta(days=6),
        amount_pence=amount, received_on=received, valid_on=received, due_date=received + timedelta(days=30))


def invoice_paid(invoice_id: str, pid: str, amount: int, reference: str) -> pay.InvoicePaid:
    return pay.InvoicePaid(invoice_id=invoice_id, provider_id=pid, run_id="RUN-1", payment_reference=reference,
                           paid_on=MONDAY + timedelta(days=14), amount_pence=amount)


def dp_made(dp_id: str, person: str, amount: int, reference: str, *, period_start: date = MONDAY,
            council_managed: bool = False) -> pay.DirectPaymentMade:
    # paid on the Friday before the days it covers: the business date counted is the first day covered
    return pay.DirectPaymentMade(run_id="RUN-DP", agreement_id=dp_id, person_ref=person, payment_reference=reference,
                                 pay_date=period_start - timedelta(days=3), amount_pence=amount,
                                 period_start=period_start, period_end=period_start + timedelta(days=27),
                                 council_managed=council_managed)


def debited(dp_id: str, person: str, payee_kind: str, payee_id: str, amount: int, reference: str, *,
            settles: list[str] | None = None) -> pay.ManagedAccountDebited:
    return pay.ManagedAccountDebited(agreement_id=dp_id, person_ref=person, run_id="RUN-1",
                                     payment_reference=reference, pay_date=date(2026, 3, 20), payee_kind=payee_kind,
                                     payee_id=payee_id, amount_pence=amount, balance_after_pence=0,
                                     settles=settles or [])
