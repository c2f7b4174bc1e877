"""Open queries by category and SLA state; each breach counted once."""
from __future__ import annotations

from datetime import date, datetime, timezone

from services.reporting.domain import queries as q
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.queries import sla_state

ACK = datetime(2026, 3, 3, 17, tzinfo=timezone.utc)
RESOLVE = datetime(2026, 3, 20, 17, tzinfo=timezone.utc)


def figures(state: q.QueryState) -> dict:
    deltas = Deltas()
    deltas.add(q.contributions(state))
    return {t: dict(deltas.changes(t)) for t in ("open_queries", "query_breaches")}


def test_a_raised_query_is_open_and_due_for_acknowledgement():
    f = figures(q.raised("Q-1", "wrong_charge", ACK, RESOLVE))
    assert f["open_queries"] == {("wrong_charge", "open", "none", date(2026, 3, 3), ""): (1,)}


def test_an_acknowledged_query_is_due_for_resolution_and_a_resolved_one_is_not_open():
    ack = q.acknowledged(q.raised("Q-1", "wrong_charge", ACK, RESOLVE))
    assert figures(ack)["open_queries"] == {("wrong_charge", "acknowledged", "none", date(2026, 3, 20), ""): (1,)}
    assert figures(q.resolved(ack))["open_queries"] == {}


def test_a_breach_of_the_current_deadline_shows_and_is_counted_once():
    state = q.breached(q.breached(q.raised("Q-1", "late_payment", ACK, RESOLVE), "acknowledge", ACK),
                       "acknowledge", ACK)
    f = figures(state)
    assert f["open_queries"] == {("late_payment", "open", "acknowledge", date(2026, 3, 3), ""): (1,)}
    assert f["query_breaches"] == {(date(2026, 3, 1), "late_payment", "acknowledge", ""): (1,)}
    # acknowledged late: the acknowledge breach stays in the history, the query is no longer breaching
    assert figures(q.acknowledged(state))["open_queries"] == {
        ("late_payment", "acknowledged", "none", date(2026, 3, 20), ""): (1,)}


def test_a_reopened_query_has_a_new_resolve_deadline():
    later = datetime(2026, 4, 10, 16, tzinfo=timezone.utc)
    state = q.reopened(q.resolved(q.acknowledged(q.raised("Q-1", "other", ACK, RESOLVE))), later)
    assert figures(state)["open_queries"] == {("other", "investigating", "none", date(2026, 4, 10), ""): (1,)}


def test_sla_state_when_read():
    today = date(2026, 3, 10)
    assert sla_state("resolve", date(2026, 3, 1), today) == "breached"
    assert sla_state("none", date(2026, 3, 9), today) == "overdue"
    assert sla_state("none", today, today) == "due_today"
    assert sla_state("none", date(2026, 3, 11), today) == "on_track"


def test_the_state_survives_its_json_round_trip():
    state = q.breached(q.raised("Q-1", "other", ACK, RESOLVE), "acknowledge", ACK)
    assert q.QueryState.from_json(state.to_json()) == state


def test_a_query_is_counted_under_the_provider_its_subject_belongs_to():
    state = q.breached(q.raised("Q-1", "other", ACK, RESOLVE, provider_id="PRV-000000001"), "acknowledge", ACK)
    f = figures(state)
    assert [k[-1] for k in f["open_queries"]] == ["PRV-000000001"]
    assert [k[-1] for k in f["query_breaches"]] == ["PRV-000000001"]
