"""Outcomes carry their effect; a query closes only once its effect is done; disputes hold invoices."""
from datetime import date, datetime, timezone

import pytest

from contracts.queries import (AgreementVariationRequested, CreditNoteRequested, DisputeClosed, DisputeOpened,
                               OutcomeKind, QueryCategory, QueryEffectCompleted, QueryEffectFailed, QueryRaised,
                               QueryResolved, SupplementaryPaymentRequested, VisitReverificationRequested)
from services.queries.domain.effects import complete_effect, fail_effect, retry_effect
from services.queries.domain.errors import IllegalTransition, InvalidQuery, NotEntitled
from services.queries.domain.lifecycle import close, dispute_invoice, raise_query, reopen, resolve
from services.queries.domain.outcomes import (CreditNote, EffectStatus, NoChange, ReverifyVisit,
                                              SupplementaryPayment, VaryAgreement)
from services.queries.domain.query import QueryStatus
from tests.unit.queries.query_builders import (AGREEMENT, DIRECT_PAYMENT, FINANCE, HOUR, INVOICE, MONDAY, OFFICER,
                                               PERSON, PROVIDER, SYSTEM, dispute, london, query_in, raised)

S = QueryStatus
LATER = MONDAY + 10 * HOUR


def resolved_with(outcome, query=None):
    return query_in(S.RESOLVED, query or dispute(), outcome)


def test_a_credit_note_outcome_closes_the_dispute_then_asks_invoicing_for_a_credit_note_against_the_invoice():
    # In this order: invoicing credits only an invoice no longer held by the dispute.
    step = resolve(query_in(S.INVESTIGATING, dispute()), FINANCE, LATER, CreditNote(2_385), "Overcharged.", "EFF-9")
    resolved, closed, credit = step.events
    assert resolved == QueryResolved(query_id="QRY-TEST", outcome=OutcomeKind.CREDIT_NOTE, amount_pence=2_385,
                                     effect_id="EFF-9", working_days_taken=0, within_sla=True)
    assert credit == CreditNoteRequested(query_id="QRY-TEST", effect_id="EFF-9", invoice_id="INV-1",
                                         provider_id="PRV-101010101", amount_pence=2_385)
    assert closed == DisputeClosed(query_id="QRY-TEST", invoice_id="INV-1", provider_id="PRV-101010101")
    assert step.query.effect.status == EffectStatus.PENDING


def test_a_query_cannot_be_closed_while_its_effect_is_pending():
    query = resolved_with(CreditNote(2_385))
    with pytest.raises(IllegalTransition, match="credit_note effect EFF-1 is still pending") as caught:
        close(query, OFFICER, LATER)
    assert caught.value.allowed == ("closed", "reopened")


def test_a_completed_effect_links_what_it_produced_and_lets_the_query_close():
    done = complete_effect(resolved_with(CreditNote(2_385)), SYSTEM, LATER, "CN-77", effect_id="EFF-1")
    assert (done.query.effect.status, done.query.effect.result_ref) == (EffectStatus.COMPLETED, "CN-77")
    assert done.events == (QueryEffectCompleted(query_id="QRY-TEST", effect_id="EFF-1",
                                                outcome=OutcomeKind.CREDIT_NOTE, result_ref="CN-77"),)
    assert close(done.query, OFFICER, LATER + HOUR).query.status == S.CLOSED


def test_a_failed_effect_is_recorded_with_its_reason_and_blocks_closing():
    failed = fail_effect(resolved_with(CreditNote(2_385)), SYSTEM, LATER, "invoice INV-1 is already paid in full")
    assert failed.query.effect.status == EffectStatus.FAILED
    assert failed.query.effect.failure_reason == "invoice INV-1 is already paid in full"
    assert failed.query.history[-1].detail == "invoice INV-1 is already paid in full"
    assert failed.events == (QueryEffectFailed(query_id="QRY-TEST", effect_id="EFF-1",
                                               outcome=OutcomeKind.CREDIT_NOTE),)
    with pytest.raises(IllegalTransition, match="failed \\(invoice INV-1 is already paid in full\\)"):
        close(failed.query, OFFICER, LATER + HOUR)


def test_a_failed_effect_can_be_retried_as_a_new_request():
    failed = fail_effect(resolved_with(CreditNote(2_385)), SYSTEM, LATER, "invoicing was closing the period").query
    retried = retry_effect(failed, OFFICER, LATER + HOUR, effect_id="EFF-2")
    assert retried.events == (CreditNoteRequested(query_id="QRY-TEST", effect_id="EFF-2", invoice_id="INV-1",
                                                  provider_id="PRV-101010101", amount_pence=2_385),)
    assert retried.query.effect.pending and [e.effect_id for e in retried.query.earlier_effects] == ["EFF-1"]
    with pytest.raises(IllegalTransition, match="its effect is pending"):
        retry_effect(retried.query, OFFICER, LATER + 2 * HOUR)


