"""open -> acknowledged -> investigating -> resolved -> closed, or reopened; every step on the record."""
from datetime import datetime

import pytest

from contracts.queries import (PartyRole, QueryAcknowledged, QueryAssigned, QueryCategory, QueryClosed,
                               QueryNoteAdded, QueryRated, QueryReopened, SubjectKind)
from services.queries.domain.errors import IllegalTransition, InvalidQuery, NotEntitled
from services.queries.domain.lifecycle import (acknowledge, add_note, assign, close, raise_query, rate, reopen,
                                               resolve, start_investigation)
from services.queries.domain.outcomes import NoChange
from services.queries.domain.query import Assignment, Attachment, QueryStatus, Subject
from tests.unit.queries.query_builders import (HOUR, INVOICE, MONDAY, OFFICER, OTHER_PERSON, PERSON, PROVIDER,
                                               REPRESENTATIVE, VISIT, query_in, raised)

S = QueryStatus


def test_a_query_goes_from_open_to_closed_and_every_step_is_recorded_with_actor_and_time():
    closed = query_in(S.CLOSED)
    assert [(h.action, h.before, h.after) for h in closed.history] == [
        ("raise", None, S.OPEN), ("acknowledge", S.OPEN, S.ACKNOWLEDGED),
        ("start_investigation", S.ACKNOWLEDGED, S.INVESTIGATING), ("resolve", S.INVESTIGATING, S.RESOLVED),
        ("close", S.RESOLVED, S.CLOSED)]
    assert [h.actor_role for h in closed.history] == [PartyRole.PERSON] + [PartyRole.OFFICER] * 4
    assert [h.at for h in closed.history] == [MONDAY + n * HOUR for n in range(5)]
    assert closed.closed_at == MONDAY + 4 * HOUR


@pytest.mark.parametrize("status, step, allowed", [
    (S.OPEN, lambda q: resolve(q, OFFICER, MONDAY, NoChange(), "x"), "acknowledged"),
    (S.OPEN, lambda q: start_investigation(q, OFFICER, MONDAY), "acknowledged"),
    (S.ACKNOWLEDGED, lambda q: close(q, OFFICER, MONDAY), "investigating"),
    (S.INVESTIGATING, lambda q: acknowledge(q, OFFICER, MONDAY), "resolved or awaiting_approval"),
    (S.RESOLVED, lambda q: start_investigation(q, OFFICER, MONDAY), "closed or reopened"),
    (S.CLOSED, lambda q: resolve(q, OFFICER, MONDAY, NoChange(), "x"), "reopened"),
    (S.REOPENED, lambda q: close(q, OFFICER, MONDAY), "investigating"),
])
def test_an_illegal_step_names_the_current_state_and_the_states_it_may_move_to(status, step, allowed):
    query = query_in(status)
    with pytest.raises(IllegalTransition) as caught:
        step(query)
    assert caught.value.status == status.value
    assert f"is {status.value}, so it cannot be" in str(caught.value)
    assert str(caught.value).endswith(f"it can move to {allowed}")


def test_an_open_query_cannot_be_reopened():
    with pytest.raises(IllegalTransition, match="is open, so it cannot be reopened"):
        reopen(raised(), PERSON, MONDAY, "why")


@pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
def test_a_resolved_or_closed_query_can_be_reopened_and_investigated_again(status):
    query = query_in(status)
    step = reopen(query, PERSON, MONDAY + 10 * HOUR, "The charge is still wrong.")
    assert step.query.status == S.REOPENED
    assert isinstance(step.events[0], QueryReopened) and step.events[0].reopened_by_role == PartyRole.PERSON
    assert (step.query.outcome, step.query.resolved_at, step.query.closed_at) == (None, None, None)
    assert step.query.history[-1].detail == "The charge is still wrong."
    again = start_investigation(step.query, OFFICER, MONDAY + 11 * HOUR).query
    assert resolve(again, OFFICER, MONDAY + 12 * HOUR, NoChange(), "Explained.").query.status == S.RESOLVED


def test_reopening_needs_a_reason():
    with pytest.raises(InvalidQuery, match="reason"):
        reopen(query_in(S.RESOLVED), PERSON, MONDAY + 10 * HOUR, "  ")


def test_resolving_needs_a_summary_of_what_was_decided():
    with pytest.raises(InvalidQuery, match="summary"):
        resolve(query_in(S.INVESTIGATING), OFFICER, MONDAY + 5 * HOUR, NoChange(), "")


def test_acknowledging_reports_working_days_taken_and_whether_it_was_in_time():
    step = acknowledge(raised(), OFFICER, MONDAY + 24 * HOUR)
    assert step.events == (QueryAcknowledged(query_id="QRY-TEST", working_days_taken=1, within_sla=True),)
    assert step.query.acknowledged_at == MONDAY + 24 * HOUR


def test_assigning_to_a_team_or_officer_keeps_the_status_and_is_recorded():
    query = query_in(S.ACKNOWLEDGED)
    step = assign(query, OFFICER, MONDAY + 3 * HOUR, Assignment(team="payments-east", officer_id="u-officer-2"))
    assert step.query.status == S.ACKNOWLEDGED
    assert step.query.assignment == Assignment("payments-east", "u-officer-2")
    assert step.events == (QueryAssigned(query_id="QRY-TEST", team="payments-east", officer_id="u-officer-2"),)
    assert step.query.history[-1].detail == "team payments-east, officer u-officer-2"


def test_an_assignment_names_a_team_or_an_officer():
    with pytest.raises(InvalidQuery, match="assignment"):
        Assignment(team=" ")


