"""Outcomes that move money (a credit note, a supplementary payment): chosen only by finance, above the
second-person threshold proposed and approved by a different finance approver, and at most once a query."""
from __future__ import annotations

import pytest

from contracts.queries import (PartyRole, QueryOutcomeApproved, QueryOutcomeProposed, QueryOutcomeRejected,
                               QueryResolved, SupplementaryPaymentRequested)
from services.queries.config import SECOND_PERSON, second_person_above
from services.queries.domain.codec import query_from_json, query_to_json
from services.queries.domain.effects import fail_effect, retry_effect
from services.queries.domain.errors import IllegalTransition, NotEntitled
from services.queries.domain.lifecycle import approve_outcome, reject_outcome, reopen, resolve, start_investigation
from services.queries.domain.outcomes import CreditNote, NoChange, ReverifyVisit, SupplementaryPayment
from services.queries.domain.query import Party, QueryStatus as S
from tests.unit.queries.query_builders import (ABOVE_THRESHOLD, APPROVER, FINANCE, HOUR, OFFICER, OTHER_APPROVER,
                                               PERSON, SYSTEM, dispute, query_in)

SOCIAL_WORKER = Party.officer("u-sw-1", "social_worker")
OPS = Party.officer("u-ops-1", "ops")
BROKERAGE = Party.officer("u-brk-1", "brokerage_officer")


def _at(query, hours=1):
    return query.history[-1].at + hours * HOUR


@pytest.mark.parametrize("who", [SOCIAL_WORKER, OPS, BROKERAGE, OFFICER], ids=lambda p: p.login_role or "unknown")
@pytest.mark.parametrize("outcome", [SupplementaryPayment(100), CreditNote(100, invoice_id="INV-1")],
                         ids=lambda o: o.kind.value)
def test_only_finance_may_resolve_with_an_outcome_that_moves_money(who, outcome):
    query = query_in(S.INVESTIGATING)
    with pytest.raises(NotEntitled, match="only a finance officer or finance approver may resolve"):
        resolve(query, who, _at(query), outcome, "Paid too little.")


def test_any_officer_may_still_resolve_with_an_outcome_that_moves_no_money():
    query = query_in(S.INVESTIGATING)
    assert resolve(query, SOCIAL_WORKER, _at(query), NoChange(), "Checked.").query.status == S.RESOLVED


@pytest.mark.parametrize("who", [FINANCE, APPROVER], ids=lambda p: p.login_role)
def test_finance_resolves_at_or_below_the_threshold_and_the_effect_is_requested_at_once(who):
    query = query_in(S.INVESTIGATING)
    step = resolve(query, who, _at(query), SupplementaryPayment(50_000), "Paid too little.", "EFF-1",
                   second_person_above_pence=50_000)
    assert step.query.status == S.RESOLVED and step.query.effect.effect_id == "EFF-1"
    assert [type(e) for e in step.events] == [QueryResolved, SupplementaryPaymentRequested]


def test_above_the_threshold_the_outcome_is_only_proposed_and_nothing_is_requested():
    query = query_in(S.INVESTIGATING)
    step = resolve(query, FINANCE, _at(query), SupplementaryPayment(50_001), "Paid too little.",
                   second_person_above_pence=50_000)
    assert step.query.status == S.AWAITING_APPROVAL and step.query.effect is None
    assert step.query.resolved_at is None and step.query.proposal.proposed_by == FINANCE
    [proposed] = step.events
    assert isinstance(proposed, QueryOutcomeProposed)
    assert (proposed.amount_pence, proposed.proposed_by_id, proposed.threshold_pence) == (50_001, FINANCE.user_id,
                                                                                          50_000)
    last = step.query.history[-1]
    assert (last.action, last.actor_id, last.after) == ("propose_outcome", FINANCE.user_id, S.AWAITING_APPROVAL)
    assert "Paid too little." in last.detail


def test_the_threshold_is_configurable():
    query = query_in(S.INVESTIGATING)
    assert resolve(query, FINANCE, _at(query), SupplementaryPayment(101), "x",
                   second_person_above_pence=100).query.status == S.AWAITING_APPROVAL
    assert second_person_above({}) == 50_000 and second_person_above({SECOND_PERSON: "100"}) == 100
    with pytest.raises(SystemExit, match=SECOND_PERSON):
        second_person_above({SECOND_PERSON: "£500"})


def test_the_proposer_may_not_approve_their_own_proposal():
    proposer = APPROVER  # a finance approver who proposes still needs a second one
    investigating = query_in(S.INVESTIGATING)
    awaiting = resolve(investigating, proposer, _at(investigating), ABOVE_THRESHOLD, "Paid too little.").query
    with pytest.raises(NotEntitled, match="proposed by u-approver-1: a second finance approver, not the proposer"):
        approve_outcome(awaiting, proposer, _at(awaiting), "Looks right.")


@pytest.mark.parametrize("who", [FINANCE, SOCIAL_WORKER, OPS, OFFICER], ids=lambda p: p.login_role or "unknown")
def test_only_a_finance_approver_approves(who):
    awaiting = query_in(S.AWAITING_APPROVAL)
    with pytest.raises(NotEntitled, match="only a finance approver may approve"):
        approve_outcome(awaiting, who, _at(awaiting), "Looks right.")


