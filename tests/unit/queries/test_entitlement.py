"""A provider queries only its own subjects, a person only their own; officers anything."""
import pytest

from contracts.queries import QueryCategory, SubjectKind
from services.queries.domain.entitlement import Action, may_raise, may_take, may_view
from services.queries.domain.errors import InvalidQuery, NotEntitled
from services.queries.domain.lifecycle import acknowledge, raise_query, resolve
from services.queries.domain.outcomes import NoChange
from services.queries.domain.query import Party, QueryStatus, Subject
from tests.unit.queries.query_builders import (DIRECT_PAYMENT, INVOICE, MONDAY, OFFICER, OTHER_OFFICER,
                                               OTHER_PERSON, OTHER_PROVIDER, PERSON, PROVIDER, REPRESENTATIVE,
                                               SYSTEM, VISIT, query_in, raised)

OTHER_PROVIDERS_INVOICE = Subject(SubjectKind.INVOICE, "INV-2", provider_id="1-202020202")
SOMEONE_ELSES_VISIT = Subject(SubjectKind.VISIT, "VIS-2", provider_id="PRV-101010101", person_ref="P-0002")


def test_a_provider_may_raise_a_query_about_its_own_invoice():
    assert may_raise(PROVIDER, INVOICE)


def test_a_provider_may_not_raise_a_query_about_another_providers_invoice():
    decision = may_raise(PROVIDER, OTHER_PROVIDERS_INVOICE)
    assert not decision
    assert decision.reason == ("provider PRV-101010101 may only raise queries about its own subjects;"
                               " invoice INV-2 belongs to another provider")


def test_a_provider_may_not_raise_a_query_about_a_direct_payment_it_has_no_part_in():
    assert "has no provider" in may_raise(PROVIDER, DIRECT_PAYMENT).reason


def test_a_person_may_raise_a_query_about_their_own_visit_and_direct_payment():
    assert may_raise(PERSON, VISIT) and may_raise(PERSON, DIRECT_PAYMENT)


def test_a_person_may_not_raise_a_query_about_someone_elses_visit():
    assert "is not theirs" in may_raise(PERSON, SOMEONE_ELSES_VISIT).reason
    assert not may_raise(OTHER_PERSON, VISIT)


def test_a_person_may_not_raise_a_query_about_a_providers_invoice():
    assert not may_raise(PERSON, INVOICE)


def test_a_representative_acts_with_the_persons_entitlement():
    assert may_raise(REPRESENTATIVE, VISIT)
    assert not may_raise(REPRESENTATIVE, SOMEONE_ELSES_VISIT)


def test_an_officer_may_raise_a_query_about_anything():
    for subject in (VISIT, INVOICE, OTHER_PROVIDERS_INVOICE, DIRECT_PAYMENT, SOMEONE_ELSES_VISIT):
        assert may_raise(OFFICER, subject)


def test_the_platform_does_not_raise_queries():
    assert "raised by people" in may_raise(SYSTEM, VISIT).reason


def test_raising_without_entitlement_is_refused_with_the_reason():
    with pytest.raises(NotEntitled, match="belongs to another provider"):
        raise_query(OTHER_PROVIDERS_INVOICE, QueryCategory.WRONG_CHARGE, "Wrong.", PROVIDER, MONDAY)


def test_only_a_provider_or_an_officer_may_dispute_an_invoice():
    person_invoice = Subject(SubjectKind.INVOICE, "INV-5", provider_id="PRV-101010101", person_ref="P-0001")
    assert may_raise(PERSON, person_invoice)
    refusal = may_raise(PERSON, person_invoice, disputes_invoice=True)
    assert "only the provider or a council officer can dispute an invoice" in refusal.reason
    assert may_raise(PROVIDER, INVOICE, disputes_invoice=True) and may_raise(OFFICER, INVOICE, disputes_invoice=True)


def test_a_provider_or_person_party_must_say_who_they_are():
    with pytest.raises(InvalidQuery, match="provider_id"):
        Party.provider("u-1", "")
    with pytest.raises(InvalidQuery, match="person_ref"):
        Party.representative("u-1", "")


def test_a_provider_sees_the_queries_it_raised_and_not_others_about_its_visits():
    own = raised(INVOICE, PROVIDER, category=QueryCategory.LATE_PAYMENT)
    persons = raised(VISIT, PERSON, category=QueryCategory.QUALITY_CONCERN)
    assert may_view(PROVIDER, own) and may_view(Party.provider("u-colleague", "PRV-101010101"), own)
    assert not may_view(OTHER_PROVIDER, own)
    assert "raised by someone else" in may_view(PROVIDER, persons).reason


def test_a_person_sees_queries_raised_by_them_or_their_representative():
    by_representative = raised(VISIT, REPRESENTATIVE)
    assert may_view(PERSON, by_representative) and may_view(REPRESENTATIVE, raised(VISIT, PERSON))
    assert not may_view(OTHER_PERSON, by_representative)


def test_every_officer_sees_every_query():
    assert may_view(OTHER_OFFICER, raised(VISIT, PERSON)) and may_view(OFFICER, raised(INVOICE, PROVIDER))


@pytest.mark.parametrize("action", [Action.ACKNOWLEDGE, Action.ASSIGN, Action.START_INVESTIGATION, Action.RESOLVE,
                                    Action.DISPUTE_INVOICE, Action.RETRY_EFFECT])
def test_only_officers_run_a_query(action):
    query = raised(INVOICE, PROVIDER, category=QueryCategory.WRONG_CHARGE)
    assert may_take(OFFICER, action, query)
    assert not may_take(PROVIDER, action, query) and not may_take(PERSON, action, query)


@pytest.mark.parametrize("action", [Action.ADD_NOTE, Action.CLOSE, Action.REOPEN])
def test_the_raisers_side_and_officers_may_talk_close_and_reopen(action):
    query = raised(VISIT, PERSON)
    assert may_take(REPRESENTATIVE, action, query) and may_take(OFFICER, action, query)
    assert not may_take(PROVIDER, action, query) and not may_take(OTHER_PERSON, action, query)


def test_an_officer_who_raised_a_query_may_rate_it_but_another_officer_may_not():
    query = raised(INVOICE, OFFICER, category=QueryCategory.WRONG_CHARGE)
    assert may_take(OFFICER, Action.RATE, query) and not may_take(OTHER_OFFICER, Action.RATE, query)


def test_only_the_platform_flags_breaches():
    assert may_take(SYSTEM, Action.FLAG_BREACHES, raised()) and not may_take(OFFICER, Action.FLAG_BREACHES, raised())


def test_a_person_cannot_acknowledge_or_resolve_their_own_query():
    with pytest.raises(NotEntitled, match="only an officer may acknowledge"):
        acknowledge(raised(), PERSON, MONDAY)
    with pytest.raises(NotEntitled):
        resolve(query_in(QueryStatus.INVESTIGATING), PERSON, MONDAY, NoChange(), "Sorted.")
