"""The invariants: each check catches its breach, and approval refuses a run that breaks one."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.payments.domain.errors import PaymentRefused
from services.payments.domain.invariants import run_breaches
from tests.unit.payments.builders import APPROVED_AT, APPROVER, invoice, propose


def run_with_payment(**changes):
    run = propose([invoice("INV-1", pence=5_000), invoice("INV-2", pence=3_000)])
    return replace(run, payments=(replace(run.payments[0], **changes),))


def rules(run) -> list[str]:
    return [b.rule for b in run_breaches(run)]


def test_sound_run_has_no_breaches():
    assert run_breaches(propose([invoice()])) == []


def test_payment_not_equal_to_the_sum_of_its_lines_is_a_breach():
    assert rules(run_with_payment(amount_pence=9_999)) == ["payment_total_mismatch"]


def test_payment_to_unverified_bank_details_is_a_breach():
    assert rules(run_with_payment(account_verified=False)) == ["unverified_bank_details"]


def test_negative_payment_is_a_breach():
    run = run_with_payment()
    lines = tuple(replace(ln, amount_pence=-ln.amount_pence) for ln in run.payments[0].lines)
    assert rules(run_with_payment(lines=lines, amount_pence=-8_000)) == ["payment_not_positive"]


def test_line_after_the_agreements_end_is_a_breach():
    run = run_with_payment()
    late = (replace(run.payments[0].lines[0], agreement_end=date(2026, 2, 25)),) + run.payments[0].lines[1:]
    assert rules(run_with_payment(lines=late)) == ["after_agreement_end"]


def test_invoice_in_two_payments_is_a_breach():
    run = propose([invoice("INV-1")])
    twice = replace(run, payments=run.payments + (replace(run.payments[0], reference="CP000042-00002"),))
    assert rules(twice) == ["invoice_paid_twice"]


def test_approval_refuses_a_run_that_breaks_an_invariant():
    with pytest.raises(PaymentRefused, match="unverified_bank_details"):
        run_with_payment(account_verified=False).approve(APPROVER, APPROVED_AT)
