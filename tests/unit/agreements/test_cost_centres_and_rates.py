"""Cost centres (the council's rule, an officer's change, on every event) and a commitment's rates by business
date (one per version of the terms, from its own date)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import agreements as contract
from contracts.agreements import DayCategory, EndReason, WeeklyRate
from contracts.common import Mechanism, ServiceType
from services.agreements.config import agreements_config_from
from services.agreements.domain.brokerage import draft_for_approved_request
from services.agreements.domain.commitments import commitment_of
from services.agreements.domain.cost_centres import parse_cost_centre_rule
from services.agreements.domain.direct_payments import DirectPayment, PaymentTerms
from services.agreements.domain.errors import Rejected
from services.agreements.events import agreement_event
from tests.unit.agreements.builders import MONDAY, home_care, hourly

RULE = parse_cost_centre_rule("locality:North=ASC-NORTH; service:residential=ASC-RES; default=ASC-OTHER")


@pytest.mark.parametrize("locality, service, expected", [
    ("North", ServiceType.RESIDENTIAL, "ASC-NORTH"),      # the locality first, even over the service type
    ("  nORTH ", ServiceType.HOME_CARE, "ASC-NORTH"),     # matched whatever the case and outer spaces
    ("South", ServiceType.RESIDENTIAL, "ASC-RES"),        # an unknown locality: the service type's
    (None, ServiceType.RESIDENTIAL, "ASC-RES"),
    (None, ServiceType.HOME_CARE, "ASC-OTHER"),           # neither: the default
])
def test_the_rule_takes_the_locality_then_the_service_type_then_the_default(locality, service, expected):
    assert RULE.cost_centre_for(locality, service) == expected


def test_without_a_rule_every_agreement_is_charged_to_asc_care():
    assert agreements_config_from({}).cost_centres.cost_centre_for("North", ServiceType.NURSING) == "ASC-CARE"


@pytest.mark.parametrize("bad", ["locality:North", "service:gardening=ASC-G", "team:North=ASC-N",
                                 "default=ASC CARE", "default=A;default=B", "locality:N=A;locality:n=B"])
def test_a_rule_that_cannot_be_read_stops_the_service_naming_the_setting(bad):
    with pytest.raises(SystemExit, match="CAREPAY_AGREEMENTS_COST_CENTRES"):
        agreements_config_from({"CAREPAY_AGREEMENTS_COST_CENTRES": bad})


def test_a_draft_from_an_approved_request_takes_the_cost_centre_an_officer_may_change_it_and_events_carry_it():
    draft = draft_for_approved_request(
        request_id="REQ-1", person_ref="P-1", service_type=ServiceType.HOME_CARE,
        mechanism=Mechanism.COUNCIL_ARRANGED, nominee=None, preferred_provider_id=None, requested_start=MONDAY,
        weekly_budget_pence=50000, weekly_contribution_pence=0, preferred_provider_known=False,
        cost_centre=RULE.cost_centre_for("North", ServiceType.HOME_CARE))
    assert draft.cost_centre == "ASC-NORTH"
    agreement = home_care()
    assert agreement.cost_centre is None  # drafted without one: events say None (the default applies)
    varied = agreement.vary(MONDAY + timedelta(days=7), cost_centre="ASC-EAST", reason="moved team")
    assert varied.cost_centre == "ASC-EAST"
    assert agreement_event(contract.AgreementVaried, varied, version=2,
                           effective_from=MONDAY + timedelta(days=7)).cost_centre == "ASC-EAST"
    assert varied.vary(MONDAY + timedelta(days=14), rates=[hourly(2500)]).cost_centre == "ASC-EAST"  # kept
    with pytest.raises(Rejected) as info:
        agreement.vary(MONDAY + timedelta(days=7), cost_centre="ASC EAST!")
    assert info.value.field == "cost_centre"


def test_an_agreement_has_one_rate_from_its_start_and_one_from_each_variation():
    agreement = home_care().vary(MONDAY + timedelta(days=10), rates=[hourly(3000)])
    [line] = commitment_of("P-1", MONDAY + timedelta(days=20), [agreement], [], None).lines
    assert line.rates == [WeeklyRate(from_date=MONDAY, weekly_pence=7 * 2400),
                          WeeklyRate(from_date=MONDAY + timedelta(days=10), weekly_pence=7 * 3000)]
    assert line.weekly_pence == 7 * 3000  # the forecast stays forward from as_of


def test_a_back_dated_variation_wins_from_its_own_date_and_the_version_it_overrides_has_no_rate():
    agreement = home_care().vary(MONDAY + timedelta(days=14), rates=[hourly(3000)])  # v2 from day 14
    agreement = agreement.vary(MONDAY + timedelta(days=7), rates=[hourly(2600)])     # v3, made later, from day 7
    [line] = commitment_of("P-1", MONDAY + timedelta(days=28), [agreement], [], None).lines
    assert line.rates == [WeeklyRate(from_date=MONDAY, weekly_pence=7 * 2400),
                          WeeklyRate(from_date=MONDAY + timedelta(days=7), weekly_pence=7 * 2600)]


def test_a_rate_is_an_ordinary_weeks_cost_even_from_a_bank_holiday():
    easter_monday = date(2026, 4, 6)
    premium = [hourly(2400), hourly(4800, day_category=DayCategory.BANK_HOLIDAY)]
    agreement = home_care(start=MONDAY, rates=premium).vary(easter_monday, rates=[
        hourly(2500), hourly(5000, day_category=DayCategory.BANK_HOLIDAY)])
    [line] = commitment_of("P-1", MONDAY, [agreement], [], None).lines
    assert line.rates[-1] == WeeklyRate(from_date=easter_monday, weekly_pence=7 * 2500)


def test_a_finished_agreement_keeps_its_line_and_rates_and_forecasts_nothing():
    ended = home_care().end_on(MONDAY + timedelta(days=9), EndReason.DEATH)
    [line] = commitment_of("P-1", MONDAY + timedelta(days=30), [ended], [], None).lines
    assert (line.weekly_pence, line.annual_pence) == (0, 0)
    assert line.rates == [WeeklyRate(from_date=MONDAY, weekly_pence=7 * 2400)]


def test_a_direct_payment_has_its_gross_weekly_value_per_version_of_its_terms():
    draft = DirectPayment("DP-1", "P-1", 30000, 5000, MONDAY)
    payment = draft.complete(nominee="person", start=MONDAY, first_review=None, payee_set_by="u-1").agree("u-2")
    payment = payment.with_version(PaymentTerms(2, MONDAY + timedelta(days=21), 35001, 5000))
    [line] = commitment_of("P-1", MONDAY + timedelta(days=30), [], [payment], None).lines
    # 4 x (35001 - 5000) / 4 + 5000 = 35001: the gross weekly value, to the penny
    assert line.rates == [WeeklyRate(from_date=MONDAY, weekly_pence=30000),
                          WeeklyRate(from_date=MONDAY + timedelta(days=21), weekly_pence=35001)]


def test_a_change_to_past_rates_alone_is_something_new_to_publish():
    today = MONDAY + timedelta(days=28)
    before = commitment_of("P-1", today, [home_care()], [], 50000)
    after = commitment_of("P-1", today, [home_care().vary(MONDAY + timedelta(days=7), rates=[hourly(2600)])
                                         .vary(today, rates=[hourly(2400)])], [], 50000)
    assert (before.weekly_pence, before.annual_pence) == (after.weekly_pence, after.annual_pence)
    assert before.figures != after.figures  # the digest deciding CommitmentChanged includes the rates