def test_a_second_approver_approves_and_only_then_the_effect_is_requested():
    awaiting = query_in(S.AWAITING_APPROVAL)
    step = approve_outcome(awaiting, OTHER_APPROVER, _at(awaiting), "Checked the rota and the rate.", "EFF-7")
    assert step.query.status == S.RESOLVED and step.query.proposal is None
    assert step.query.effect.effect_id == "EFF-7" and step.query.outcome == ABOVE_THRESHOLD.__class__(
        50_001, provider_id="PRV-101010101")
    approved, resolved, requested = step.events
    assert isinstance(approved, QueryOutcomeApproved) and isinstance(resolved, QueryResolved)
    assert (approved.proposed_by_id, approved.approved_by_id) == (FINANCE.user_id, OTHER_APPROVER.user_id)
    assert isinstance(requested, SupplementaryPaymentRequested) and requested.amount_pence == 50_001
    actions = [(h.action, h.actor_id) for h in step.query.history[-3:]]
    assert actions == [("propose_outcome", FINANCE.user_id), ("approve_outcome", OTHER_APPROVER.user_id),
                       ("resolve", OTHER_APPROVER.user_id)]
    assert "Checked the rota and the rate." in step.query.history[-2].detail


def test_a_rejected_proposal_goes_back_to_investigating_and_requests_nothing():
    awaiting = query_in(S.AWAITING_APPROVAL)
    step = reject_outcome(awaiting, OTHER_APPROVER, _at(awaiting), "The rate was right.")
    assert step.query.status == S.INVESTIGATING and step.query.proposal is None and step.query.effect is None
    assert [type(e) for e in step.events] == [QueryOutcomeRejected]


def test_a_query_awaiting_approval_cannot_be_resolved_again():
    awaiting = query_in(S.AWAITING_APPROVAL)
    with pytest.raises(IllegalTransition, match="is awaiting_approval, so it cannot be resolved"):
        resolve(awaiting, FINANCE, _at(awaiting), NoChange(), "x")


def test_a_query_awaiting_approval_is_stored_with_its_proposal():
    awaiting = query_in(S.AWAITING_APPROVAL)
    again = query_from_json(query_to_json(awaiting))
    assert again == awaiting and again.proposal.proposed_by.login_role == "finance_officer"


def _paid_then_reopened(outcome=SupplementaryPayment(1_000)):
    query = query_in(S.INVESTIGATING)
    resolved = resolve(query, FINANCE, _at(query), outcome, "Paid too little.", "EFF-1").query
    failed = fail_effect(resolved, SYSTEM, _at(resolved), "invoice is void", "EFF-1").query
    reopened = reopen(failed, PERSON, _at(failed), "Still not right.").query
    return start_investigation(reopened, OFFICER, _at(reopened)).query


@pytest.mark.parametrize("again", [SupplementaryPayment(500), CreditNote(500, invoice_id="INV-1")],
                         ids=lambda o: o.kind.value)
def test_a_query_moves_money_at_most_once_even_after_reopening(again):
    investigating = _paid_then_reopened()
    with pytest.raises(IllegalTransition, match="already moved money once: its supplementary_payment effect EFF-1"):
        resolve(investigating, APPROVER, _at(investigating), again, "More.")


def test_after_money_moved_it_can_still_be_resolved_without_moving_money():
    investigating = _paid_then_reopened()
    done = resolve(investigating, OFFICER, _at(investigating), ReverifyVisit(
        _at(investigating), _at(investigating, 2)), "Times corrected.")
    assert done.query.status == S.RESOLVED


def test_a_failed_money_effect_is_asked_for_again_by_retrying_it_naming_the_one_it_retries():
    query = query_in(S.INVESTIGATING)
    resolved = resolve(query, FINANCE, _at(query), SupplementaryPayment(1_000), "Paid too little.", "EFF-1").query
    failed = fail_effect(resolved, SYSTEM, _at(resolved), "invoicing was down", "EFF-1").query
    retried = retry_effect(failed, FINANCE, _at(failed), "EFF-2").query
    assert (retried.effect.effect_id, retried.effect.retry_of) == ("EFF-2", "EFF-1")
    assert query_from_json(query_to_json(retried)) == retried


def test_a_dispute_resolved_with_a_large_credit_note_closes_only_when_approved():
    investigating = query_in(S.INVESTIGATING, dispute())
    awaiting = resolve(investigating, FINANCE, _at(investigating), CreditNote(60_000), "Overcharged.").query
    assert awaiting.dispute_open  # the invoice stays held until the second approver decides
    done = approve_outcome(awaiting, APPROVER, _at(awaiting), "Agreed.")
    assert not done.query.dispute_open and [e.EVENT_TYPE for e in done.events] == [
        "QueryOutcomeApproved", "QueryResolved", "DisputeClosed", "CreditNoteRequested"]
    assert done.query.history[-1].actor_role == PartyRole.OFFICER
