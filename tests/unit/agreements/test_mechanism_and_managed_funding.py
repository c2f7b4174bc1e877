"""The mechanism and funding every agreement event carries, what direct payment events say, and a
commitment that counts care bought from a managed direct payment once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import agreements as contract
from contracts.common import Cycle, Funding, Mechanism, Nominee, ServiceType, SpendMechanism
from services.agreements.domain.agreements import Agreement
from services.agreements.domain.brokerage import draft_for_approved_request
from services.agreements.domain.commitments import commitment_of
from services.agreements.domain.direct_payments import DirectPayment, PaymentTerms
from services.agreements.domain.errors import Rejected
from services.agreements.events import agreement_event, direct_payment_agreed, direct_payment_varied
from tests.unit.agreements.builders import MONDAY, daily_visit, home_care, hourly

PAYEE = contract.BankAccount(sort_code="200000", account_number="12345678", account_name="DEMO CC DP CLIENT")


def managed_dp(person: str = "P-1", nominee: Nominee = Nominee.COUNCIL) -> DirectPayment:
    draft = DirectPayment("DP-1", person, 30_000, 5_000, MONDAY)
    return draft.complete(nominee=nominee, start=MONDAY, first_review=None, payee_set_by="u-1").agree("u-2")


def funded_by(dp_id: str | None, funding: Funding = Funding.MANAGED_ACCOUNT, person: str = "P-1") -> Agreement:
    draft = Agreement(agreement_id="AGR-MANAGED", person_ref=person, service_type=ServiceType.HOME_CARE)
    return draft.complete(provider_id="PRV-1", payment_basis="actuals", cycle=Cycle.WEEKLY, start=MONDAY, end=None,
                          concurrent=False, rates=[hourly(2400)], schedule=daily_visit(), weekly_units=None,
                          visit_rules=contract.VisitRules(), rate_card_id=None, funding=funding,
                          direct_payment_id=dp_id).activate([])


def test_an_agreement_names_its_funding_direct_payment_exactly_when_funded_by_a_managed_account():
    with pytest.raises(Rejected, match="required with funding managed_account") as caught:
        funded_by(None)
    assert caught.value.field == "direct_payment_id"
    with pytest.raises(Rejected, match="only with funding managed_account"):
        funded_by("DP-1", Funding.COUNCIL)


@pytest.mark.parametrize("event_type, specific", [
    (contract.AgreementActivated, {}),
    (contract.AgreementVaried, {"version": 2, "effective_from": MONDAY}),
    (contract.AgreementSuspended, {"suspended_from": MONDAY, "reason": "hospital"}),
    (contract.AgreementResumed, {"resumed_on": MONDAY}),
    (contract.AgreementEnded, {"reason": "other"}),
])
def test_every_agreement_event_carries_funding_its_direct_payment_and_mechanism(event_type, specific):
    managed = agreement_event(event_type, funded_by("DP-1"), **specific)
    assert (managed.funding, managed.direct_payment_id, managed.mechanism) == (
        Funding.MANAGED_ACCOUNT, "DP-1", SpendMechanism.DIRECT_PAYMENT_MANAGED)
    council = agreement_event(event_type, home_care(), **specific)
    assert (council.funding, council.direct_payment_id, council.mechanism) == (
        Funding.COUNCIL, None, SpendMechanism.COUNCIL_ARRANGED)


def test_an_agreement_drafted_from_an_isf_request_says_isf_and_a_council_arranged_one_council_arranged():
    common = dict(request_id="REQ-1", person_ref="P-1", service_type=ServiceType.HOME_CARE, requested_start=MONDAY,
                  nominee=None, weekly_budget_pence=30_000, weekly_contribution_pence=0, preferred_provider_id=None,
                  preferred_provider_known=False)
    isf = draft_for_approved_request(mechanism=Mechanism.ISF, **common)
    arranged = draft_for_approved_request(mechanism=Mechanism.COUNCIL_ARRANGED, **common)
    assert (isf.mechanism, arranged.mechanism) == (SpendMechanism.ISF, SpendMechanism.COUNCIL_ARRANGED)


def test_direct_payment_events_carry_the_mechanism_from_the_nominee_set_explicitly():
    agreed, _ = direct_payment_agreed(managed_dp(), PAYEE)
    assert "mechanism" in agreed.model_fields_set and agreed.mechanism is SpendMechanism.DIRECT_PAYMENT_MANAGED
    assert (agreed.cycle, agreed.review_interval_months, agreed.amount_per_four_weeks_pence) == (
        Cycle.FOUR_WEEKLY, 12, 100_000)
    person, _ = direct_payment_agreed(managed_dp(nominee=Nominee.PERSON), PAYEE)
    assert person.mechanism is SpendMechanism.DIRECT_PAYMENT_PERSON
    terms = PaymentTerms(2, MONDAY + timedelta(days=14), 35_000, 5_000, Cycle.WEEKLY, "RAS-1")
    varied = direct_payment_varied(managed_dp().with_version(terms), terms)
    assert "mechanism" in varied.model_fields_set
    assert varied.model_dump(include={"version", "effective_from", "weekly_budget_pence", "cycle", "reassessment_id",
                                      "amount_per_four_weeks_pence", "start", "mechanism"}) == {
        "version": 2, "effective_from": MONDAY + timedelta(days=14), "weekly_budget_pence": 35_000,
        "cycle": Cycle.WEEKLY, "reassessment_id": "RAS-1", "amount_per_four_weeks_pence": 120_000, "start": MONDAY,
        "mechanism": SpendMechanism.DIRECT_PAYMENT_MANAGED}


def test_care_bought_from_a_managed_direct_payment_is_not_counted_on_top_of_the_payment():
    dp = managed_dp()  # £300 gross a week
    funded = funded_by("DP-1")
    commitment = commitment_of("P-1", MONDAY, [funded], [dp], weekly_budget_pence=30_000)
    # The agreement keeps its line (it bounds its invoices), naming the payment that pays for it.
    assert [(line.agreement_id, line.funded_by) for line in commitment.lines] == [
        (funded.agreement_id, "DP-1"), ("DP-1", None)]
    assert commitment.lines[0].weekly_pence == 7 * 2400
    assert (commitment.weekly_pence, commitment.exceeded) == (30_000, False)
    # The same care paid by the council itself is on top of the direct payment.
    council = commitment_of("P-1", MONDAY, [home_care("P-1")], [dp], weekly_budget_pence=30_000)
    assert council.weekly_pence == 30_000 + 7 * 2400 and council.exceeded


def test_a_varied_direct_payment_is_committed_under_the_version_in_force_each_day():
    dp = managed_dp().with_version(PaymentTerms(2, MONDAY + timedelta(days=3), 37_000, 5_000))
    commitment = commitment_of("P-1", MONDAY, [], [dp], weekly_budget_pence=None)
    assert commitment.weekly_pence == round((3 * 30_000 + 4 * 37_000) / 7)
    assert commitment.annual_pence == round((3 * 30_000 + 361 * 37_000) / 7)
    assert commitment_of("P-1", date(2026, 6, 1), [], [dp], None).weekly_pence == 37_000
