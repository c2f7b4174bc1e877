"""Acknowledge within 2 working days, resolve within 20, in England's working days, to the instant."""
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.queries import QueryCategory, QueryRaised, SlaKind
from services.queries.domain.effects import flag_breaches
from services.queries.domain.errors import InvalidQuery
from services.queries.domain.lifecycle import acknowledge, raise_query, reopen, resolve
from services.queries.domain.outcomes import CreditNote, NoChange
from services.queries.domain.query import QueryStatus
from services.queries.domain.sla import (SlaPolicies, SlaPolicy, acknowledge_due_at, breaches, deadline, due_on,
                                         resolve_due_at)
from tests.unit.queries.query_builders import HOUR, OFFICER, PERSON, VISIT, dispute, london, query_in, raised

MICROSECOND = timedelta(microseconds=1)
EASTER_THURSDAY = london(2026, 4, 2, 16, 0)  # Good Friday 3 April and Easter Monday 6 April follow


def test_raised_the_thursday_before_easter_is_acknowledged_by_the_end_of_wednesday_after():
    assert due_on(EASTER_THURSDAY, 2) == date(2026, 4, 8)
    # The end of Wednesday 8 April in London (BST) is 23:00 UTC.
    assert acknowledge_due_at(raised(at=EASTER_THURSDAY)) == datetime(2026, 4, 8, 23, 0, tzinfo=timezone.utc)


def test_resolving_from_the_thursday_before_easter_skips_easter_and_the_early_may_bank_holiday():
    # 20 working days: 7-10 Apr, 13-17, 20-24, 27-30, Fri 1 May, (Mon 4 May is a bank holiday), Tue 5 May.
    assert due_on(EASTER_THURSDAY, 20) == date(2026, 5, 5)
    assert resolve_due_at(raised(at=EASTER_THURSDAY)) == datetime(2026, 5, 5, 23, 0, tzinfo=timezone.utc)


def test_raised_just_before_christmas_2026_is_acknowledged_by_the_tuesday_after_the_substitute_holiday():
    # Christmas is a Friday; Boxing Day (Saturday) is substituted by Monday 28 December.
    raised_at = london(2026, 12, 23, 11, 0)
    assert due_on(raised_at, 2) == date(2026, 12, 29)  # Thu 24 Dec, then Tue 29 Dec
    # In winter London is on GMT, so the end of the day is midnight UTC.
    assert acknowledge_due_at(raised(at=raised_at)) == datetime(2026, 12, 30, 0, 0, tzinfo=timezone.utc)


def test_resolving_across_christmas_and_new_year_2026_skips_all_three_bank_holidays():
    # From Wed 23 Dec: 24, 29, 30, 31 Dec (4), (Fri 1 Jan 2027 is New Year's Day), 4-8 Jan (9),
    # 11-15 (14), 18-22 (19), Mon 25 Jan (20).
    assert due_on(london(2026, 12, 23, 11, 0), 20) == date(2027, 1, 25)


def test_the_day_a_query_is_raised_never_counts_however_early():
    assert due_on(london(2026, 3, 2, 0, 1), 2) == date(2026, 3, 4)
    assert due_on(london(2026, 3, 2, 23, 59), 2) == date(2026, 3, 4)


def test_a_query_raised_at_the_weekend_starts_counting_on_monday():
    assert due_on(london(2026, 3, 7, 10, 0), 2) == date(2026, 3, 10)  # Saturday -> Mon 9 (1), Tue 10 (2)


def test_the_raising_day_is_the_london_date_not_the_utc_date():
    # 23:30 UTC on Wednesday 1 April is 00:30 BST on Thursday 2 April.
    late_wednesday_utc = datetime(2026, 4, 1, 23, 30, tzinfo=timezone.utc)
    assert due_on(late_wednesday_utc, 2) == date(2026, 4, 8)


def test_a_category_with_its_own_policy_gets_its_own_deadlines():
    policies = SlaPolicies(by_category={QueryCategory.QUALITY_CONCERN: SlaPolicy(acknowledge_within=1,
                                                                                resolve_within=5)})
    concern = raised(category=QueryCategory.QUALITY_CONCERN, at=EASTER_THURSDAY, policies=policies)
    charge = raised(category=QueryCategory.WRONG_CHARGE, at=EASTER_THURSDAY, policies=policies)
    assert acknowledge_due_at(concern) == deadline(EASTER_THURSDAY, 1)  # end of Tuesday 7 April
    assert resolve_due_at(concern) == deadline(EASTER_THURSDAY, 5)
    assert acknowledge_due_at(charge) == deadline(EASTER_THURSDAY, 2)
    assert resolve_due_at(charge) == deadline(EASTER_THURSDAY, 20)


