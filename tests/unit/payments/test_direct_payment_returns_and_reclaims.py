"""Returns of direct payments held by the person or a third party (reconciled or refused naming the row),
their audit's surplus, reclaims (never more than is there, two people) and netting from the next payments."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from services.payments.domain.dp_reclaims import (AuditedReturn, HeldDirectPayment, ReclaimMethod, ReclaimReason,
                                                  debts_csv, raise_reclaim)
from services.payments.domain.dp_returns import (ReturnAudit, ReturnStatus, StatementRefused, check_period,
                                                 read_statement, return_surplus, totals_return)
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.inputs import ReclaimDue
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import ExclusionReason, LineKind
from tests.unit.payments.builders import APPROVER, PROPOSER, Officer, direct_payment, propose

JAN, MAR = date(2026, 1, 1), date(2026, 3, 31)
AT = datetime(2026, 4, 2, 10, tzinfo=timezone.utc)
HEADER = "date,description,paid_in_pence,paid_out_pence,balance_pence\n"
STATEMENT = HEADER + ("2026-01-07,Direct payment,56000,,156000\n"
                      "2026-01-20,Care agency,,30000,126000\n"
                      "2026-02-04,Direct payment,56000,,182000\n")


def test_a_statement_that_reconciles_row_by_row_is_a_return():
    found = read_statement(STATEMENT, JAN, MAR, 100_000)
    assert (found.opening_balance_pence, found.paid_in_pence, found.paid_out_pence, found.closing_balance_pence) == (
        100_000, 112_000, 30_000, 182_000)
    assert [r.row for r in found.rows] == [2, 3, 4] and found.source == "bank_statement"


def test_a_statement_is_refused_at_the_first_row_whose_balance_does_not_follow():
    broken = STATEMENT.replace("126000", "125000")
    with pytest.raises(PaymentRefused) as refused:
        read_statement(broken, JAN, MAR, 100_000)
    assert refused.value.field == "file" and refused.value.rule.startswith("row 3, balance_pence:")
    assert "126000" in refused.value.rule and "125000" in refused.value.rule


@pytest.mark.parametrize("text, where, row, column", [
    (STATEMENT.replace("2026-02-04", "2026-04-04"), "row 4, date", 4, "date"),
    (STATEMENT.replace("2026-01-20", "20/01/2026"), "row 3, date", 3, "date"),
    (STATEMENT.replace(",30000,", ",-30000,"), "row 3, paid_out_pence", 3, "paid_out_pence"),
    (STATEMENT.replace(",,182000", ",,"), "row 4, balance_pence", 4, "balance_pence"),
    ("date,amount\n2026-01-07,5\n", "row 1", 1, None),
    (HEADER, "row 2: the statement has no rows", 2, None),
])
def test_a_statement_row_that_cannot_be_used_is_named(text, where, row, column):
    with pytest.raises(StatementRefused) as refused:
        read_statement(text, JAN, MAR, 100_000)
    assert refused.value.rule.startswith(where)
    assert (refused.value.row, refused.value.column) == (row, column)


def test_totals_by_category_must_reconcile_with_the_closing_balance():
    ok = totals_return(JAN, MAR, 100_000, 182_000, [("direct_payment", 112_000)],
                       [("care_agency", 20_000), ("care_agency", 10_000)])
    assert ok.paid_out == {"care_agency": 30_000} and ok.closing_balance_pence == 182_000
    with pytest.raises(PaymentRefused) as refused:
        totals_return(JAN, MAR, 100_000, 190_000, [("direct_payment", 112_000)], [("care_agency", 30_000)])
    assert refused.value.field == "closing_balance_pence" and "= 182000" in refused.value.rule
    with pytest.raises(PaymentRefused) as refused:
        totals_return(JAN, MAR, 0, 0, [("holiday", 5)], [])
    assert refused.value.field == "paid_in.0.category"


def test_a_return_covers_days_that_are_over():
    with pytest.raises(PaymentRefused, match="after today"):
        check_period(JAN, MAR, date(2025, 6, 1), today=date(2026, 3, 30))
    with pytest.raises(PaymentRefused) as refused:
        check_period(MAR, JAN, date(2025, 6, 1), today=date(2026, 4, 30))
    assert refused.value.field == "period_end"


def test_the_surplus_is_the_balance_above_eight_weeks_of_the_weekly_net_amount():
    check = return_surplus(182_000, 56_000, 8)  # £140 a week net: threshold £1,120
    assert (check.threshold_pence, check.surplus_pence) == (112_000, 70_000)
    assert return_surplus(100_000, 56_000, 8).surplus_pence == 0


def test_an_audit_counts_only_once_a_second_person_signs_it_off():
    audited = ReturnAudit("DPR-1", ReturnStatus.SUBMITTED).audit(182_000, return_surplus(182_000, 56_000, 8),
                                                                   PROPOSER, AT)
    with pytest.raises(NotPermitted) as refused:
        audited.sign_off(Officer(PROPOSER.subject, "finance_approver"), AT)
    assert refused.value.field == "signed_off_by"
    with pytest.raises(NotPermitted):
        audited.sign_off(Officer("someone", "finance_officer"), AT)
    signed = audited.sign_off(APPROVER, AT)
    assert (signed.status, signed.audited_by, signed.signed_off_by, signed.surplus_pence) == (
        ReturnStatus.SIGNED_OFF, PROPOSER.subject, APPROVER.subject, 70_000)
    with pytest.raises(RunConflict):
        signed.audit(1, return_surplus(1, 56_000, 8), PROPOSER, AT)


LIVE = HeldDirectPayment("DP-1", "P-1", council_managed=False, ended_on=None)
SIGNED = AuditedReturn("DPR-1", True, MAR, 182_000, 70_000)


def reclaim(amount, dp=LIVE, reason=ReclaimReason.SURPLUS, method=ReclaimMethod.NETTING, audited=SIGNED, **kw):
    return raise_reclaim("RCL-1", dp, reason, method, amount, PROPOSER, AT, AT.date(), audited, **kw)


def test_a_surplus_reclaim_is_at_most_the_surplus_left_and_the_balance():
    assert reclaim(70_000).amount_pence == 70_000
    with pytest.raises(PaymentRefused, match="larger than the surplus") as refused:
        reclaim(70_001)
    assert refused.value.field == "amount_pence"
    with pytest.raises(PaymentRefused, match="larger than the surplus"):
        reclaim(30_000, audited=replace(SIGNED, reclaimed_pence=50_000))
    ended = replace(LIVE, ended_on=MAR)
    with pytest.raises(PaymentRefused, match="a reclaim larger than the balance") as refused:
        reclaim(182_001, dp=ended, reason=ReclaimReason.UNSPENT_AT_END, method=ReclaimMethod.DEBT)
    assert refused.value.field == "amount_pence"


@pytest.mark.parametrize("change, field", [
    ({"audited": None}, "return_id"),
    ({"audited": replace(SIGNED, signed_off=False)}, "return_id"),
    ({"reason": ReclaimReason.UNSPENT_AT_END}, "reason"),
    ({"dp": replace(LIVE, ended_on=MAR)}, "method"),
    ({"dp": replace(LIVE, ended_on=date(2026, 4, 30)), "reason": ReclaimReason.UNSPENT_AT_END,
      "method": ReclaimMethod.DEBT}, "return_id"),
    ({"dp": replace(LIVE, council_managed=True), "audited": None, "managed_available_pence": 10}, "reason"),
])
def test_a_reclaim_without_its_grounds_is_refused_naming_the_field(change, field):
    with pytest.raises(PaymentRefused) as refused:
        reclaim(1_000, **change)
    assert refused.value.field == field


def test_a_council_managed_accounts_unspent_money_is_at_most_what_is_left_after_pending_debits():
    managed = HeldDirectPayment("DP-2", "P-2", council_managed=True, ended_on=MAR)
    taken = reclaim(5_000, dp=managed, reason=ReclaimReason.UNSPENT_AT_END, audited=None, managed_available_pence=5_000)
    assert taken.council_managed and taken.return_id is None
    with pytest.raises(PaymentRefused, match="a reclaim larger than the balance"):
        reclaim(5_001, dp=managed, reason=ReclaimReason.UNSPENT_AT_END, audited=None, managed_available_pence=5_000)
    with pytest.raises(PaymentRefused) as refused:
        reclaim(10, dp=managed, reason=ReclaimReason.UNSPENT_AT_END, method=ReclaimMethod.DEBT, audited=None,
                managed_available_pence=5_000)
    assert refused.value.field == "method"


def test_a_reclaim_is_approved_by_a_finance_approver_who_did_not_raise_it():
    raised = reclaim(10_000)
    with pytest.raises(NotPermitted) as refused:
        raised.approve(Officer(PROPOSER.subject, "finance_approver"), AT)
    assert refused.value.field == "approved_by"
    approved = raised.approve(APPROVER, AT)
    assert approved.approved_by == APPROVER.subject
    with pytest.raises(RunConflict):
        approved.approve(Officer("another", "finance_approver"), AT)
    with pytest.raises(NotPermitted):  # raised by a finance officer only
        raise_reclaim("RCL-2", LIVE, ReclaimReason.SURPLUS, ReclaimMethod.NETTING, 1, APPROVER, AT, AT.date(), SIGNED)


def test_a_reclaim_is_netted_from_the_next_payments_never_below_a_penny_the_rest_carried():
    dp = direct_payment(per_four_weeks=56_000, reclaims=(ReclaimDue("RCL-1", 70_000, 1),))
    [payment] = propose([], {}, [dp], kind=RunKind.FOUR_WEEKLY).payments
    [_, netted] = payment.lines
    assert (netted.line_id, netted.kind, netted.settles, netted.amount_pence) == (
        "RECLAIM/RCL-1/1", LineKind.RECLAIM, "DP-1", -55_999)
    assert payment.amount_pence == 1
    rest = replace(dp, reclaims=(ReclaimDue("RCL-1", 14_001, 2),))
    [payment] = propose([], {}, [rest], kind=RunKind.FOUR_WEEKLY).payments
    assert [ln.line_id for ln in payment.lines][-1] == "RECLAIM/RCL-1/2" and payment.amount_pence == 41_999


def test_a_reclaim_leaves_with_its_direct_payment_when_the_payment_cannot_be_made():
    dp = direct_payment(reclaims=(ReclaimDue("RCL-1", 1_000, 1),), payee_account=None)
    [excluded] = propose([], {}, [dp], kind=RunKind.FOUR_WEEKLY).exclusions
    assert excluded.reason is ExclusionReason.NO_BANK_DETAILS and excluded.amount_pence == 55_000


def test_debts_are_exported_as_csv_for_the_debtors_system():
    debt = reclaim(120_000, dp=replace(LIVE, ended_on=MAR, person_ref="=P-1"), reason=ReclaimReason.UNSPENT_AT_END,
                   method=ReclaimMethod.DEBT)
    assert debts_csv([debt]).splitlines() == ["person_ref,reclaim_id,agreement_id,amount_pence,reason,raised_on",
                                              "'=P-1,RCL-1,DP-1,120000,unspent_at_end,2026-04-02"]
