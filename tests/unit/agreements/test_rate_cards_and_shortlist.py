"""Rate cards follow each other without overlap; the shortlist ranks providers by cost."""
from __future__ import annotations

from datetime import date, time

import pytest

from contracts.agreements import DayCategory, Rate, TimeBand
from contracts.common import Mechanism, RateUnit, ServiceType
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.brokerage import ProviderOffer, draft_for_approved_request, shortlist
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.rates import RateCard, cards_to_close, day_category_of, rate_for, time_band_of
from tests.unit.agreements.builders import MONDAY, home_care, hourly


def card(provider: str, *rates: Rate, start=date(2026, 1, 1), end=None) -> RateCard:
    return RateCard.new(provider, ServiceType.HOME_CARE, start, end, list(rates))


def test_a_new_card_closes_the_open_ended_one_the_day_before_it_starts():
    old = card("PRV-1", hourly(2300))
    new = card("PRV-1", hourly(2400), start=date(2026, 4, 1))
    assert cards_to_close([old], new) == [(old.rate_card_id, date(2026, 3, 31))]


def test_a_card_overlapping_a_closed_card_is_rejected():
    old = card("PRV-1", hourly(2300), end=date(2026, 12, 31))
    with pytest.raises(Conflict, match="overlaps rate card"):
        cards_to_close([old], card("PRV-1", hourly(2400), start=date(2026, 6, 1)))


def test_a_card_ending_before_it_starts_is_rejected():
    with pytest.raises(Rejected) as caught:
        card("PRV-1", hourly(1), start=date(2026, 2, 1), end=date(2026, 1, 31))
    assert caught.value.field == "effective_to"


def test_time_bands_and_day_categories():
    assert [time_band_of(time(h)) for h in (6, 7, 18, 19, 21, 22)] == ["night", "day", "day", "evening", "evening", "night"]
    assert day_category_of(date(2026, 12, 25)) is DayCategory.BANK_HOLIDAY
    assert day_category_of(date(2026, 3, 7)) is DayCategory.WEEKEND
    assert day_category_of(MONDAY) is DayCategory.WEEKDAY


def test_the_most_specific_rate_wins():
    rates = [hourly(2000), hourly(2500, time_band=TimeBand.NIGHT),
             hourly(3000, time_band=TimeBand.NIGHT, day_category=DayCategory.WEEKEND)]
    assert rate_for(rates, MONDAY, time(23)).amount_pence == 2500
    assert rate_for(rates, date(2026, 3, 7), time(23)).amount_pence == 3000
    assert rate_for(rates, date(2026, 3, 7), time(9)).amount_pence == 2000


def test_the_shortlist_ranks_by_the_cost_of_the_planned_week():
    draft = Agreement("AGR-1", "P-1", ServiceType.HOME_CARE, start=MONDAY, terms=home_care().terms)
    cheap_days_dear_weekends = card("PRV-A", hourly(2000), hourly(6000, day_category=DayCategory.WEEKEND))
    flat = card("PRV-B", hourly(2500))
    sessions = RateCard.new("PRV-C", ServiceType.HOME_CARE, date(2026, 1, 1), None,
                            [Rate(unit=RateUnit.VISIT, amount_pence=100, day_category=DayCategory.WEEKDAY)])
    ranked = shortlist(draft, [ProviderOffer("PRV-A", "A", cheap_days_dear_weekends), ProviderOffer("PRV-B", "B", flat),
                               ProviderOffer("PRV-C", "C", sessions)])
    assert [(e.provider_id, e.weekly_cost_pence) for e in ranked] == [
        ("PRV-B", 7 * 2500), ("PRV-A", 5 * 2000 + 2 * 6000), ("PRV-C", None)]


def test_without_a_plan_the_shortlist_ranks_by_standard_rate_and_skips_cards_not_in_force():
    draft = Agreement("AGR-1", "P-1", ServiceType.HOME_CARE, start=MONDAY)
    expired = card("PRV-X", hourly(1), end=date(2026, 2, 1))
    ranked = shortlist(draft, [ProviderOffer("PRV-B", "B", card("PRV-B", hourly(2500))),
                               ProviderOffer("PRV-A", "A", card("PRV-A", hourly(2300))),
                               ProviderOffer("PRV-X", "X", expired)])
    assert [e.provider_id for e in ranked] == ["PRV-A", "PRV-B"]


def test_an_approved_isf_is_drafted_on_plan_and_a_direct_payment_as_a_direct_payment():
    common = dict(request_id="REQ-1", person_ref="P-1", service_type=ServiceType.HOME_CARE, requested_start=MONDAY,
                  nominee=None,
                  weekly_budget_pence=30000, weekly_contribution_pence=0, preferred_provider_id="PRV-1")
    isf = draft_for_approved_request(mechanism=Mechanism.ISF, preferred_provider_known=True, **common)
    assert (isf.payment_basis, isf.provider_id) == ("plan", "PRV-1")
    arranged = draft_for_approved_request(mechanism=Mechanism.COUNCIL_ARRANGED, preferred_provider_known=False, **common)
    assert (arranged.payment_basis, arranged.cycle, arranged.provider_id) == ("actuals", "weekly", None)
    dp = draft_for_approved_request(mechanism=Mechanism.DIRECT_PAYMENT, preferred_provider_known=False,
                                    **{**common, "nominee": "council"})
    assert isinstance(dp, DirectPayment) and dp.amount_per_four_weeks_pence == 120000 and dp.nominee == "council"
