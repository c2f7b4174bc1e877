"""Spend by mechanism: the filter, each fact's mechanism, and a council-managed direct payment counted once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.reporting.domain import direct_payments as dp
from services.reporting.domain import managed_accounts as ma
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.commitments import Rate, Window, agreement_commitment, intervals
from services.reporting.domain.dims import AgreementDim, heard
from services.reporting.domain.mechanisms import MECHANISMS, UnknownMechanism, parse_filter

MONDAY = date(2026, 3, 2)
LATER = MONDAY + timedelta(days=28)


def test_a_filter_is_repeated_or_comma_separated_and_kept_in_one_order():
    assert parse_filter(None) is None and parse_filter(["", " , "]) is None
    assert parse_filter(["isf, council_arranged", "isf"]) == ["council_arranged", "isf"]
    with pytest.raises(UnknownMechanism) as refused:
        parse_filter(["isf,council", "direct_payment"])
    assert refused.value.values == ["council", "direct_payment"]
    assert all(m in str(refused.value) for m in MECHANISMS)


def _dp_dim(*since: tuple[date, str]) -> AgreementDim:
    dim = None
    for day, mechanism in since:
        dim = heard(dim, AgreementDim("DP-1", "P-1", "", "direct_payment", mechanism, since=((day, mechanism),)))
    return dim


def test_a_direct_payments_mechanism_is_kept_from_each_day_a_variation_names():
    dim = _dp_dim((MONDAY, "direct_payment_person"), (LATER, "direct_payment_third_party"))
    assert dim.mechanism == "direct_payment_third_party"
    assert [dim.mechanism_on(d) for d in (MONDAY - timedelta(days=1), LATER - timedelta(days=1), LATER)] == \
        ["direct_payment_person", "direct_payment_person", "direct_payment_third_party"]
    # A later variation from an earlier day replaces what was said from that day on.
    again = heard(dim, AgreementDim("DP-1", "P-1", since=((MONDAY + timedelta(days=7), "direct_payment_managed"),),
                                    mechanism="direct_payment_managed"))
    assert again.since == ((MONDAY, "direct_payment_person"), (MONDAY + timedelta(days=7), "direct_payment_managed"))
    # An event that says nothing of the mechanism (an ending, a commitment line) keeps it.
    assert heard(again, AgreementDim("DP-1", "P-1", "", "direct_payment")) == again


def test_an_agreement_event_sets_its_mechanism_and_funding_together():
    funded = heard(AgreementDim("AGR-1", "P-1"), AgreementDim("AGR-1", "P-1", "PRV-1", "home_care",
                                                               "direct_payment_managed", "DP-1"))
    assert (funded.dims.mechanism, funded.funded_by) == ("direct_payment_managed", "DP-1")
    council = heard(funded, AgreementDim("AGR-1", "P-1", "PRV-1", "home_care", "council_arranged", None))
    assert (council.mechanism, council.funded_by) == ("council_arranged", None)
    assert AgreementDim("AGR-2", "P-1").dims.mechanism == "unknown"


def _committed(contributions) -> dict[tuple, int]:
    deltas = Deltas()
    deltas.add(contributions)
    return {k: v[0] for k, v in deltas.changes("commitment_step") if k[0] == "provider"}


def test_an_agreement_a_managed_account_funds_commits_nothing_of_its_own():
    spans = intervals([Rate(MONDAY, 7_000)], Window(MONDAY))
    funded = AgreementDim("AGR-1", "P-1", "PRV-1", "home_care", "direct_payment_managed", "DP-1")
    assert agreement_commitment(spans, funded) == []
    council = AgreementDim("AGR-1", "P-1", "PRV-1", "home_care", "council_arranged")
    assert _committed(agreement_commitment(spans, council)) == {
        ("provider", "", "home_care", "PRV-1", "council_arranged", MONDAY): 7_000}


def test_a_direct_payment_commits_under_each_mechanism_from_its_day():
    spans = intervals([Rate(MONDAY, 14_000)], Window(MONDAY))
    dim = _dp_dim((MONDAY, "direct_payment_person"), (LATER, "direct_payment_third_party"))
    assert _committed(agreement_commitment(spans, dim)) == {
        ("provider", "", "direct_payment", "", "direct_payment_person", MONDAY): 14_000,
        ("provider", "", "direct_payment", "", "direct_payment_person", LATER): -14_000,
        ("provider", "", "direct_payment", "", "direct_payment_third_party", LATER): 14_000}


def _paid(contributions) -> dict[str, int]:
    deltas = Deltas()
    deltas.add(contributions)
    return {k[6]: v[2] for k, v in deltas.changes("spend") if k[:2] == ("provider", "month")}


def test_a_direct_payment_into_a_managed_account_is_a_transfer_not_spend():
    dim = _dp_dim((MONDAY, "direct_payment_managed"))
    fact = dp.made(dp.DirectPaymentFact("DP-1", "D-1", "P-1"), 56_000, MONDAY, council_managed=True)
    assert dp.contributions(fact, dim) == []
    person = _dp_dim((MONDAY, "direct_payment_person"))
    to_person = dp.made(dp.DirectPaymentFact("DP-1", "D-1", "P-1"), 56_000, MONDAY, council_managed=False)
    assert _paid(dp.contributions(to_person, person)) == {"direct_payment_person": 56_000}
    assert dp.contributions(dp.returned(to_person), person) == []
    # Agreements says managed, payments paid it elsewhere: whose it was is not known.
    assert _paid(dp.contributions(to_person, dim)) == {"unknown": 56_000}


def test_a_managed_account_pays_personal_assistants_as_spend_and_providers_through_their_invoices():
    pa = ma.ManagedDebit("DP-1", "PAY-1", "PA-1", "personal_assistant", "P-1", date(2026, 3, 20), 6_789)
    assert _paid(ma.contributions(pa)) == {"direct_payment_managed": 6_789}
    provider = ma.ManagedDebit("DP-1", "PAY-2", "PRV-1", "provider", "P-1", date(2026, 3, 20), 12_345)
    assert ma.contributions(provider) == []
