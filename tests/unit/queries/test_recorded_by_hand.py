"""What an officer records by hand: the agreement variation a vary_agreement effect made, and the
outcome an officer's resolution form asks for."""
from datetime import date, datetime, timezone

import pytest

from contracts.queries import OutcomeKind, QueryCategory, QueryEffectCompleted
from pydantic import TypeAdapter, ValidationError

from services.queries.api.outcome_models import OutcomeIn, outcome_out
from services.queries.domain.effects import complete_variation
from services.queries.domain.errors import IllegalTransition, InvalidQuery, NotEntitled, NotKnown
from services.queries.domain.outcomes import CreditNote, EffectStatus, NoChange, ReverifyVisit, VaryAgreement
from services.queries.domain.query import QueryStatus
from tests.unit.queries.query_builders import AGREEMENT, HOUR, OFFICER, PERSON, PROVIDER, dispute, query_in, raised

APRIL = date(2026, 4, 6)


def varied():
    query = raised(AGREEMENT, PERSON, category=QueryCategory.WRONG_CHARGE)
    return query_in(QueryStatus.RESOLVED, query, VaryAgreement(APRIL, "Add a lunchtime visit."))


def test_an_officer_links_the_variation_by_its_version_and_the_effect_completes():
    query = varied()
    step = complete_variation(query, OFFICER, query.resolved_at + HOUR, 3, APRIL)
    assert (step.query.effect.status, step.query.effect.result_ref) == (EffectStatus.COMPLETED, "AGR-1/v3")
    assert step.events == (QueryEffectCompleted(query_id="QRY-TEST", effect_id="EFF-1",
                                                outcome=OutcomeKind.VARY_AGREEMENT, result_ref="AGR-1/v3"),)


def test_a_version_not_yet_published_cannot_be_linked():
    with pytest.raises(NotKnown, match="no version 3 published yet") as caught:
        complete_variation(varied(), OFFICER, varied().resolved_at + HOUR, 3, None)
    assert (caught.value.field, caught.value.code) == ("agreement_version", "agreement_version_not_found")


def test_a_version_from_another_date_than_the_resolution_asked_for_is_refused():
    with pytest.raises(InvalidQuery, match="takes effect from 2026-05-04, but the resolution asked for 2026-04-06"):
        complete_variation(varied(), OFFICER, varied().resolved_at + HOUR, 3, date(2026, 5, 4))


def test_only_a_vary_agreement_effect_is_linked_by_hand():
    credit = query_in(QueryStatus.RESOLVED, dispute(), CreditNote(500))
    with pytest.raises(IllegalTransition, match="its effect is credit_note, reported by its owning service"):
        complete_variation(credit, OFFICER, credit.resolved_at + HOUR, 2, APRIL)
    with pytest.raises(IllegalTransition, match="it has no effect"):
        complete_variation(query_in(QueryStatus.RESOLVED), OFFICER, datetime.now(timezone.utc), 2, APRIL)


def test_the_provider_or_person_cannot_link_a_variation():
    with pytest.raises(NotEntitled):
        complete_variation(varied(), PERSON, varied().resolved_at + HOUR, 2, APRIL)
    with pytest.raises(NotEntitled):
        complete_variation(varied(), PROVIDER, varied().resolved_at + HOUR, 2, APRIL)


FORM = TypeAdapter(OutcomeIn)


def test_each_outcome_form_becomes_its_outcome_and_shows_as_it():
    assert FORM.validate_python({"kind": "no_change"}).to_outcome() == NoChange()
    assert FORM.validate_python({"kind": "credit_note", "amount_pence": 120.0}).amount_pence == 120  # JSON: whole
    credit = FORM.validate_python({"kind": "credit_note", "amount_pence": 120, "invoice_id": "INV-2"}).to_outcome()
    assert credit == CreditNote(120, "INV-2")
    check_in = datetime(2026, 3, 2, 9, 5, tzinfo=timezone.utc)
    visit = FORM.validate_python({"kind": "reverify_visit", "corrected_check_in": check_in,
                                  "corrected_check_out": check_in.replace(minute=50), "carer_id": "C-1"}).to_outcome()
    assert visit == ReverifyVisit(check_in, check_in.replace(minute=50), None, "C-1")
    assert outcome_out(CreditNote(120, "INV-2", "PRV-1")).model_dump() == {
        "kind": OutcomeKind.CREDIT_NOTE, "amount_pence": 120, "invoice_id": "INV-2", "provider_id": "PRV-1"}
    assert outcome_out(VaryAgreement(APRIL, "Add a visit.")).model_dump() == {
        "kind": OutcomeKind.VARY_AGREEMENT, "effective_from": APRIL, "description": "Add a visit.",
        "agreement_id": None}


@pytest.mark.parametrize("form, loc", [
    ({"kind": "credit_note"}, ("credit_note", "amount_pence")),
    ({"kind": "credit_note", "amount_pence": 0}, ("credit_note", "amount_pence")),
    ({"kind": "supplementary_payment"}, ("supplementary_payment", "amount_pence")),
    ({"kind": "reverify_visit", "corrected_check_in": "2026-03-02T09:00:00Z"},
     ("reverify_visit", "corrected_check_out")),
    ({"kind": "reverify_visit", "corrected_check_in": 1772442000, "corrected_check_out": "2026-03-02T10:00:00Z"},
     ("reverify_visit", "corrected_check_in")),  # a number of seconds is not the date-time the document asks for
    ({"kind": "vary_agreement", "effective_from": "2026-04-06"}, ("vary_agreement", "description")),
    ({"kind": "vary_agreement", "effective_from": "2026-04-06", "description": "  "},
     ("vary_agreement", "description")),
    ({"kind": "vary_agreement", "effective_from": "2026-04-06T00:00:00", "description": "x"},
     ("vary_agreement", "effective_from")),
    ({"kind": "credit_note", "amount_pence": "120"}, ("credit_note", "amount_pence")),
    ({"kind": "credit_note", "amount_pence": 120.5}, ("credit_note", "amount_pence")),
    ({"kind": "no_change", "amount_pence": 5}, ("no_change", "amount_pence")),
    ({"kind": "refund"}, ()),
])
def test_an_outcome_missing_what_its_kind_needs_is_refused_naming_the_field(form, loc):
    """Each kind's shape is in the document: what it needs is required there, not found missing later."""
    with pytest.raises(ValidationError) as caught:
        FORM.validate_python(form)
    assert tuple(caught.value.errors()[0]["loc"]) == loc
