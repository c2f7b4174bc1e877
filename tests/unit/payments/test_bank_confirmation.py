"""Importing what the bank paid or returned."""
from __future__ import annotations

import pytest

from services.payments.domain.confirmation import (ConfirmationStatus, apply_confirmations,
                                                   parse_confirmation_csv)
from services.payments.domain.errors import RunConflict
from tests.unit.payments.builders import a_sound_run, invoice, propose


def import_csv(run, text: str):
    rows, problems = parse_confirmation_csv(text)
    return apply_confirmations(run, rows), problems


def test_returned_payment_puts_its_invoices_back_to_approved_with_a_hold_reason():
    run = a_sound_run()
    outcome, _ = import_csv(run, "payment_reference,status,reason\nCP000042-00001,returned,account closed\n")
    assert [(i.invoice_id, i.payment_reference) for i in outcome.invoices_back_to_approved] == [
        ("INV-1", "CP000042-00001"), ("INV-2", "CP000042-00001")]
    assert all("account closed" in i.hold_reason for i in outcome.invoices_back_to_approved)


def test_returned_payment_alerts_finance():
    outcome, _ = import_csv(a_sound_run(), "payment_reference,status,reason\nCP000042-00001,returned,account closed\n")
    [alert] = outcome.alerts
    assert alert.payee_id == "PRV-1" and "account closed" in alert.message


def test_paid_payments_are_confirmed_and_change_nothing_else():
    outcome, problems = import_csv(a_sound_run(), "payment_reference,status,reason\nCP000042-00002,paid,\n")
    assert [p.reference for p in outcome.paid] == ["CP000042-00002"]
    assert outcome.invoices_back_to_approved == () and problems == []


def test_returned_direct_payment_leaves_its_periods_unpaid():
    outcome, _ = import_csv(a_sound_run(), "payment_reference,status,reason\nCP000042-00003,returned,payee deceased\n")
    [returned] = outcome.direct_payments_returned
    assert returned.agreement_id == "DP-1" and len(returned.periods) == 1
    assert outcome.invoices_back_to_approved == ()


def test_returned_without_a_reason_is_a_problem_naming_the_row():
    rows, problems = parse_confirmation_csv("payment_reference,status,reason\nCP000042-00001,returned,\n")
    assert rows == [] and (problems[0].row, problems[0].field) == (2, "reason")


def test_unknown_status_and_missing_columns_are_reported():
    _, problems = parse_confirmation_csv("payment_reference,status,reason\nX,bounced,\n")
    assert (problems[0].field, "paid or returned" in problems[0].message) == ("status", True)
    _, problems = parse_confirmation_csv("ref,status\nX,paid\n")
    assert problems[0].field == "header" and "payment_reference" in problems[0].message


def test_reference_not_in_the_run_is_a_problem():
    outcome, _ = import_csv(a_sound_run(), "payment_reference,status,reason\nCP999999-00001,paid,\n")
    assert outcome.paid == () and "not a payment of run" in outcome.problems[0].message


def test_amount_column_when_given_must_match_the_payment():
    outcome, _ = import_csv(a_sound_run(), "payment_reference,status,reason,amount\nCP000042-00001,paid,,300.01\n")
    assert outcome.paid == () and outcome.problems[0].field == "amount"


def test_conflicting_reports_for_one_payment_are_a_problem_and_the_first_stands():
    text = "payment_reference,status,reason\nCP000042-00001,paid,\nCP000042-00001,returned,account closed\n"
    outcome, _ = import_csv(a_sound_run(), text)
    assert [p.reference for p in outcome.paid] == ["CP000042-00001"] and outcome.problems[0].row == 3


def test_headers_are_read_case_insensitively_with_a_byte_order_mark():
    rows, problems = parse_confirmation_csv("\ufeffPayment_Reference,Status,Reason\r\nCP000042-00001,PAID,\r\n")
    assert problems == [] and rows[0].status is ConfirmationStatus.PAID


def test_confirmations_for_an_unapproved_run_are_refused():
    rows, _ = parse_confirmation_csv("payment_reference,status,reason\nCP000042-00001,paid,\n")
    with pytest.raises(RunConflict):
        apply_confirmations(propose([invoice()]), rows)
