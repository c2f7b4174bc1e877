"""Lifecycle and overlap rules of an agreement (care package line)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts.agreements import EndReason, Rate, SuspensionReason, VisitRules
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from services.agreements.domain.agreements import Agreement, AgreementStatus
from services.agreements.domain.errors import Conflict, Rejected
from tests.unit.agreements.builders import MONDAY, daily_visit, home_care, hourly


def rejected_field(fn) -> str:
    """The field a refusal of the request itself names (HTTP 422)."""
    with pytest.raises(Rejected) as caught:
        fn()
    return caught.value.field


def conflict(fn) -> tuple[str | None, str]:
    """The field and code of a refusal by the agreement's state (HTTP 409)."""
    with pytest.raises(Conflict) as caught:
        fn()
    return caught.value.field, caught.value.code


def test_two_overlapping_agreements_for_one_person_and_service_are_rejected():
    first = home_care("P-9", agreement_id="AGR-A")
    second = home_care("P-9", agreement_id="AGR-B", start=MONDAY + timedelta(days=30))
    draft = Agreement("AGR-B", "P-9", ServiceType.HOME_CARE, AgreementStatus.DRAFT, start=second.start,
                      provider_id="PRV-1", payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, terms=second.terms)
    with pytest.raises(Conflict, match="overlaps agreement AGR-A") as caught:
        draft.activate([first])
    assert caught.value.code == "agreement_overlaps"


def test_an_overlap_marked_concurrent_is_allowed():
    first = home_care("P-9", agreement_id="AGR-A")
    draft = Agreement("AGR-B", "P-9", ServiceType.HOME_CARE, start=MONDAY, provider_id="PRV-1",
                      payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, concurrent=True, terms=first.terms)
    assert draft.activate([first]).status is AgreementStatus.ACTIVE


def test_agreements_that_do_not_share_a_day_or_a_service_or_a_person_do_not_overlap():
    first = home_care("P-9", agreement_id="AGR-A", end=MONDAY + timedelta(days=6))
    after = Agreement("AGR-B", "P-9", ServiceType.HOME_CARE, start=MONDAY + timedelta(days=7), provider_id="PRV-1",
                      payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, terms=first.terms)
    other_person = Agreement("AGR-C", "P-8", ServiceType.HOME_CARE, start=MONDAY, provider_id="PRV-1",
                             payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, terms=first.terms)
    other_service = Agreement("AGR-D", "P-9", ServiceType.DAY_CARE, start=MONDAY, provider_id="PRV-1",
                              payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, terms=first.terms)
    for draft in (after, other_person, other_service):
        assert draft.activate([first]).status is AgreementStatus.ACTIVE


def test_a_draft_or_cancelled_agreement_never_blocks_another():
    draft_a = Agreement("AGR-A", "P-9", ServiceType.HOME_CARE, start=MONDAY)
    first = home_care("P-9", agreement_id="AGR-B")
    assert first.status is AgreementStatus.ACTIVE
    draft_b = Agreement("AGR-C", "P-9", ServiceType.HOME_CARE, start=MONDAY, provider_id="PRV-1",
                        payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, terms=first.terms)
    assert draft_b.activate([draft_a]).status is AgreementStatus.ACTIVE


def test_an_incomplete_draft_cannot_be_activated():
    draft = Agreement("AGR-A", "P-9", ServiceType.HOME_CARE, start=MONDAY, payment_basis=PaymentBasis.ACTUALS,
                      cycle=Cycle.WEEKLY)
    with pytest.raises(Conflict, match=r"incomplete \(provider_id is not set\)") as caught:
        draft.activate([])
    assert caught.value.code == "agreement_incomplete"


def test_end_before_start_is_rejected():
    assert rejected_field(lambda: home_care(end=MONDAY - timedelta(days=1))) == "end"  # both in the request
    assert conflict(lambda: home_care().end_on(MONDAY - timedelta(days=1), EndReason.OTHER)) == ("end",
                                                                                                  "outside_agreement")


def test_an_actuals_agreement_needs_planned_visits_and_a_price_for_each():
    draft = Agreement("AGR-A", "P-9", ServiceType.HOME_CARE)

    def complete(rates, schedule):
        return draft.complete(provider_id="PRV-1", payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY,
                              start=MONDAY, end=None, concurrent=False, rates=rates, schedule=schedule,
                              weekly_units=None, visit_rules=VisitRules(), rate_card_id=None)

    assert rejected_field(lambda: complete([hourly(2400)], [])) == "schedule"
    weekday_only = [hourly(2400, day_category="weekday")]
    assert rejected_field(lambda: complete(weekday_only, daily_visit()))== "schedule.0"
    mixed = [hourly(2400), Rate(unit=RateUnit.VISIT, amount_pence=900, day_category="weekend")]
    assert rejected_field(lambda: complete(mixed, daily_visit())) == "rates"


def test_a_death_reported_late_may_bring_the_end_forward_but_never_extend_it():
    ended = home_care().end_on(date(2026, 6, 30), EndReason.OTHER)
    earlier = ended.end_on(date(2026, 5, 10), EndReason.DEATH)
    assert (earlier.end, earlier.end_reason) == (date(2026, 5, 10), EndReason.DEATH)
    assert conflict(lambda: earlier.end_on(date(2026, 6, 1), EndReason.DEATH)) == ("end", "outside_agreement")


def test_only_an_active_agreement_can_be_suspended_and_only_a_suspended_one_resumed():
    active = home_care()
    assert conflict(lambda: active.resume(MONDAY)) == (None, "agreement_status")
    suspended = active.suspend(MONDAY + timedelta(days=3), SuspensionReason.HOSPITAL)
    assert conflict(lambda: suspended.suspend(MONDAY + timedelta(days=4), SuspensionReason.HOSPITAL)) == (
        None, "agreement_status")
    assert conflict(lambda: suspended.resume(MONDAY + timedelta(days=3))) == ("resumed_on", "outside_agreement")
    assert suspended.resume(MONDAY + timedelta(days=4)).status is AgreementStatus.ACTIVE


def test_a_variation_outside_the_agreement_dates_is_rejected():
    agreement = home_care(end=MONDAY + timedelta(days=20))
    assert conflict(lambda: agreement.vary(MONDAY - timedelta(days=1), rates=[hourly(1)])) == (
        "effective_from", "outside_agreement")
    assert conflict(lambda: agreement.vary(MONDAY + timedelta(days=21), rates=[hourly(1)])) == (
        "effective_from", "outside_agreement")
