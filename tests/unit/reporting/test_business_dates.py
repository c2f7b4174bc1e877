"""Figures on business dates: budgets from their own day, committed from each rate's date, invoices
spread over the days they pay for, missed visits from confirmed weeks once, cost centres."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

from contracts import agreements as ag
from contracts import delivery as dl
from contracts.common import ServiceType
from services.reporting.domain import invoices as inv
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.attribution import shares, spread
from services.reporting.domain.commitments import (Rate, Window, agreement_commitment, budget_rates, integrate,
                                                   intervals, steps)
from services.reporting.domain.dims import AgreementDim, heard
from services.reporting.domain.invoices import Invoice
from services.reporting.domain.visits import MissedVisit, confirmed_outcomes, heard_missed
from services.reporting.handlers.agreements import line_rates
from services.reporting.handlers.requests import effective_from

MONDAY = date(2026, 3, 2)
WEEK = timedelta(days=7)


def D(days: int) -> timedelta:  # noqa: N802 (reads as a length)
    return timedelta(days=days)

DIM = AgreementDim("AGR-1", "P-1", "PRV-1", "home_care", "council_arranged", cost_centre="ASC-NORTH")


def test_a_budget_applies_from_its_effective_day_and_a_later_one_replaces_it_from_its_own():
    budgets = [(1, MONDAY + 3 * WEEK, MONDAY, 10_000, 0),  # agreed three weeks after it applies
               (2, MONDAY + 5 * WEEK, MONDAY + 4 * WEEK, 12_000, 0),  # a reassessment from week 4
               (3, MONDAY + 6 * WEEK, None, 9_000, 0)]  # no effective day said: from the day agreed
    assert budget_rates(budgets) == [Rate(MONDAY, 10_000), Rate(MONDAY + 4 * WEEK, 12_000),
                                     Rate(MONDAY + 6 * WEEK, 9_000)]
    # a later budget effective earlier replaces everything said from its day on
    assert budget_rates([*budgets, (4, MONDAY + 7 * WEEK, MONDAY + WEEK, 8_000, 0)]) == [
        Rate(MONDAY, 10_000), Rate(MONDAY + WEEK, 8_000)]


def test_the_budget_events_say_their_own_day():
    from contracts import requests as rq
    agreed = rq.BudgetAgreed(request_id="R-1", person_ref="P-1", weekly_budget_pence=1, weekly_contribution_pence=0,
                             effective_from=MONDAY)
    assert effective_from(agreed) == MONDAY
    assert effective_from(agreed.model_copy(update={"effective_from": None})) is None
    reassessed = rq.BudgetReassessed(request_id="R-1", person_ref="P-1", reassessment_id="RA-1",
                                     effective_from=MONDAY + WEEK, weekly_budget_pence=2, weekly_contribution_pence=0,
                                     previous_weekly_budget_pence=1, previous_weekly_contribution_pence=0)
    assert effective_from(reassessed) == MONDAY + WEEK


def _line(aid: str, weekly: int, rates: list[tuple[date, int]]) -> ag.CommitmentLine:
    return ag.CommitmentLine(agreement_id=aid, kind="agreement", provider_id="PRV-1", weekly_pence=weekly,
                             annual_pence=weekly * 52, service_type=ServiceType.HOME_CARE,
                             rates=[ag.WeeklyRate(from_date=d, weekly_pence=p) for d, p in rates])


def test_a_line_with_rates_replaces_the_agreements_history_and_one_without_counts_from_as_of():
    event = ag.CommitmentChanged(person_ref="P-1", as_of=MONDAY + 3 * WEEK, weekly_budget_pence=None,
                                 weekly_commitment_pence=0, annual_commitment_pence=0, exceeded=False,
                                 lines=[_line("AGR-1", 7_700, [(MONDAY, 7_000), (MONDAY + D(10), 7_700)]),
                                        _line("AGR-2", 3_500, [])])
    held = {"lines": [{"agreement_id": "AGR-1"}, {"agreement_id": "AGR-GONE"}]}
    assert line_rates(event, held) == {"AGR-1": {MONDAY: 7_000, MONDAY + D(10): 7_700}, "AGR-2": None,
                                       "AGR-GONE": None}


def test_an_agreement_entered_late_commits_from_its_start_clipped_by_its_suspension_and_end():
    rates = [Rate(MONDAY, 7_000), Rate(MONDAY + D(10), 14_000)]  # a mid-week uplift on the second Thursday
    window = Window(MONDAY, MONDAY + 4 * WEEK - timedelta(days=1), ((MONDAY + 2 * WEEK, MONDAY + 3 * WEEK),))
    spans = intervals(rates, window)
    week = [integrate(list(steps(spans).items()), MONDAY + i * WEEK, MONDAY + i * WEEK + timedelta(days=6))
            for i in range(5)]
    assert week == [7 * 7_000, 3 * 7_000 + 4 * 14_000, 0, 7 * 14_000, 0]


def test_commitments_and_facts_count_under_the_agreements_cost_centre():
    keys = {c.key[:2] for c in agreement_commitment([(MONDAY, None, 7_000)], DIM)}
    assert keys == {("provider", ""), ("person", "P-1"), ("cost_centre", "ASC-NORTH")}
    unknown = AgreementDim("AGR-1", "P-1", "PRV-1")
    assert unknown.dims.cost_centre == "unassigned"
    assert heard(unknown, AgreementDim("AGR-1", "P-1", "PRV-1", cost_centre="ASC-NORTH")).dims.cost_centre == \
        "ASC-NORTH"
    assert heard(DIM, AgreementDim("AGR-1", "P-1", "PRV-1", "home_care")).cost_centre == "ASC-NORTH"


def test_a_four_week_invoice_counts_a_quarter_in_each_week_to_the_penny():
    parts = shares([(MONDAY, MONDAY + 4 * WEEK - timedelta(days=1), 1)], "week")
    assert parts == {MONDAY + i * WEEK: Fraction(1, 4) for i in range(4)}
    for pence in (100_000, 100_001, 100_003, 7, 1, -100_002):
        weeks = spread(pence, parts)
        assert sum(weeks.values()) == pence
        assert max(weeks.values()) - min(weeks.values()) <= 1


def test_agreement_periods_weight_the_days_by_their_amounts():
    # one agreement charged for week 1 (3000), another for weeks 1-2 (1000 over 14 days)
    parts = shares([(MONDAY, MONDAY + timedelta(days=6), 3_000), (MONDAY, MONDAY + timedelta(days=13), 1_000)],
                   "week")
    assert parts == {MONDAY: Fraction(7, 8), MONDAY + WEEK: Fraction(1, 8)}
    assert spread(4_001, parts) == {MONDAY: 3_501, MONDAY + WEEK: 500}


def _four_weekly(i: Invoice, amount: int = 100_001) -> Invoice:
    last = MONDAY + 4 * WEEK - timedelta(days=1)
    i = inv.documented(i, kind="self_billed", service_type="residential", agreement_ids=["AGR-1"],
                       person_refs=["P-1"], period_start=MONDAY, period_end=last, total_pence=amount)
    return inv.approved(i, revision=1, kind="self_billed", service_type="residential", agreement_ids=["AGR-1"],
                        period_start=MONDAY, period_end=last, amount_pence=amount, received_on=last,
                        valid_on=last, due_date=last + 30 * timedelta(days=1), approved_on=last,
                        spans=((MONDAY, last, amount),))


def test_an_invoice_and_its_payment_spread_over_its_weeks_and_months_exactly():
    invoice = inv.paid(_four_weekly(Invoice("INV-1", "PRV-1")), "PAY-1", 100_001, MONDAY + D(40))
    deltas = Deltas()
    deltas.add(inv.contributions(invoice, {"AGR-1": DIM}))
    rows = dict(deltas.changes("spend"))
    weeks = {k[2]: v for k, v in rows.items() if k[:2] == ("provider", "week")}
    assert sorted(weeks) == [MONDAY + i * WEEK for i in range(4)]
    assert sum(v[1] for v in weeks.values()) == 100_001 and sum(v[2] for v in weeks.values()) == 100_001
    assert {v[1] for v in weeks.values()} <= {25_000, 25_001}
    months = {k[2]: v for k, v in rows.items() if k[:2] == ("provider", "month")}
    assert months == {date(2026, 3, 1): (0, 100_001, 100_001)}  # 2-29 March: one month
    by_centre = {k[3] for k in rows if k[0] == "cost_centre"}
    assert by_centre == {"ASC-NORTH"}
    # the JSON kept in invoice_fact brings the spans back
    assert Invoice.from_json(invoice.to_json()) == invoice


def test_an_invoice_kept_before_its_period_end_still_counts_on_its_first_day():
    old = Invoice.from_json({**_four_weekly(Invoice("INV-1", "PRV-1")).to_json(), "period_end": None, "spans": []})
    deltas = Deltas()
    deltas.add(inv.contributions(old, {"AGR-1": DIM}))
    assert {k[2] for k, _ in deltas.changes("spend") if k[:2] == ("provider", "week")} == {MONDAY}


def _confirmed(outcome: str) -> dl.PeriodActualsConfirmed:
    start = datetime(2026, 3, 3, 9, tzinfo=timezone.utc)
    return dl.PeriodActualsConfirmed(
        agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-1", week_start=MONDAY, confirmed_by="provider",
        lines=[], payable_minutes=0, amount_pence=0, adjustments_pence=0,
        planned=[dl.PlannedVisitOutcome(visit_key="V-1", local_date=MONDAY + D(1), planned_start=start,
                                        planned_minutes=30, carers_required=2, outcome=outcome),
                 dl.PlannedVisitOutcome(visit_key="V-2", local_date=MONDAY + D(2),
                                        planned_start=start + timedelta(days=1), planned_minutes=30,
                                        carers_required=1, outcome="delivered")])


def test_a_missed_visit_alerted_live_and_confirmed_missed_is_one_fact_in_any_order():
    alert = MissedVisit("V-1", "AGR-1", MONDAY + D(1), 2)
    confirmed = confirmed_outcomes(_confirmed("missed"))
    finals = set()
    for order in itertools.permutations([alert, *confirmed]):
        held: dict[str, MissedVisit | None] = {}
        for told in order:
            held[told.visit_key] = heard_missed(held.get(told.visit_key), told)
        finals.add(tuple(sorted((k, v) for k, v in held.items() if v)))
    assert finals == {(("V-1", MissedVisit("V-1", "AGR-1", MONDAY + D(1), 2, alerted=True, confirmed=True)),)}


def test_a_reconfirmed_week_that_found_the_visit_withdraws_a_miss_only_it_said():
    missed = heard_missed(None, confirmed_outcomes(_confirmed("missed"))[0])
    assert missed is not None and missed.confirmed and not missed.alerted
    assert heard_missed(missed, confirmed_outcomes(_confirmed("delivered"))[0]) is None
    alerted = MissedVisit("V-1", "AGR-1", MONDAY + D(1), 2)
    assert heard_missed(alerted, confirmed_outcomes(_confirmed("cancelled"))[0]) == alerted


def _split_invoice(amount: int = 10_001) -> Invoice:
    """A provider's invoice for two people: AGR-1 charged 6,000 for week 1, AGR-2 4,000 for weeks 1-2."""
    spans = ((MONDAY, MONDAY + D(6), 6_000), (MONDAY, MONDAY + D(13), 4_000))
    i = inv.documented(Invoice("INV-2", "PRV-1"), kind="provider", service_type="home_care",
                       agreement_ids=["AGR-2", "AGR-1"], person_refs=["P-1", "P-2"], period_start=MONDAY,
                       period_end=MONDAY + D(13), total_pence=amount)
    return inv.approved(i, revision=1, kind="provider", service_type="home_care", agreement_ids=["AGR-2", "AGR-1"],
                        period_start=MONDAY, period_end=MONDAY + D(13), amount_pence=amount, received_on=MONDAY,
                        valid_on=MONDAY, due_date=MONDAY + D(30), approved_on=MONDAY + D(14), spans=spans,
                        span_agreements=("AGR-1", "AGR-2"))


