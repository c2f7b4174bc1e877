"""The provider register: identifiers, bank details and the second-person check on a change."""
from __future__ import annotations

from datetime import date

import pytest

from services.agreements.domain.errors import Conflict, NotAllowed, Rejected
from services.agreements.domain.providers import (BankDetailsChange, ChangeStatus, account_number, check_self_billing,
                                                  cqc_id, masked, sort_code)


@pytest.mark.parametrize("value", ["1-123456789", "1-1234567890", "1-12345678901"])
def test_a_cqc_id_is_1_dash_and_9_to_11_digits(value):
    assert cqc_id(value) == value


@pytest.mark.parametrize("value", ["1-12345678", "1-123456789012", "2-123456789", "1123456789", "1-12345678X", ""])
def test_anything_else_is_not_a_cqc_id(value):
    with pytest.raises(ValueError, match="9 to 11 digits"):
        cqc_id(value)


def test_a_sort_code_is_six_digits_with_or_without_dashes():
    assert sort_code("12-34-56") == sort_code("12 34 56") == sort_code("123456") == "123456"
    for bad in ("12345", "1234567", "12-34-5A"):
        with pytest.raises(ValueError, match="6 digits"):
            sort_code(bad)


def test_an_account_number_is_exactly_eight_digits():
    assert account_number("12345678") == "12345678"
    for bad in ("1234567", "123456789", "1234567a"):
        with pytest.raises(ValueError, match="8 digits"):
            account_number(bad)


def test_officers_see_only_the_last_four_digits():
    assert masked("12345678") == "****5678"


def test_bank_details_entered_by_one_person_must_be_verified_by_another():
    change = BankDetailsChange.record("PRV-1", changed_by="u-officer")
    with pytest.raises(NotAllowed, match="a second finance approver must"):
        change.verify("u-officer")
    with pytest.raises(NotAllowed):
        change.reject("u-officer")
    assert change.verify("u-approver").status is ChangeStatus.VERIFIED


def test_a_decided_change_cannot_be_decided_again():
    verified = BankDetailsChange.record("PRV-1", changed_by="u-1").verify("u-2")
    with pytest.raises(Conflict, match="already verified") as caught:
        verified.reject("u-3")
    assert caught.value.code == "bank_details_change_decided"


def test_self_billing_needs_its_agreement_date():
    check_self_billing(True, date(2026, 1, 1))
    check_self_billing(False, None)
    with pytest.raises(Rejected):
        check_self_billing(True, None)
    with pytest.raises(Rejected):
        check_self_billing(False, date(2026, 1, 1))
