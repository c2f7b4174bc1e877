"""The reconciliation's own arithmetic (tests/e2e/reconciliation.py): business-date rules worked out from the
owning services' answers, independently of reporting's code."""
from __future__ import annotations

from datetime import date, timedelta

from tests.e2e import reconciliation as rec

MON = date(2026, 11, 9)
WEEKS = rec.mondays(MON, MON + timedelta(days=27))


def test_a_rate_changed_on_a_wednesday_counts_two_days_old_and_five_new_rounded_once():
    got = rec.weekly_rate_by_week([(MON, 700), (MON + timedelta(days=9), 1400)], WEEKS[:2], start=MON)
    assert got == {WEEKS[0]: 700, WEEKS[1]: (2 * 700 + 5 * 1400) // 7}
    assert rec.weekly_rate_by_week([(MON, 1000)], [MON], start=MON + timedelta(days=4)) == {MON: 429}  # 3000/7 half up


def test_an_agreement_commits_nothing_while_suspended_or_after_its_end():
    window = {"start": MON, "end": MON + timedelta(days=15),
              "suspensions": ((MON + timedelta(days=3), MON + timedelta(days=5)),)}
    got = rec.weekly_rate_by_week([(MON, 700)], WEEKS, **window)
    assert got == {WEEKS[0]: 500, WEEKS[1]: 700, WEEKS[2]: 200, WEEKS[3]: 0}


def test_a_budget_applies_from_the_requested_start_and_a_reassessment_from_its_own_day():
    rates = rec.budget_rates({"weekly_budget_pence": 7000}, MON,
                             [{"effective_from": (MON + timedelta(days=10)).isoformat(), "weekly_budget_pence": 14000}])
    assert rec.weekly_rate_by_week(rates, WEEKS[:2]) == {WEEKS[0]: 7000, WEEKS[1]: 3 * 1000 + 4 * 2000}


def test_a_four_week_invoice_counts_a_quarter_in_each_week_and_the_weeks_sum_to_it():
    invoice = {"period_start": MON.isoformat(), "period_end": (MON + timedelta(days=27)).isoformat(),
               "lines": [{"agreement_id": "A", "first_day": MON.isoformat(),
                          "last_day": (MON + timedelta(days=27)).isoformat(), "amount_pence": 100_003}]}
    got = rec.spread_by_week(100_003, rec.invoice_spans(invoice))
    assert sorted(got.values()) == [25_000, 25_001, 25_001, 25_001] and sum(got.values()) == 100_003
    assert rec.spread_by_week(-9, [(MON, MON + timedelta(days=13), 1)]) in ({MON: -5, WEEKS[1]: -4},
                                                                         {MON: -4, WEEKS[1]: -5})


def test_a_weekly_invoice_spans_its_lines_days_by_agreement():
    invoice = {"lines": [{"agreement_id": "A", "first_day": "2026-11-09", "last_day": "2026-11-09", "amount_pence": 300},
                         {"agreement_id": "A", "first_day": "2026-11-10", "last_day": "2026-11-10", "amount_pence": 200}]}
    assert rec.invoice_spans(invoice) == [(MON, MON + timedelta(days=1), 500)]


def test_delivered_counts_confirmed_lines_on_their_dates_and_paid_only_what_the_bank_confirmed():
    periods = [{"status": "confirmed", "lines": [{"local_date": "2026-11-15", "amount_pence": 900}]},
               {"status": "open", "lines": [{"local_date": "2026-11-16", "amount_pence": 800}]}]
    assert rec.delivered_by_week(periods) == {MON: 900}
    runs = [{"payments": [{"outcome": "paid", "lines": [{"kind": "invoice", "settles": "I1", "amount_pence": 5}]},
                          {"outcome": "instructed", "lines": [{"kind": "invoice", "settles": "I2", "amount_pence": 7}]}]}]
    assert rec.paid_by_invoice(runs) == {"I1": 5}


def test_accrual_rows_are_keyed_by_provider_service_and_cost_centre():
    answer = {"rows": [{"provider_id": "P", "service_type": "home_care", "cost_centre": "ASC-CARE",
                        rec.ACCRUED: 10, rec.INVOICED_UNPAID: 3}]}
    assert rec.accrual_rows(answer) == {("P", "home_care", "ASC-CARE"): (10, 3)}
    assert rec.half_up(7, 2) == 4 and rec.half_up(-7, 2) == -4


def test_the_demo_summary_names_where_the_month_was_invoiced_above_its_commitment():
    from shared.demo.summary import invoiced_above_committed

    rows = {"Home care": {"committed_pence": 500, "invoiced_pence": 480},
            "Residential care": {"committed_pence": 500, "invoiced_pence": 501}}
    assert invoiced_above_committed(rows) == ["Residential care"]