def test_a_closed_query_cannot_be_assigned():
    with pytest.raises(IllegalTransition, match="cannot be assigned"):
        assign(query_in(S.CLOSED), OFFICER, MONDAY + 9 * HOUR, Assignment(team="payments-east"))


def test_notes_form_a_conversation_with_author_and_time_and_the_event_carries_no_text():
    query = query_in(S.ACKNOWLEDGED)
    first = add_note(query, OFFICER, MONDAY + 3 * HOUR, "Which carer was due?", note_id="NOTE-1")
    second = add_note(first.query, REPRESENTATIVE, MONDAY + 4 * HOUR, "Jo, at 8am.", note_id="NOTE-2")
    assert [(n.note_id, n.author.role, n.at, n.text) for n in second.query.notes] == [
        ("NOTE-1", PartyRole.OFFICER, MONDAY + 3 * HOUR, "Which carer was due?"),
        ("NOTE-2", PartyRole.REPRESENTATIVE, MONDAY + 4 * HOUR, "Jo, at 8am.")]
    assert second.events == (QueryNoteAdded(query_id="QRY-TEST", note_id="NOTE-2",
                                            author_role=PartyRole.REPRESENTATIVE),)


def test_someone_else_cannot_add_a_note_to_a_query():
    with pytest.raises(NotEntitled):
        add_note(raised(), OTHER_PERSON, MONDAY + HOUR, "hello")


def test_a_query_keeps_its_attachments_by_reference_and_refuses_the_same_one_twice():
    docs = (Attachment("DOC-1", "application/pdf"), Attachment("DOC-2"))
    step = raise_query(VISIT, QueryCategory.MISSED_OR_LATE_VISIT, "No carer came.", PERSON, MONDAY, attachments=docs)
    assert step.query.attachments == docs and step.events[0].attachment_count == 2
    with pytest.raises(InvalidQuery, match="attachments"):
        raise_query(VISIT, QueryCategory.MISSED_OR_LATE_VISIT, "No carer came.", PERSON, MONDAY,
                    attachments=(Attachment("DOC-1"), Attachment("DOC-1")))


def test_a_query_needs_a_description():
    with pytest.raises(InvalidQuery, match="description"):
        raise_query(VISIT, QueryCategory.OTHER, " ", PERSON, MONDAY)


def test_a_category_tied_to_one_kind_of_subject_is_refused_about_another():
    with pytest.raises(InvalidQuery, match="invoice_held_or_rejected is about an invoice"):
        raise_query(VISIT, QueryCategory.INVOICE_HELD_OR_REJECTED, "Held.", PROVIDER, MONDAY)
    assert raise_query(INVOICE, QueryCategory.INVOICE_HELD_OR_REJECTED, "Held.", PROVIDER, MONDAY).query


def test_a_subject_must_say_whose_it_is():
    with pytest.raises(InvalidQuery, match="provider_id"):
        Subject(SubjectKind.INVOICE, "INV-9")
    with pytest.raises(InvalidQuery, match="person_ref"):
        Subject(SubjectKind.DIRECT_PAYMENT, "DP-9", provider_id="PRV-101010101")


def test_a_step_at_a_naive_time_is_refused():
    with pytest.raises(InvalidQuery, match="timezone"):
        acknowledge(raised(), OFFICER, datetime(2026, 3, 2, 10, 0))


def test_the_raiser_rates_a_closed_query_from_one_to_five_once():
    closed = query_in(S.CLOSED)
    step = rate(closed, REPRESENTATIVE, MONDAY + 9 * HOUR, 4)  # the person's representative may rate
    assert step.query.rating == 4 and step.events == (QueryRated(query_id="QRY-TEST", rating=4),)
    with pytest.raises(IllegalTransition, match="already rated 4"):
        rate(step.query, PERSON, MONDAY + 10 * HOUR, 5)


@pytest.mark.parametrize("status", [S.OPEN, S.INVESTIGATING, S.RESOLVED, S.REOPENED])
def test_a_query_cannot_be_rated_until_it_is_closed(status):
    with pytest.raises(IllegalTransition, match="cannot be rated"):
        rate(query_in(status), PERSON, MONDAY + 9 * HOUR, 5)


@pytest.mark.parametrize("rating", [0, 6, 3.5, True, "5"])
def test_a_rating_is_a_whole_number_from_one_to_five(rating):
    with pytest.raises(InvalidQuery, match="rating"):
        rate(query_in(S.CLOSED), PERSON, MONDAY + 9 * HOUR, rating)


def test_only_the_raiser_rates_not_the_officer_who_resolved_it():
    with pytest.raises(NotEntitled, match="whoever raised the query"):
        rate(query_in(S.CLOSED), OFFICER, MONDAY + 9 * HOUR, 5)


def test_reopening_clears_the_rating_so_the_next_resolution_can_be_rated():
    rated = rate(query_in(S.CLOSED), PERSON, MONDAY + 9 * HOUR, 2).query
    reopened = reopen(rated, PERSON, MONDAY + 10 * HOUR, "Not fixed.").query
    assert reopened.rating is None
    assert rated.history[-1].detail == "2"


def test_the_raiser_may_close_a_resolved_query():
    step = close(query_in(S.RESOLVED), PERSON, MONDAY + 9 * HOUR)
    assert step.query.status == S.CLOSED
    assert step.events == (QueryClosed(query_id="QRY-TEST", closed_by_role=PartyRole.PERSON, outcome="no_change"),)