def test_an_invoice_for_several_agreements_counts_each_part_under_its_own_agreement_as_the_journal_splits_it():
    south = AgreementDim("AGR-2", "P-2", "PRV-1", "home_care", "council_arranged", cost_centre="ASC-SOUTH")
    invoice = inv.paid(_split_invoice(), "PAY-1", 10_001, MONDAY + D(20))
    deltas = Deltas()
    deltas.add(inv.contributions(invoice, {"AGR-1": DIM, "AGR-2": south}))
    rows = dict(deltas.changes("spend"))

    def by(grain: str, kind: str) -> dict:
        out: dict = {}
        for k, v in rows.items():
            if k[:2] == (grain, kind):
                out[k[3]] = tuple(a + b for a, b in zip(out.get(k[3], (0, 0, 0)), v))
        return out
    # the largest remainder of 6,000 : 4,000 (the penny to AGR-1, listed first), like payments' journal
    assert by("cost_centre", "month") == {"ASC-NORTH": (0, 6_001, 6_001), "ASC-SOUTH": (0, 4_000, 4_000)}
    assert by("cost_centre", "week") == by("cost_centre", "month")
    assert by("person", "month") == {"P-1": (0, 6_001, 6_001), "P-2": (0, 4_000, 4_000)}
    assert by("provider", "month") == {"": (0, 10_001, 10_001)}  # the invoice's totals are unchanged
    weeks = {k[2]: v for k, v in rows.items() if k[:2] == ("cost_centre", "week") and k[3] == "ASC-SOUTH"}
    assert weeks == {MONDAY: (0, 2_000, 2_000), MONDAY + WEEK: (0, 2_000, 2_000)}
    assert Invoice.from_json(invoice.to_json()) == invoice


def test_moving_one_agreements_dims_moves_only_its_part_of_a_split_invoice():
    south = AgreementDim("AGR-2", "P-2", "PRV-1", "home_care", "council_arranged", cost_centre="ASC-SOUTH")
    invoice = _split_invoice()
    counted = Deltas()
    counted.add(inv.contributions(invoice, {"AGR-1": AgreementDim("AGR-1", "", "PRV-1"), "AGR-2": south}))
    # AGR-1's dims heard later: the agreements handler replaces its part alone
    counted.replace(inv.contributions(invoice, {"AGR-1": AgreementDim("AGR-1", "", "PRV-1")}),
                    inv.contributions(invoice, {"AGR-1": DIM}))
    direct = Deltas()
    direct.add(inv.contributions(invoice, {"AGR-1": DIM, "AGR-2": south}))
    assert counted.changes("spend") == direct.changes("spend")
    assert inv.reported_under(invoice) == ["AGR-1", "AGR-2"]
