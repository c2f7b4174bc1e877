"""Invoicing's copy of an agreement, read from the agreements service's events, and the facts the
wiring derives: plan cost per version, suspensions, bank details, commitments for a period."""
from __future__ import annotations

from decimal import Decimal

from contracts import agreements as ag
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from services.invoicing.domain.agreement_facts import agreement_on_file, bank_details_after
from services.invoicing.domain.commitments import CommitmentOnFile as Committed, commitment_for_period
from services.invoicing.domain.facts import PlanTerms, Suspension
from services.invoicing.domain.periods import Period
from tests.unit.invoicing.invoicing_builders import MONDAY, WEEK, day, home_care, residential


def _activated(**overrides) -> ag.AgreementActivated:
    terms = [ag.AgreementTerms(version=1, effective_from=MONDAY, weekly_units=Decimal("1"),
                               rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=90000, day_category="weekend"),
                                      ag.Rate(unit=RateUnit.WEEK, amount_pence=70000)]),
             ag.AgreementTerms(version=2, effective_from=day(10), weekly_units=Decimal("1"),
                               rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=77000)])]
    fields = dict(agreement_id="AGR-9", person_ref="P-9", provider_id="PRV-9", service_type=ServiceType.RESIDENTIAL,
                  payment_basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY, start=MONDAY, terms=terms,
                  suspensions=[ag.SuspensionPeriod(suspended_from=day(3), resumed_on=day(5), reason="hospital")])
    return ag.AgreementActivated(**(fields | overrides))


def test_each_version_of_the_terms_is_a_plan_at_its_standard_rate():
    on_file = agreement_on_file(_activated())
    assert on_file.plan == (PlanTerms(1, MONDAY, Decimal("1"), 70000), PlanTerms(2, day(10), Decimal("1"), 77000))
    assert (on_file.provider_ref, on_file.basis, on_file.service_type) == ("PRV-9", PaymentBasis.PLAN,
                                                                          ServiceType.RESIDENTIAL)
    assert on_file.suspensions == (Suspension(day(3), day(5)),)
    assert on_file.plan_on(day(11)).rate_pence == 77000 and not on_file.is_payable_on(day(4))


def test_terms_without_weekly_units_are_not_a_plan():
    terms = [ag.AgreementTerms(version=1, effective_from=MONDAY, rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=2400)])]
    assert agreement_on_file(_activated(payment_basis=PaymentBasis.ACTUALS, terms=terms)).plan == ()


def test_a_bank_details_change_holds_until_verified_and_a_rejection_keeps_the_last_verified_account():
    assert bank_details_after("ProviderBankDetailsChanged") is False
    assert bank_details_after("ProviderBankDetailsVerified") is True
    assert bank_details_after("ProviderBankDetailsRejected", previous_account_stands=True) is True
    assert bank_details_after("ProviderBankDetailsRejected", previous_account_stands=False) is False


def test_the_commitment_of_an_invoice_is_its_whole_weeks_even_when_its_lines_fall_on_fewer_days():
    assert commitment_for_period(Committed(10_000), home_care(), Period(day(1), day(4))) == 10_000
    assert commitment_for_period(Committed(10_000), home_care(), Period(MONDAY, day(27))) == 40_000


def test_the_commitment_leaves_out_days_before_the_start_and_days_suspended():
    starts_thursday = home_care(start=day(3))
    assert commitment_for_period(Committed(7_000), starts_thursday, WEEK) == 4_000
    suspended = residential(suspensions=(Suspension(day(1), day(3)),))
    assert commitment_for_period(Committed(7_000), suspended, WEEK) == 5_000
    assert commitment_for_period(Committed(10_000), home_care(start=day(1)), WEEK) == 8_571  # 6/7 of £100, half up
