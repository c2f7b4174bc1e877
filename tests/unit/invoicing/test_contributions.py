"""The person's contribution charged per four-weekly period: the contribution in force each day (the one
decided last), only days of council-funded arranged care or an ISF, never more than the care delivered,
rounded once, stopped by an end or a death, and revised by the difference."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.common import Funding, SpendMechanism
from services.invoicing.domain.contributions import (ContributionDecision, DeliveredVisit, DirectPaymentWindow,
                                                     charge_for_period, contribution_in_force, died_before,
                                                     next_revision, periods_to_charge)
from services.invoicing.domain.errors import InvalidInvoiceInput
from services.invoicing.domain.facts import Suspension
from services.invoicing.domain.periods import Period
from services.invoicing.steps.contributions import chargeable_period
from shared.errors import IllegalState
from tests.unit.invoicing.invoicing_builders import FOUR_WEEKS, MONDAY, day, home_care, residential

T0 = datetime(2026, 2, 1, 9, tzinfo=timezone.utc)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


AGREED = ContributionDecision(5_000, at(0))


def delivered(agreement_id: str, days: range, pence: int = 2_400) -> list[DeliveredVisit]:
    return [DeliveredVisit(agreement_id, day(n), pence) for n in days]


def test_the_contribution_in_force_is_the_one_decided_last_of_those_in_force():
    reassessed = ContributionDecision(7_000, at(10), effective_from=day(10))
    later_request = ContributionDecision(6_000, at(20))
    assert contribution_in_force([AGREED, reassessed], day(9)) == AGREED
    assert contribution_in_force([AGREED, reassessed], day(10)) == reassessed
    # A budget agreed with a later request replaces the earlier decisions at once.
    assert contribution_in_force([AGREED, reassessed, later_request], day(10)) == later_request
    # Before any decision is in force, none applies.
    assert contribution_in_force([reassessed], day(9)) is None


def test_a_reassessment_mid_period_charges_each_day_at_the_contribution_then_in_force():
    care = residential(person="P-1", weekly_pence=70_000)
    reassessed = ContributionDecision(7_000, at(10), effective_from=day(10))
    got = charge_for_period([AGREED, reassessed], [care], [], FOUR_WEEKS)
    # 10 days at £50.00 a week and 18 at £70.00: (50,000 + 126,000) / 7 = 25,142.857... -> 25,143.
    assert (got.care_days, got.contribution_pence, got.care_cost_pence) == (28, 25_143, 280_000)
    assert (got.charged_pence, got.capped) == (25_143, False)
    assert got.reason == ("Contribution £50.00 a week for 10 days from 2 Mar 2026, £70.00 a week for 18 days "
                          "from 12 Mar 2026: £251.43")


def test_the_charge_is_capped_at_the_cost_of_care_delivered():
    care = home_care(person="P-1")
    visits = delivered(care.agreement_id, range(0, 3))  # three £24.00 visits in four weeks
    got = charge_for_period([AGREED], [care], visits, FOUR_WEEKS)
    assert (got.contribution_pence, got.care_cost_pence, got.charged_pence, got.capped) == (20_000, 7_200, 7_200, True)
    assert "capped at the cost of care delivered in 2–29 Mar 2026, £72.00" in got.reason


def test_care_delivered_counts_only_payable_days_of_charged_care_in_the_period():
    care = replace(home_care(person="P-1", end=day(20)), suspensions=(Suspension(day(5), day(7)),))
    visits = (delivered(care.agreement_id, range(0, 28))  # every day of the period, and beyond it
              + [DeliveredVisit(care.agreement_id, day(28), 2_400), DeliveredVisit("AGR-OTHER", day(1), 99_999)])
    got = charge_for_period([ContributionDecision(70_000, at(0))], [care], visits, FOUR_WEEKS)
    # Days 0..20 less days 5 and 6 suspended: 19 days of care, 19 visits.
    assert (got.care_days, got.care_cost_pence, got.contribution_pence) == (19, 19 * 2_400, 190_000)
    assert got.charged_pence == 19 * 2_400 and got.capped


def test_only_council_funded_arranged_care_and_isfs_are_charged():
    isf = replace(residential("AGR-ISF", person="P-1", weekly_pence=35_000), mechanism=SpendMechanism.ISF)
    managed = replace(residential("AGR-DPM", person="P-1", weekly_pence=35_000),
                      mechanism=SpendMechanism.DIRECT_PAYMENT_MANAGED, funding=Funding.MANAGED_ACCOUNT)
    got = charge_for_period([AGREED], [isf, managed], [], FOUR_WEEKS)
    assert (got.contribution_pence, got.care_cost_pence) == (20_000, 140_000)  # the ISF's plan only
    nothing = charge_for_period([AGREED], [managed], [], FOUR_WEEKS)
    assert (nothing.care_days, nothing.charged_pence) == (0, 0) and "nothing to charge" in nothing.reason


def test_charges_stop_at_the_end_of_care_a_death_included():
    care = residential(person="P-1", weekly_pence=70_000, end=day(13))  # died on the 14th day
    got = charge_for_period([AGREED], [care], [], FOUR_WEEKS)
    assert (got.care_days, got.contribution_pence, got.care_cost_pence) == (14, 10_000, 140_000)
    after = Period(day(28), day(55))
    assert charge_for_period([AGREED], [care], [], after).charged_pence == 0
    assert died_before([day(13)], after) == day(13)
    assert died_before([day(13), day(20)], FOUR_WEEKS) is None  # the period of the death is still charged
    assert died_before([], after) is None


def test_a_day_with_a_direct_payment_in_force_is_no_day_of_contribution():
    care = residential(person="P-1", weekly_pence=70_000)
    # In force from the 15th day to the 21st inclusive: its 7 days were paid net of the contribution.
    window = DirectPaymentWindow("DP-1", day(14), day(20))
    got = charge_for_period([AGREED], [care], [], FOUR_WEEKS, direct_payments=[window])
    assert (got.care_days, got.contribution_pence, got.care_cost_pence) == (28, 15_000, 280_000)
    assert got.reason == ("Contribution £50.00 a week for 21 days from 2 Mar 2026: £150.00; 7 days of care from "
                          "16 Mar 2026 not charged: a direct payment in force then is paid net of the contribution")
    # Not yet ended, from before the period: it takes every day, and the charge is £0.00 with its reason.
    whole = charge_for_period([AGREED], [care], [], FOUR_WEEKS,
                              direct_payments=[DirectPaymentWindow("DP-1", day(-30))])
    assert (whole.care_days, whole.charged_pence) == (28, 0)
    assert whole.reason.startswith("No contribution for 2–29 Mar 2026; 28 days of care from 2 Mar 2026 not charged")
    # Ended before the period, or starting after it: no day taken.
    for other in (DirectPaymentWindow("DP-1", day(-30), day(-1)), DirectPaymentWindow("DP-1", day(28))):
        assert charge_for_period([AGREED], [care], [], FOUR_WEEKS, direct_payments=[other]).charged_pence == 20_000


def test_no_day_after_the_persons_death_is_charged_whatever_the_agreements_say():
    care = residential(person="P-1", weekly_pence=70_000)  # its end not (yet) moved to the death
    got = charge_for_period([AGREED], [care], [], FOUR_WEEKS, died=day(13))
    assert (got.care_days, got.charged_pence) == (14, 10_000)
    assert got.reason.endswith("; nothing after the person's death on 15 Mar 2026")
    after = charge_for_period([AGREED], [care], [], Period(day(28), day(55)), died=day(13))
    assert (after.care_days, after.charged_pence) == (0, 0)
    assert after.reason == "No charge for 30 Mar – 26 Apr 2026: it is after the person's death on 15 Mar 2026"
    assert next_revision(20_000, 1, after) == (2, -20_000)


def test_the_contribution_is_rounded_once_for_the_period():
    care = residential(person="P-1", start=MONDAY, end=day(1))
    # £10.04 a week for a day is 143 3/7p, then £10.11 a week for a day 144 3/7p: 287 6/7p in all -> 288p,
    # where rounding each day (or each run) would make 287p.
    decisions = [ContributionDecision(1_004, at(0)), ContributionDecision(1_011, at(1), effective_from=day(1))]
    assert charge_for_period(decisions, [care], [], FOUR_WEEKS).contribution_pence == 288
    whole = residential(person="P-1")
    assert charge_for_period([ContributionDecision(1_001, at(0))], [whole], [], FOUR_WEEKS).contribution_pence == 4_004


def test_a_revision_is_the_difference_from_what_is_charged_and_may_be_negative():
    care = residential(person="P-1", weekly_pence=70_000)
    first = charge_for_period([AGREED], [care], [], FOUR_WEEKS)
    assert next_revision(None, 0, first) == (1, 20_000)
    assert next_revision(20_000, 1, first) is None  # unchanged: nothing recorded, nothing published
    died = charge_for_period([AGREED], [replace(care, end=day(13))], [], FOUR_WEEKS)
    revision = next_revision(20_000, 1, died)
    assert (revision.revision, revision.change_pence) == (2, -10_000)
    none = charge_for_period([AGREED], [], [], FOUR_WEEKS)
    assert next_revision(None, 0, none) is None  # no care and nothing charged: nothing to record
    assert next_revision(10_000, 2, none) == (3, -10_000)  # care taken away: the charge comes down to nothing
    nothing_delivered = charge_for_period([AGREED], [home_care(person="P-1")], [], FOUR_WEEKS)
    assert next_revision(None, 0, nothing_delivered) == (1, 0)  # care but none delivered: recorded, £0.00


def test_the_job_charges_the_last_three_periods_over_for_long_enough():
    anchor = date(2024, 4, 1)
    # The period 2-29 Mar 2026 has been over for 7 days on 6 Apr 2026, not yet on 5 Apr.
    assert [p.first for p in periods_to_charge(date(2026, 4, 6), 7, anchor)] == [
        date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2)]
    assert periods_to_charge(date(2026, 4, 5), 7, anchor)[-1].first == date(2026, 2, 2)


def test_a_period_not_over_is_refused_by_the_day_and_a_day_that_starts_none_by_its_shape():
    start = date(2026, 3, 2)  # a four-weekly period from the default anchor (1 Apr 2024): 2-29 Mar 2026
    assert chargeable_period(start, date(2026, 3, 30)) == Period(start, date(2026, 3, 29))
    with pytest.raises(IllegalState) as not_over:  # 409: the same request goes through from 30 Mar
        chargeable_period(start, date(2026, 3, 29))
    assert (not_over.value.code, not_over.value.field) == ("period_not_over", "period_start")
    assert "not over yet: it ends on 29 Mar 2026" in str(not_over.value)
    with pytest.raises(InvalidInvoiceInput) as no_period:  # 422: no day ever makes it one
        chargeable_period(start + timedelta(days=1), date(2026, 6, 1))
    assert no_period.value.field == "period_start"
