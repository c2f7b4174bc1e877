"""Rate uplifts, pure: which agreements a provider's new card reaches, their new terms from the card in force on
the date (the variation rules apply), the weekly cost before and after, and each agreement skipped with why."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from contracts.agreements import EndReason, ScheduledVisit, SuspensionReason, TimeBand, Weekday
from contracts.common import RateUnit, ServiceType
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.errors import Conflict
from services.agreements.domain.rate_uplifts import card_for_uplift, plan_uplift
from services.agreements.domain.rates import RateCard
from tests.unit.agreements.builders import MONDAY, daily_visit, home_care, hourly

APRIL = MONDAY + timedelta(days=28)
OLD = RateCard("RC-OLD", "PRV-1", ServiceType.HOME_CARE, RateUnit.HOUR, MONDAY, APRIL - timedelta(days=1),
               (hourly(2400),))
NEW = RateCard("RC-NEW", "PRV-1", ServiceType.HOME_CARE, RateUnit.HOUR, APRIL, None, (hourly(2500),))


def _plan(*agreements: Agreement, cards=(OLD, NEW), on: date = APRIL, uplift_id: str | None = "RU-1"):
    return plan_uplift("PRV-1", ServiceType.HOME_CARE, on, cards, agreements, uplift_id)


def _on_card(agreement: Agreement, card: RateCard) -> Agreement:
    first = agreement.terms[0].model_copy(update={"rates": list(card.rates), "rate_card_id": card.rate_card_id})
    return replace(agreement, terms=(first,))


def test_an_agreement_with_negotiated_rates_is_moved_to_the_card_and_the_preview_says_so():
    plan = _plan(home_care("P-1"))
    [varied] = plan.varied
    assert plan.skipped == () and plan.rate_card_id == "RC-NEW"
    assert (varied.weekly_before_pence, varied.weekly_after_pence) == (7 * 2400, 7 * 2500)
    assert varied.reason == "negotiated rates replaced by rate card RC-NEW"
    new = varied.agreement.terms[-1]
    assert (new.version, new.effective_from, new.rate_card_id, new.rates) == (2, APRIL, "RC-NEW", [hourly(2500)])
    assert new.schedule == varied.agreement.terms[0].schedule  # what the card does not say carries over
    assert new.reason == "rate uplift RU-1: negotiated rates replaced by rate card RC-NEW"
    # Earlier days keep the version they had.
    assert varied.agreement.terms_on(APRIL - timedelta(days=1)).rates == [hourly(2400)]


def test_an_agreement_on_the_old_card_names_both_cards_and_a_suspended_one_is_varied_too():
    suspended = _on_card(home_care("P-2"), OLD).suspend(MONDAY + timedelta(days=3), SuspensionReason.HOSPITAL)
    [varied] = _plan(suspended).varied
    assert varied.reason == "rate card RC-OLD replaced by rate card RC-NEW"
    assert varied.agreement.status == suspended.status


def test_a_weekly_cost_counts_every_carer_and_the_days_of_its_visits():
    two_carers = home_care("P-3", schedule=daily_visit(minutes=30, carers=2)[:3])
    [varied] = _plan(two_carers).varied
    assert (varied.weekly_before_pence, varied.weekly_after_pence) == (3 * 2 * 1200, 3 * 2 * 1250)


def test_agreements_are_skipped_with_their_reason():
    ended_before = home_care("P-4").end_on(APRIL - timedelta(days=1), EndReason.DEATH)
    ended_after = home_care("P-5").end_on(APRIL + timedelta(days=3), EndReason.DEATH)
    starts_later = home_care("P-6", start=APRIL + timedelta(days=7))
    evening = home_care("P-7", rates=[hourly(2400)], schedule=[ScheduledVisit(
        weekday=Weekday.MONDAY, start_time=time(19, 30), duration_minutes=60, carers_required=1)])
    varied_later = home_care("P-8").vary(APRIL + timedelta(days=10), rates=[hourly(2450)], reason="more")
    day_only = replace(NEW, rates=(hourly(2500, time_band=TimeBand.DAY),))
    plan = _plan(ended_before, ended_after, starts_later, evening, varied_later, cards=(OLD, day_only))
    reasons = {s.person_ref: s.reason for s in plan.skipped}
    assert plan.varied == ()
    assert reasons["P-4"] == f"ended before {APRIL}: its last day is {APRIL - timedelta(days=1)}"
    assert reasons["P-5"] == f"ended on {APRIL + timedelta(days=3)}: an ended agreement is not varied"
    assert reasons["P-6"].startswith(f"starts on {APRIL + timedelta(days=7)}, after {APRIL}")
    assert reasons["P-7"].startswith("rate card RC-NEW cannot price it: schedule.0: no rate covers a monday visit "
                                     "at 19:30:00")
    assert reasons["P-8"].startswith(f"varied from {APRIL + timedelta(days=10)}, after {APRIL}")


def test_an_agreement_already_on_the_card_from_the_date_is_skipped():
    already = _on_card(home_care("P-9", start=APRIL), NEW)
    [skipped] = _plan(already).skipped
    assert skipped.reason == "already on rate card RC-NEW on " + str(APRIL)


def test_only_the_providers_activated_agreements_of_the_service_are_reached():
    other_provider = home_care("P-10", provider="PRV-2")
    draft = Agreement(agreement_id="AGR-DRAFT", person_ref="P-11", service_type=ServiceType.HOME_CARE,
                      provider_id="PRV-1")
    residential = replace(home_care("P-12"), service_type=ServiceType.RESIDENTIAL)
    plan = _plan(other_provider, draft, residential, home_care("P-13"))
    assert [v.agreement.person_ref for v in plan.varied] == ["P-13"] and plan.skipped == ()


def test_a_previewed_variation_names_no_uplift():
    [varied] = _plan(home_care("P-14"), uplift_id=None).varied
    assert varied.agreement.terms[-1].reason == "negotiated rates replaced by rate card RC-NEW"


def test_the_card_in_the_agreements_unit_is_used_where_the_provider_has_several():
    per_visit = RateCard("RC-VISIT", "PRV-1", ServiceType.HOME_CARE, RateUnit.VISIT, APRIL, None,
                         (hourly(0).model_copy(update={"unit": RateUnit.VISIT, "amount_pence": 2000}),))
    by_visit = home_care("P-15", rates=[hourly(0).model_copy(update={"unit": RateUnit.VISIT, "amount_pence": 1900})])
    plan = _plan(by_visit, home_care("P-16"), cards=(NEW, per_visit))
    assert {v.agreement.person_ref: (v.rate_card_id, v.weekly_after_pence) for v in plan.varied} == {
        "P-15": ("RC-VISIT", 7 * 2000), "P-16": ("RC-NEW", 7 * 2500)}


def test_no_card_for_the_service_names_service_type_and_none_in_force_names_effective_from():
    with pytest.raises(Conflict) as none_at_all:
        card_for_uplift([replace(NEW, service_type=ServiceType.RESIDENTIAL)], "PRV-1", ServiceType.HOME_CARE, APRIL)
    assert none_at_all.value.field == "service_type"
    with pytest.raises(Conflict) as not_then:
        _plan(home_care("P-17"), cards=(OLD,), on=APRIL)
    assert not_then.value.field == "effective_from" and f"in force on {APRIL}" in not_then.value.rule
