"""A return and a hold release need two people, as a payment run does: a finance user records it
(pending) and a different finance approver approves it; the one who recorded it may not."""
from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from contracts import payments as contract
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.two_person import DecisionKind, DecisionStatus, SubjectKind, record

AT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
OFFICER = SimpleNamespace(subject="u-maker", role="finance_officer")
APPROVER = SimpleNamespace(subject="u-checker", role="finance_approver")


def a_return(by=OFFICER):
    return record("RET-1", DecisionKind.PAYMENT_RETURN, SubjectKind.PAYMENT, "CP000001-00001", "account closed", by,
                  AT, run_id="RUN-1", reported_on=date(2026, 3, 4))


def a_release(by=OFFICER):
    return record("REL-1", DecisionKind.HOLD_RELEASE, SubjectKind.INVOICE, "INV-1", "provider confirmed new account",
                  by, AT)


@pytest.mark.parametrize("recorded", [a_return, a_release])
def test_a_recorded_decision_is_pending_and_a_different_finance_approver_approves_it(recorded):
    pending = recorded()
    assert (pending.status, pending.recorded_by, pending.approved_by) == (DecisionStatus.PENDING, "u-maker", None)
    approved = pending.approve(APPROVER, AT)
    assert (approved.status, approved.approved_by, approved.approved_by_role) == (
        DecisionStatus.APPROVED, "u-checker", "finance_approver")


@pytest.mark.parametrize("recorded", [a_return, a_release])
def test_the_one_who_recorded_it_cannot_approve_it_even_as_a_finance_approver(recorded):
    pending = recorded(by=APPROVER)
    with pytest.raises(NotPermitted, match="u-checker recorded .* and cannot also approve it") as refused:
        pending.approve(APPROVER, AT)
    assert refused.value.field == "approved_by"


def test_a_finance_officer_cannot_approve_a_return_or_release():
    with pytest.raises(NotPermitted, match="needs the finance_approver role; u-other has finance_officer"):
        a_return().approve(SimpleNamespace(subject="u-other", role="finance_officer"), AT)


def test_an_approved_decision_cannot_be_approved_again():
    approved = a_release().approve(APPROVER, AT)
    with pytest.raises(RunConflict, match="already approved by u-checker"):
        approved.approve(SimpleNamespace(subject="u-third", role="finance_approver"), AT)


def test_recording_needs_a_finance_role_and_a_reason():
    with pytest.raises(NotPermitted, match="ops"):
        a_return(by=SimpleNamespace(subject="u-ops", role="ops"))
    with pytest.raises(PaymentRefused, match="say why") as refused:
        record("REL-2", DecisionKind.HOLD_RELEASE, SubjectKind.INVOICE, "INV-1", "  ", OFFICER, AT)
    assert refused.value.field == "reason"


def test_the_decision_events_carry_who_acted_and_why_and_are_registered():
    recorded = contract.PaymentHoldReleaseRecorded(release_id="REL-1", held_kind="invoice", held_id="INV-1",
                                                   reason="new account", recorded_by="u-maker",
                                                   recorded_by_role="finance_officer")
    released = contract.PaymentHoldReleased(release_id="REL-1", held_kind="invoice", held_id="INV-1",
                                            reason="new account", recorded_by="u-maker", approved_by="u-checker")
    assert [e.aggregate_id() for e in (recorded, released)] == ["REL-1", "REL-1"]
    assert released.approved_by_role == "finance_approver"
    with pytest.raises(ValueError):
        contract.PaymentReturnRecorded(return_id="RET-1", run_id="RUN-1", payment_reference="CP1",
                                       payee_kind="provider", payee_id="PRV-1", amount_pence=100, reason="",
                                       reported_on=date(2026, 3, 4), recorded_by="u-maker",
                                       recorded_by_role="finance_officer")