def test_a_query_with_a_failed_effect_can_be_reopened_and_resolved_another_way():
    failed = fail_effect(resolved_with(CreditNote(2_385)), SYSTEM, LATER, "already paid").query
    reopened = reopen(failed, OFFICER, LATER + HOUR, "Pay the difference instead.").query
    assert reopened.effect is None and reopened.earlier_effects[-1].status == EffectStatus.FAILED


def test_a_query_cannot_be_reopened_while_its_effect_is_pending():
    with pytest.raises(IllegalTransition, match="still pending; wait"):
        reopen(resolved_with(CreditNote(2_385)), PROVIDER, LATER, "Wrong amount.")


def test_a_repeated_result_or_a_result_for_an_earlier_effect_changes_nothing():
    done = complete_effect(resolved_with(CreditNote(2_385)), SYSTEM, LATER, "CN-77", effect_id="EFF-1").query
    assert complete_effect(done, SYSTEM, LATER + HOUR, "CN-77", effect_id="EFF-1").events == ()
    assert fail_effect(done, SYSTEM, LATER + HOUR, "late failure", effect_id="EFF-1").query == done
    failed = fail_effect(resolved_with(CreditNote(100)), SYSTEM, LATER, "no").query
    retried = retry_effect(failed, OFFICER, LATER + HOUR, effect_id="EFF-2").query
    assert complete_effect(retried, SYSTEM, LATER + 2 * HOUR, "CN-1", effect_id="EFF-1").query == retried


def test_a_result_naming_an_unknown_effect_is_refused():
    with pytest.raises(IllegalTransition, match="its effect is EFF-1"):
        complete_effect(resolved_with(CreditNote(100)), SYSTEM, LATER, "CN-1", effect_id="EFF-404")


def test_a_no_change_outcome_has_no_effect_and_closes_at_once():
    query = resolved_with(NoChange(), raised())
    assert query.effect is None
    assert close(query, OFFICER, LATER).query.status == S.CLOSED
    with pytest.raises(IllegalTransition, match="no effect awaiting a result"):
        complete_effect(query, SYSTEM, LATER, "CN-1")


def test_a_provider_cannot_report_an_effect_done():
    with pytest.raises(NotEntitled, match="officer or the platform"):
        complete_effect(resolved_with(CreditNote(100)), PROVIDER, LATER, "CN-1")


def test_a_supplementary_payment_goes_to_the_provider_and_names_the_invoice_it_supplements():
    step = resolve(query_in(S.INVESTIGATING, dispute()), FINANCE, LATER, SupplementaryPayment(4_770), "Underpaid.")
    request = step.events[-1]
    assert isinstance(request, SupplementaryPaymentRequested)
    assert (request.provider_id, request.amount_pence, request.relates_to_invoice_id) == ("PRV-101010101", 4_770, "INV-1")


def test_a_supplementary_payment_on_a_direct_payment_is_refused_in_favour_of_a_variation():
    query = query_in(S.INVESTIGATING, raised(DIRECT_PAYMENT, PERSON, category=QueryCategory.DIRECT_PAYMENT_BALANCE))
    with pytest.raises(InvalidQuery, match="vary_agreement"):
        resolve(query, FINANCE, LATER, SupplementaryPayment(1_000), "Top up.")


def test_re_verifying_a_visit_sends_the_corrected_times_in_utc():
    check_in, check_out = london(2026, 7, 6, 8, 0), london(2026, 7, 6, 8, 45)  # BST
    step = resolve(query_in(S.INVESTIGATING), OFFICER, LATER, ReverifyVisit(check_in, check_out, carer_id="C-7"),
                   "Carer's phone logged the wrong times.")
    request = step.events[1]
    assert isinstance(request, VisitReverificationRequested)
    assert (request.visit_id, request.carer_id) == ("VIS-1", "C-7")
    assert request.corrected_check_in == datetime(2026, 7, 6, 7, 0, tzinfo=timezone.utc)


def test_corrected_times_must_run_forwards_and_be_a_plausible_visit():
    with pytest.raises(InvalidQuery, match="corrected_check_out"):
        ReverifyVisit(london(2026, 7, 6, 9, 0), london(2026, 7, 6, 8, 0))
    with pytest.raises(InvalidQuery, match="24 hours"):
        ReverifyVisit(london(2026, 7, 6, 9, 0), london(2026, 7, 8, 9, 0))


