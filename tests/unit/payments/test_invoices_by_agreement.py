"""Each invoice judged and charged agreement by agreement (its agreement periods): left out as after an
agreement's end only when the days it charges THAT agreement run past its end; its amount (and its credit
notes) split between the agreements' cost centres so the split sums exactly to it; the journal charges
each cost centre its share, consolidated by (cost centre, subjective), the control credit unchanged."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.payments.domain.agreement_split import charges_of, split_pence
from services.payments.domain.files.gl_journal import journal_lines
from services.payments.domain.inputs import AgreementShare, CreditNote, ProviderCredit
from services.payments.domain.invariants import run_breaches
from services.payments.domain.run_lines import ExclusionReason
from tests.unit.payments.builders import MAPPING, WEEK_END, WEEK_START, approved, invoice, propose

WED = date(2026, 2, 25)  # the Wednesday of the invoiced week (23 Feb - 1 Mar 2026)


def share(agreement: str, pence: int, *, last_day: date = WEEK_END, end: date | None = None,
          cost_centre: str = "") -> AgreementShare:
    return AgreementShare(agreement, WEEK_START, last_day, pence, end, cost_centre)


def two_people(*, died_last_day: date, pence: int = 10_000, **kw):
    """A provider's invoice for two people: one died on Wednesday, the other's care goes on."""
    periods = (share("AGR-DIED", 4_000, last_day=died_last_day, end=WED, cost_centre="ASC-NORTH"),
               share("AGR-LIVES", 6_000, cost_centre="ASC-SOUTH"))
    # The invoice-wide end (the earliest) is what was judged before: it would leave the invoice out.
    return invoice(pence=pence, agreement_end=WED, agreement_periods=periods, **kw)


@pytest.mark.parametrize(("amount", "weights", "parts"), [
    (10_000, [4_000, 6_000], [4_000, 6_000]),
    (100, [1, 1, 1], [34, 33, 33]),  # the pence left over to the largest remainder, ties to the first
    (10, [1, 2], [3, 7]),  # 3.33 and 6.67: the odd penny to the larger remainder
    (7, [0, 0], [4, 3]),  # no amounts said: split evenly
    (-100, [1, 1, 1], [-34, -33, -33]),  # a credit note splits like its invoice
    (0, [5, 5], [0, 0]),
])
def test_a_split_sums_exactly_to_the_amount_by_largest_remainder(amount, weights, parts):
    assert split_pence(amount, weights) == parts
    assert sum(split_pence(amount, weights)) == amount


@pytest.mark.parametrize("amount", [1, 99, 10_001, 123_457, 999_999_999])
def test_a_split_of_amounts_unlike_the_periods_still_sums_exactly(amount):
    charges = charges_of(amount, [share("A", 3_333), share("B", 3_333), share("C", 3_334)])
    assert sum(c.amount_pence for c in charges) == amount
    assert max(c.amount_pence for c in charges) - min(c.amount_pence for c in charges) <= 1 + amount // 10_000


def test_lines_that_stop_at_the_death_are_paid():
    run = propose([two_people(died_last_day=WED)])
    assert run.exclusions == ()
    [line] = run.payments[0].lines
    assert line.amount_pence == 10_000 and line.agreement_end is None
    assert [(c.agreement_id, c.cost_centre, c.amount_pence, c.agreement_end) for c in line.charges] == [
        ("AGR-DIED", "ASC-NORTH", 4_000, WED), ("AGR-LIVES", "ASC-SOUTH", 6_000, None)]
    assert run_breaches(approved(run)) == []


def test_lines_that_run_past_the_death_leave_the_invoice_out_naming_the_agreement():
    run = propose([two_people(died_last_day=date(2026, 2, 26))])
    assert run.payments == ()
    [left_out] = run.exclusions
    assert left_out.reason is ExclusionReason.AFTER_AGREEMENT_END
    assert "AGR-DIED" in left_out.detail and "2026-02-26" in left_out.detail and "AGR-LIVES" not in left_out.detail


def test_one_agreement_charged_days_within_its_end_is_paid_though_the_period_runs_on():
    periods = (share("AGR-1", 3_000, last_day=WED, end=WED),)
    assert propose([invoice(pence=3_000, agreement_periods=periods)]).payments[0].invoice_ids == ("INV-1",)


def test_without_agreement_periods_the_whole_period_is_held_to_the_earliest_end_as_before():
    run = propose([invoice(agreement_end=WED)])
    assert [e.reason for e in run.exclusions] == [ExclusionReason.AFTER_AGREEMENT_END]


def test_a_charge_past_its_agreement_s_end_is_a_breach_of_the_run_rules():
    run = propose([two_people(died_last_day=WED)])
    line = run.payments[0].lines[0]
    late = replace(line, charges=(replace(line.charges[0], last_day=date(2026, 2, 27)),) + line.charges[1:])
    broken = replace(run, payments=(replace(run.payments[0], lines=(late,)),))
    assert [b.rule for b in run_breaches(broken)] == ["after_agreement_end"]
    short = replace(line, charges=line.charges[:1])
    assert [b.rule for b in run_breaches(replace(run, payments=(replace(run.payments[0], lines=(short,)),)))] == [
        "charges_mismatch"]


def test_the_journal_charges_each_agreement_s_cost_centre_its_share():
    both = CreditNote("CN-1", 2_001, "late ECM correction", agreement_ids=("AGR-DIED", "AGR-LIVES"))
    run = approved(propose([two_people(died_last_day=WED, pence=10_001, credit_notes=(both,)),
                            invoice("INV-2", pence=500, cost_centre="ASC-SOUTH")]))
    lines = journal_lines(run, MAPPING)
    # 10,001 as 4:6 is 4,000.4 and 6,000.6 (the odd penny to SOUTH); the credit for both people, -2,001, as
    # -800.4 and -1,200.6.
    assert [(x.cost_centre, x.subjective_code, x.debit_pence) for x in lines[:-1]] == [
        ("ASC-NORTH", "5110", 4_000 - 800), ("ASC-SOUTH", "5110", 6_001 - 1_201 + 500)]
    assert (lines[-1].cost_centre, lines[-1].credit_pence) == ("FIN-CONTROL", run.total_pence)
    assert sum(x.debit_pence for x in lines) == run.total_pence == 10_001 - 2_001 + 500


def three_people() -> tuple[AgreementShare, ...]:
    return (share("AGR-A", 3_000, last_day=WED, end=WED, cost_centre="ASC-NORTH"),
            share("AGR-B", 3_000, cost_centre="ASC-SOUTH"), share("AGR-C", 4_000, cost_centre="ASC-WEST"))


def test_a_credit_note_for_one_agreement_credits_only_that_agreement_s_cost_centre():
    overpaid = CreditNote("CN-A", 1_234, "Overpayment", agreement_ids=("AGR-A",))
    run = approved(propose([invoice(pence=10_000, cost_centre="", agreement_periods=three_people(),
                                    credit_notes=(overpaid,))]))
    assert run_breaches(run) == []
    note = run.payments[0].lines[1]
    assert [(c.agreement_id, c.cost_centre, c.amount_pence) for c in note.charges] == [("AGR-A", "ASC-NORTH", -1_234)]
    assert {x.cost_centre: x.debit_pence - x.credit_pence for x in journal_lines(run, MAPPING)[:-1]} == {
        "ASC-NORTH": 3_000 - 1_234, "ASC-SOUTH": 3_000, "ASC-WEST": 4_000}


def test_a_credit_note_for_two_of_three_agreements_splits_over_their_periods_exactly():
    two = CreditNote("CN-BC", 1_001, agreement_ids=("AGR-C", "AGR-B"))
    run = propose([invoice(pence=10_000, cost_centre="", agreement_periods=three_people(), credit_notes=(two,))])
    # 1,001 over B's and C's periods only (3,000 : 4,000) is exactly 429 and 572; A's share nothing.
    charges = run.payments[0].lines[1].charges
    assert [(c.agreement_id, c.amount_pence) for c in charges] == [("AGR-B", -429), ("AGR-C", -572)]
    assert sum(c.amount_pence for c in charges) == -1_001


@pytest.mark.parametrize(("named", "centre"), [((), "ASC-DP"), (("AGR-ELSEWHERE",), "ASC-DP")])
def test_a_credit_note_whose_agreements_the_periods_do_not_name_goes_to_the_invoice_s_cost_centre(named, centre):
    unknown = CreditNote("CN-X", 900, agreement_ids=named)
    run = approved(propose([invoice(pence=10_000, cost_centre="", agreement_periods=three_people(),
                                    credit_notes=(unknown,))]))
    assert run.payments[0].lines[1].charges == ()
    journal = {x.cost_centre: x.debit_pence - x.credit_pence for x in journal_lines(run, MAPPING)[:-1]}
    assert journal[centre] == -900 and journal["ASC-NORTH"] == 3_000  # not shared out pro rata


def test_a_credit_on_a_paid_invoice_is_split_over_its_agreements_else_charged_to_its_cost_centre():
    def credit(id: str, split_by=(), agreements=(), cost_centre="") -> ProviderCredit:
        return ProviderCredit(id, "PRV-1", "INV-OLD", 1_000, invoice().service_type, cost_centre, WEEK_START,
                              WEEK_END, split_by=split_by, agreement_ids=agreements)

    run = approved(propose([invoice(pence=5_000, cost_centre="ASC-SOUTH")],
                           credits=[credit("CN-1", three_people(), ("AGR-A",)),
                                    credit("CN-2", three_people(), ("AGR-B", "AGR-C")),
                                    credit("CN-3", cost_centre="ASC-EAST"),  # no periods: the invoice's
                                    credit("CN-4")]))  # nothing known: the default
    assert run_breaches(run) == []  # money given back is not held to the agreement's end
    assert {x.cost_centre: x.debit_pence - x.credit_pence for x in journal_lines(run, MAPPING)[:-1]} == {
        "ASC-NORTH": -1_000, "ASC-SOUTH": 5_000 - 429, "ASC-WEST": -571, "ASC-EAST": -1_000,
        MAPPING.default_cost_centre: -1_000}
