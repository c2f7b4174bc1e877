"""Council-managed direct-payment accounts: ledger, balance and surplus flag."""
from __future__ import annotations

from datetime import date

import pytest

from services.payments.domain.errors import PaymentRefused
from services.payments.domain.managed_accounts import (LedgerEntry, LedgerEntryKind, ManagedAccount,
                                                       surplus_check)
from services.payments.domain.run_calendar import RunKind
from tests.unit.payments.builders import PAY_DATE, direct_payment, propose

IN, CONTRIBUTION = LedgerEntryKind.DIRECT_PAYMENT_IN, LedgerEntryKind.CONTRIBUTION_IN
OUT = LedgerEntryKind.PAYMENT_TO_PROVIDER


def account(*entries: tuple[date, LedgerEntryKind, int]) -> ManagedAccount:
    acc = ManagedAccount("DP-1", "P-DP-1")
    for n, (on, kind, pence) in enumerate(entries, 1):
        acc = acc.record(LedgerEntry(on, kind, pence, f"REF-{n}"))
    return acc


def test_balance_is_money_in_less_money_out():
    acc = account((date(2026, 3, 11), IN, 48_000), (date(2026, 3, 11), CONTRIBUTION, 8_000),
                  (date(2026, 3, 20), OUT, 30_000))
    assert acc.balance_pence() == 26_000 and acc.balance_pence(as_of=date(2026, 3, 19)) == 56_000


def test_statement_shows_a_running_balance_in_date_order():
    acc = account((date(2026, 3, 11), IN, 48_000),
                  (date(2026, 3, 25), OUT, 10_000), (date(2026, 3, 18), OUT, 5_000))
    assert [(s.entry.on, s.balance_pence) for s in acc.statement()] == [
        (date(2026, 3, 11), 48_000), (date(2026, 3, 18), 43_000), (date(2026, 3, 25), 33_000)]


def test_payment_out_may_not_overdraw_the_account():
    acc = account((date(2026, 3, 11), IN, 10_000))
    with pytest.raises(PaymentRefused, match="overdraw the account by £50.00"):
        acc.record(LedgerEntry(date(2026, 3, 12), OUT, 15_000, "PROV-PAY-9"))


def test_back_dated_payment_out_before_the_money_came_in_is_refused():
    acc = account((date(2026, 3, 11), IN, 10_000))
    with pytest.raises(PaymentRefused, match="overdraw"):
        acc.record(LedgerEntry(date(2026, 3, 1), OUT, 1_000, "EARLY"))


def test_direct_payment_from_a_run_is_recorded_as_money_in():
    [payment] = propose([], {}, [direct_payment(council_managed=True)], kind=RunKind.FOUR_WEEKLY).payments
    acc = ManagedAccount("DP-1", "P-DP-1").record_direct_payment(payment, PAY_DATE)
    assert acc.balance_pence() == 56_000 and acc.entries[0].reference == payment.reference


def test_balance_above_eight_weeks_funding_is_flagged_as_surplus():
    dp = direct_payment(per_four_weeks=56_000)  # £140 a week: 8 weeks is £1,120
    acc = account((date(2026, 1, 1), IN, 120_000))
    check = surplus_check(acc, dp, as_of=date(2026, 3, 31))
    assert (check.threshold_pence, check.surplus_pence, check.flagged) == (112_000, 8_000, True)


def test_balance_at_the_threshold_is_not_a_surplus():
    acc = account((date(2026, 1, 1), IN, 112_000))
    assert not surplus_check(acc, direct_payment(per_four_weeks=56_000), as_of=date(2026, 3, 31)).flagged


def test_surplus_threshold_in_weeks_is_configurable():
    acc = account((date(2026, 1, 1), IN, 60_000))
    assert surplus_check(acc, direct_payment(per_four_weeks=56_000), date(2026, 3, 31), weeks=4).surplus_pence == 4_000


def test_ledger_entry_must_move_a_positive_amount():
    with pytest.raises(PaymentRefused, match="positive"):
        ManagedAccount("DP-1", "P").record(LedgerEntry(PAY_DATE, IN, 0, "ZERO"))