def test_re_verifying_needs_a_visit_when_the_query_is_not_about_one():
    query = query_in(S.INVESTIGATING, dispute())
    with pytest.raises(InvalidQuery, match="visit_id"):
        resolve(query, OFFICER, LATER, ReverifyVisit(london(2026, 7, 6, 8), london(2026, 7, 6, 9)), "Fix it.")


def test_varying_an_agreement_sends_only_refs_and_keeps_the_description_on_the_query():
    query = query_in(S.INVESTIGATING, raised(AGREEMENT, PERSON, category=QueryCategory.WRONG_CHARGE))
    outcome = VaryAgreement(date(2026, 4, 6), "Two carers are needed for the morning visit.")
    step = resolve(query, OFFICER, LATER, outcome, "Needs changed.", "EFF-5")
    assert step.events[1] == AgreementVariationRequested(query_id="QRY-TEST", effect_id="EFF-5",
                                                         agreement_id="AGR-1", effective_from=date(2026, 4, 6))
    assert step.query.outcome.description == "Two carers are needed for the morning visit."


def test_a_credit_note_about_something_other_than_an_invoice_must_name_the_invoice():
    with pytest.raises(InvalidQuery, match="invoice_id"):
        resolve(query_in(S.INVESTIGATING), FINANCE, LATER, CreditNote(500), "Refund.")
    step = resolve(query_in(S.INVESTIGATING), FINANCE, LATER, CreditNote(500, invoice_id="INV-3"), "Refund.")
    assert step.events[1].invoice_id == "INV-3"


@pytest.mark.parametrize("amount", [0, -5, 12.5, True])
def test_money_outcomes_are_a_positive_whole_number_of_pence(amount):
    with pytest.raises(InvalidQuery, match="amount_pence"):
        CreditNote(amount)


# --- disputes ---------------------------------------------------------------------------------

def test_a_provider_disputing_its_invoice_opens_a_dispute_when_raised():
    step = raise_query(INVOICE, QueryCategory.WRONG_CHARGE, "Rate is wrong.", PROVIDER, MONDAY, disputes_invoice=True)
    assert [type(e) for e in step.events] == [QueryRaised, DisputeOpened]
    assert step.events[1] == DisputeOpened(query_id=step.query.query_id, invoice_id="INV-1", provider_id="PRV-101010101")


def test_resolving_a_dispute_closes_it_even_before_the_credit_note_exists():
    resolved = resolved_with(CreditNote(2_385))
    assert not resolved.dispute_open and resolved.effect.pending


def test_reopening_a_dispute_opens_it_again():
    step = reopen(resolved_with(NoChange()), PROVIDER, LATER, "Still the wrong rate.")
    assert [type(e).__name__ for e in step.events] == ["QueryReopened", "DisputeOpened"]
    assert step.query.dispute_open


def test_a_query_that_does_not_dispute_publishes_no_dispute_events():
    query = raised(INVOICE, PROVIDER, category=QueryCategory.LATE_PAYMENT)
    resolved = resolve(query_in(S.INVESTIGATING, query), OFFICER, LATER, NoChange(), "Paid on Wednesday.")
    assert not any(isinstance(e, (DisputeOpened, DisputeClosed)) for e in resolved.events)
    assert not any(isinstance(e, DisputeOpened) for e in reopen(resolved.query, PROVIDER, LATER, "No.").events)


def test_an_officer_can_turn_an_invoice_query_into_a_dispute_once():
    query = raised(INVOICE, PROVIDER, category=QueryCategory.WRONG_CHARGE)
    step = dispute_invoice(query, OFFICER, MONDAY + HOUR)
    assert step.events == (DisputeOpened(query_id="QRY-TEST", invoice_id="INV-1", provider_id="PRV-101010101"),)
    with pytest.raises(IllegalTransition, match="already disputes"):
        dispute_invoice(step.query, OFFICER, MONDAY + 2 * HOUR)


def test_only_a_query_about_an_invoice_can_dispute_one():
    """Turning a query into a dispute depends on what it is about (its state: 409), raising one on the request."""
    with pytest.raises(IllegalTransition, match="this one is about a visit"):
        dispute_invoice(raised(), OFFICER, MONDAY + HOUR)
    with pytest.raises(InvalidQuery, match="disputes_invoice"):
        raise_query(AGREEMENT, QueryCategory.WRONG_CHARGE, "x", PROVIDER, MONDAY, disputes_invoice=True)
