"""A query survives being stored: the JSON the store keeps gives back the same query at every step."""
from datetime import date

import pytest

from services.queries.domain.codec import query_from_json, query_to_json
from services.queries.domain.effects import complete_effect, fail_effect, flag_breaches, retry_effect
from contracts.queries import QueryCategory
from services.queries.domain.lifecycle import add_note, assign, raise_query, rate
from services.queries.domain.outcomes import (CreditNote, NoChange, ReverifyVisit, SupplementaryPayment,
                                              VaryAgreement)
from services.queries.domain.query import Assignment, Attachment, QueryStatus
from tests.unit.queries.query_builders import (AGREEMENT, HOUR, INVOICE, MONDAY, OFFICER, PERSON, PROVIDER, SYSTEM,
                                               VISIT, dispute, london, query_in, raised)

S = QueryStatus
OUTCOMES = [NoChange(), CreditNote(2_385), SupplementaryPayment(600),
            ReverifyVisit(london(2026, 3, 2, 9, 5), london(2026, 3, 2, 9, 50), carer_id="C-1"),
            VaryAgreement(date(2026, 4, 6), "Add an evening visit.")]


def round_trip(query):
    return query_from_json(query_to_json(query))


@pytest.mark.parametrize("status", list(S))
def test_a_query_in_any_status_is_stored_and_read_back_unchanged(status):
    query = query_in(status)
    assert round_trip(query) == query


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.kind.value)
def test_every_outcome_is_stored_with_what_its_effect_needs(outcome):
    subject = {"credit_note": INVOICE, "supplementary_payment": INVOICE, "vary_agreement": AGREEMENT}.get(
        outcome.kind.value, VISIT)
    query = query_in(S.RESOLVED, raised(subject, OFFICER), outcome)
    assert round_trip(query) == query


def test_notes_attachments_assignment_breaches_and_failed_effects_are_kept():
    query = raise_query(VISIT, QueryCategory.QUALITY_CONCERN, "Carer was rushed.", PERSON, MONDAY,
                        attachments=[Attachment("doc://1", "image/png"), Attachment("doc://2")]).query
    query = add_note(query, PERSON, MONDAY + HOUR, "It happened again on Tuesday.").query
    query = assign(query, OFFICER, MONDAY + HOUR, Assignment("north-locality", "u-officer-9")).query
    query = flag_breaches(query, MONDAY + 200 * HOUR).query
    assert round_trip(query) == query and query.flagged_breaches
    failed = fail_effect(query_in(S.RESOLVED, dispute(), CreditNote(100)), SYSTEM, MONDAY + 9 * HOUR, "paid").query
    retried = retry_effect(failed, OFFICER, MONDAY + 10 * HOUR).query
    done = complete_effect(retried, SYSTEM, MONDAY + 11 * HOUR, "CN-9").query
    assert round_trip(done) == done and round_trip(failed) == failed


def test_a_rated_query_keeps_its_rating():
    closed = query_in(S.CLOSED, raised(VISIT, PERSON))
    rated = rate(closed, PERSON, closed.closed_at + HOUR, 4).query
    assert round_trip(rated).rating == 4


def test_the_stored_form_is_plain_json():
    import json
    query = query_in(S.RESOLVED, raised(INVOICE, PROVIDER, category=QueryCategory.WRONG_CHARGE), CreditNote(5))
    assert query_from_json(json.loads(json.dumps(query_to_json(query)))) == query
