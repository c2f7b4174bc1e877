"""Which visits are newly missed (missed.py) and when a week auto-confirms (periods.py)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from contracts import agreements as contracts

from services.delivery.domain.known_agreements import known_agreement
from services.delivery.domain.missed import due_missed
from services.delivery.domain.periods import ConfirmPolicy, checked_week, week_end
from shared.errors import RuleBroken

from .builders import MONDAY, agreement_event, book_with, utc

EVERY_DAY_AT_NINE = [(d, "09:00", 30, 1) for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                                    "saturday", "sunday")]
THURSDAY_NOON = utc(2024, 3, 7, 12)


def keys(visits) -> list[str]:
    return sorted(v.key[-16:] for v in visits)


def test_a_first_check_looks_back_over_the_horizon_but_not_before_the_agreement_was_known():
    book = book_with(agreement_event(*EVERY_DAY_AT_NINE), known_since=utc(2024, 3, 5, 12))
    # Tuesday 09:00 was planned before the agreement was known (Tuesday 12:00): only Wednesday and Thursday.
    assert keys(due_missed(book, since=None, now=THURSDAY_NOON + timedelta(days=1))) == [
        "2024-03-06/09:00", "2024-03-07/09:00"]


def test_a_visit_is_due_only_once_its_cut_off_has_passed():
    book = book_with(agreement_event(*EVERY_DAY_AT_NINE))
    assert "2024-03-07/09:00" not in keys(due_missed(book, since=None, now=THURSDAY_NOON))  # cut-off: midnight
    assert "2024-03-07/09:00" in keys(due_missed(book, since=None, now=utc(2024, 3, 8, 0)))


def test_later_checks_look_only_at_cut_offs_since_the_last_one():
    event = agreement_event(*EVERY_DAY_AT_NINE)
    book = book_with(event)
    assert keys(due_missed(book, since=utc(2024, 3, 6, 12), now=utc(2024, 3, 8, 0, 1))) == [
        "2024-03-06/09:00", "2024-03-07/09:00"]


def test_visits_planned_before_delivery_knew_the_agreement_are_not_raised():
    book = book_with()
    event = agreement_event(*EVERY_DAY_AT_NINE)
    # Activated in January, but delivery first stored it on Wednesday at 12:00 (e.g. a fresh deployment).
    book.put_agreement(known_agreement(event, utc(2024, 1, 1, 0), first_seen_at=utc(2024, 3, 6, 12)))
    assert keys(due_missed(book, since=None, now=utc(2024, 3, 8, 0, 1))) == ["2024-03-07/09:00"]


def test_visits_of_an_agreement_stored_during_the_last_check_are_not_skipped():
    book = book_with()
    at_nine_cut_off_nine_forty = [contracts.AgreementTerms(
        version=1, effective_from=MONDAY, rates=[contracts.Rate(unit="hour", amount_pence=2400)],
        schedule=[contracts.ScheduledVisit(weekday="thursday", start_time=time(9), duration_minutes=30)],
        visit_rules=contracts.VisitRules(missed_cut_off=time(9, 40)))]
    # Stored at 09:45 but committed after the 09:50 check read the book: its 09:40 cut-off is before
    # that check, yet it must still be raised at the next one.
    book.put_agreement(known_agreement(agreement_event(versions=at_nine_cut_off_nine_forty), utc(2024, 1, 1, 0),
                                       first_seen_at=utc(2024, 3, 7, 9, 45)))
    found = due_missed(book, since=utc(2024, 3, 7, 9, 50), now=utc(2024, 3, 7, 10, 20))
    assert keys(found) == ["2024-03-07/09:00"]


def test_a_suspended_or_plan_basis_agreement_misses_nothing():
    on_plan = book_with(agreement_event(*EVERY_DAY_AT_NINE, basis="plan"))
    assert due_missed(on_plan, since=None, now=THURSDAY_NOON) == []
    in_hospital = book_with(agreement_event(*EVERY_DAY_AT_NINE, suspensions=[
        contracts.SuspensionPeriod(suspended_from=MONDAY + timedelta(days=1), reason="hospital")]))
    assert keys(due_missed(in_hospital, since=None, now=THURSDAY_NOON)) == ["2024-03-04/09:00"]


POLICY = ConfirmPolicy()


def test_a_week_auto_confirms_the_tuesday_at_noon_after_it_ends_in_london_time():
    assert POLICY.cutoff(MONDAY) == utc(2024, 3, 12, 12)  # GMT
    assert POLICY.cutoff(date(2024, 6, 3)) == utc(2024, 6, 11, 11)  # BST: 12:00 London is 11:00 UTC
    assert POLICY.latest_due_week(utc(2024, 3, 12, 11, 59)) == MONDAY - timedelta(days=7)
    assert POLICY.latest_due_week(utc(2024, 3, 12, 12)) == MONDAY


def test_the_cut_off_is_configurable():
    friday_five = ConfirmPolicy(days_after_week=4, at=time(17))
    assert friday_five.cutoff(MONDAY) == utc(2024, 3, 15, 17)


def test_a_week_is_over_at_the_next_monday_midnight_and_starts_on_a_monday():
    assert week_end(MONDAY) == datetime(2024, 3, 11, tzinfo=timezone.utc)
    assert checked_week(MONDAY) == MONDAY
    with pytest.raises(RuleBroken) as refused:
        checked_week(MONDAY + timedelta(days=2))
    assert refused.value.field == "week_start" and "2024-03-04" in refused.value.rule