def test_changing_the_policy_later_does_not_move_a_running_deadline():
    query = raised(at=EASTER_THURSDAY)
    stricter = SlaPolicies(default=SlaPolicy(acknowledge_within=1, resolve_within=2))
    assert stricter.for_category(query.category).acknowledge_within == 1
    assert acknowledge_due_at(query) == deadline(EASTER_THURSDAY, 2)


def test_the_raised_event_carries_both_deadlines():
    step = raise_query(VISIT, QueryCategory.MISSED_OR_LATE_VISIT, "No carer came.", PERSON, EASTER_THURSDAY)
    event = step.events[0]
    assert isinstance(event, QueryRaised)
    assert event.acknowledge_due_at == deadline(EASTER_THURSDAY, 2)
    assert event.resolve_due_at == deadline(EASTER_THURSDAY, 20)


def test_one_microsecond_before_the_deadline_is_not_a_breach_and_the_deadline_itself_is():
    query = raised(at=EASTER_THURSDAY)
    due = acknowledge_due_at(query)
    assert breaches(query, due - MICROSECOND) == []
    [breach] = breaches(query, due)
    assert (breach.sla, breach.since) == (SlaKind.ACKNOWLEDGE, due)


def test_acknowledging_at_the_deadline_is_late_and_stays_a_breach():
    query = raised(at=EASTER_THURSDAY)
    due = acknowledge_due_at(query)
    on_time = acknowledge(query, OFFICER, due - MICROSECOND)
    late = acknowledge(query, OFFICER, due)
    assert on_time.events[0].within_sla and breaches(on_time.query, due + timedelta(days=3)) == []
    assert not late.events[0].within_sla
    assert [b.sla for b in breaches(late.query, due + timedelta(days=3))] == [SlaKind.ACKNOWLEDGE]


def test_an_unresolved_query_breaches_resolve_at_the_end_of_its_twentieth_working_day():
    query = query_in(QueryStatus.INVESTIGATING, raised(at=EASTER_THURSDAY))
    due = resolve_due_at(query)
    assert breaches(query, due - MICROSECOND) == []
    assert [(b.sla, b.since) for b in breaches(query, due)] == [(SlaKind.RESOLVE, due)]


def test_resolving_in_time_stops_the_resolve_clock():
    query = query_in(QueryStatus.RESOLVED, raised(at=EASTER_THURSDAY))
    assert breaches(query, london(2026, 12, 1)) == []


def test_reopening_starts_a_fresh_resolve_clock_from_the_reopening():
    resolved = query_in(QueryStatus.RESOLVED, raised(at=EASTER_THURSDAY))
    reopened_at = london(2026, 6, 1, 10, 0)  # long after the first resolve deadline
    step = reopen(resolved, PERSON, reopened_at, "The visit is still shown as attended.")
    assert resolve_due_at(step.query) == deadline(reopened_at, 20)
    assert step.events[0].resolve_due_at == deadline(reopened_at, 20)
    assert breaches(step.query, reopened_at + HOUR) == []


def test_the_clock_does_not_pause_while_an_effect_is_pending_but_stops_at_resolution():
    resolved = query_in(QueryStatus.RESOLVED, dispute(at=EASTER_THURSDAY), CreditNote(1_500))
    assert resolved.effect.pending
    assert breaches(resolved, london(2026, 9, 1)) == []


def test_each_breach_is_flagged_once_as_it_happens():
    query = raised(at=EASTER_THURSDAY)
    due = acknowledge_due_at(query)
    assert flag_breaches(query, due - MICROSECOND).events == ()
    first = flag_breaches(query, due)
    [event] = first.events
    assert (event.sla, event.due_at, event.category) == (SlaKind.ACKNOWLEDGE, due, query.category)
    assert flag_breaches(first.query, due + timedelta(days=1)).events == ()


def test_a_resolution_after_the_deadline_is_still_flagged_when_the_job_runs_late():
    query = query_in(QueryStatus.INVESTIGATING, raised(at=EASTER_THURSDAY))
    due = resolve_due_at(query)
    late = resolve(query, OFFICER, due + HOUR, NoChange(), "Found the rota.").query
    assert [e.sla for e in flag_breaches(late, due + 2 * HOUR).events] == [SlaKind.RESOLVE]


@pytest.mark.parametrize("ack, resolve_within", [(0, 20), (2, 0), (5, 3)])
def test_an_sla_is_at_least_one_working_day_and_acknowledging_comes_before_resolving(ack, resolve_within):
    with pytest.raises(InvalidQuery):
        SlaPolicy(acknowledge_within=ack, resolve_within=resolve_within)


def test_a_naive_now_is_refused_rather_than_guessed():
    with pytest.raises(InvalidQuery, match="timezone"):
        breaches(raised(), datetime(2026, 3, 5, 9, 0))
