"""Review and maker-checker approval of a payment run."""
from __future__ import annotations

import pytest

from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.payment_run import RunStatus
from services.payments.domain.run_lines import ExclusionReason
from tests.unit.payments.builders import (APPROVED_AT, APPROVER, PROPOSER, Officer, approved, invoice, payees,
                                          propose)

OFFICER = Officer("fatima", "finance_officer")


def a_run():
    return propose([invoice("INV-1", pence=5_000), invoice("INV-2", pence=3_000, credits=(1_000,)),
                    invoice("INV-3", "PRV-2", pence=700)], payees("PRV-1", "PRV-2"))


def test_finance_approver_who_did_not_propose_approves_the_run():
    run = approved(a_run())
    assert (run.status, run.approved_by, run.approved_at) == (RunStatus.APPROVED, APPROVER.subject, APPROVED_AT)


def test_proposer_cannot_approve_their_own_run_even_as_finance_approver():
    with pytest.raises(NotPermitted, match="maker-checker"):
        a_run().approve(Officer(PROPOSER.subject, "finance_approver"), APPROVED_AT)


def test_finance_officer_cannot_approve():
    with pytest.raises(NotPermitted, match="finance_approver role"):
        a_run().approve(OFFICER, APPROVED_AT)


def test_approving_twice_is_refused():
    run = approved(a_run())
    with pytest.raises(RunConflict, match="already approved by abdul"):
        run.approve(Officer("someone-else", "finance_approver"), APPROVED_AT)


def test_approved_run_is_immutable():
    run = approved(a_run())
    with pytest.raises(RunConflict, match="approved run is final"):
        run.exclude_line("INV-1", "wrong rate", OFFICER, APPROVED_AT)


def test_run_that_pays_nothing_cannot_be_approved():
    with pytest.raises(RunConflict, match="pays nothing"):  # the run's state: 409
        propose([]).approve(APPROVER, APPROVED_AT)


def test_approval_needs_an_aware_timestamp():
    with pytest.raises(PaymentRefused, match="aware"):
        a_run().approve(APPROVER, APPROVED_AT.replace(tzinfo=None))


def test_excluded_line_leaves_the_payment_with_a_visible_reason():
    run = a_run().exclude_line("INV-1", "rate queried by brokerage", OFFICER, APPROVED_AT)
    assert run.payments[0].amount_pence == 2_000 and run.payments[0].invoice_ids == ("INV-2",)
    excluded = run.exclusions[-1]
    assert (excluded.subject, excluded.reason, excluded.detail, excluded.amount_pence) == (
        "INV-1", ExclusionReason.EXCLUDED_AT_REVIEW, "rate queried by brokerage", 5_000)
    assert [(r.line_id, r.by, r.reason) for r in run.reviews] == [("INV-1", "fatima", "rate queried by brokerage")]


def test_excluding_an_invoice_takes_its_credit_notes_with_it():
    run = a_run().exclude_line("INV-2", "duplicate", OFFICER, APPROVED_AT)
    assert [ln.line_id for ln in run.payments[0].lines] == ["INV-1"]
    assert run.exclusions[-1].amount_pence == 2_000


def test_credit_note_cannot_be_excluded_on_its_own():
    with pytest.raises(PaymentRefused, match="exclude the invoice it corrects"):
        a_run().exclude_line("INV-2-CN1", "no", OFFICER, APPROVED_AT)


def test_excluding_a_payments_only_invoice_removes_the_payment():
    run = a_run().exclude_line("INV-3", "provider asked us to hold", OFFICER, APPROVED_AT)
    assert [p.payee_id for p in run.payments] == ["PRV-1"]


def test_excluding_an_invoice_that_leaves_only_credits_carries_them_forward():
    run = propose([invoice("INV-1", pence=5_000), invoice("INV-2", pence=100, credits=(600,))])
    run = run.exclude_line("INV-1", "query", OFFICER, APPROVED_AT)
    assert run.payments == ()
    assert run.exclusions[-1].reason is ExclusionReason.NET_NEGATIVE_CARRIED_FORWARD


def test_exclusion_needs_a_reason():
    with pytest.raises(PaymentRefused, match="say why"):
        a_run().exclude_line("INV-1", "  ", OFFICER, APPROVED_AT)


def test_only_finance_may_review():
    with pytest.raises(NotPermitted, match="finance_officer or finance_approver"):
        a_run().exclude_line("INV-1", "x", Officer("sam", "social_worker"), APPROVED_AT)


def test_unknown_line_is_named_in_the_error():
    with pytest.raises(PaymentRefused, match="no line INV-404"):
        a_run().exclude_line("INV-404", "x", OFFICER, APPROVED_AT)


def test_proposer_may_review_but_still_not_approve():
    run = a_run().exclude_line("INV-1", "query", Officer(PROPOSER.subject, "finance_officer"), APPROVED_AT)
    with pytest.raises(NotPermitted):
        run.approve(Officer(PROPOSER.subject, "finance_approver"), APPROVED_AT)
    assert approved(run).status is RunStatus.APPROVED


def test_approval_without_line_checks_still_enforces_who_when_and_state():
    run = a_run()
    with pytest.raises(NotPermitted, match="maker-checker"):
        run.approval(Officer(PROPOSER.subject, "finance_approver"), APPROVED_AT)
    done = run.approval(APPROVER, APPROVED_AT)
    assert done.status is RunStatus.APPROVED
    with pytest.raises(RunConflict):
        done.approval(Officer("someone-else", "finance_approver"), APPROVED_AT)
