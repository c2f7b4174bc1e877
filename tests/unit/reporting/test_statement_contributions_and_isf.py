"""A person's statement says, in plain words, what they are charged towards their care (and when the charge
is capped at the cost of the care received), and what their individual service fund bought."""
from __future__ import annotations

from datetime import date

from services.reporting.api.statement_html import render
from services.reporting.domain.person_charges import (ContributionCharge, IsfReturn, IsfSubcontractor, IsfSupport,
                                                      latest_revisions)
from services.reporting.domain.statement import contribution_sentence, statement, support_sentence
from tests.unit.reporting.test_statement import figures

MARCH = (date(2026, 3, 2), date(2026, 3, 29))
APRIL = (date(2026, 3, 30), date(2026, 4, 26))


def charge(period=MARCH, *, revision=1, contribution=8_000, care_cost=20_000, reason="28 days of care") \
        -> ContributionCharge:
    return ContributionCharge("P-1", *period, revision, f"CC-{revision}", contribution, care_cost,
                              min(contribution, care_cost), care_cost < contribution, reason)


def isf_return(*, budget=100_000, spend=90_000, subcontractors=()) -> IsfReturn:
    return IsfReturn("R-1", "AGR-1", "PRV-1", "P-1", *MARCH, budget, spend,
                     (IsfSupport("personal_care", "20.50", 50_000), IsfSupport("Day trips", "1.00", 30_000),
                      IsfSupport("equipment", "0.00", 10_000)),
                     tuple(IsfSubcontractor(name, pence) for name, pence in subcontractors), budget - spend)


def test_a_charge_below_the_contribution_says_it_is_capped_at_the_cost_of_care():
    assert contribution_sentence(charge(contribution=8_000, care_cost=6_050)) == (
        "For 2 March 2026 to 29 March 2026 you are charged £60.50, capped at the cost of the care you received "
        "(your assessed contribution for that time is £80.00).")
    assert contribution_sentence(charge(contribution=8_000, care_cost=20_000)) == (
        "For 2 March 2026 to 29 March 2026 you are charged £80.00 towards the cost of your care.")
    assert "no care was delivered" in contribution_sentence(charge(contribution=8_000, care_cost=0))
    assert "charged nothing towards" in contribution_sentence(charge(contribution=0, care_cost=5_000))


def test_the_statement_lists_each_period_charged_and_their_total():
    out = statement(figures(contributions=[charge(MARCH), charge(APRIL, care_cost=3_000)]))
    assert [(c["period_start"], c["charged_pence"], c["capped"]) for c in out["contributions"]] == [
        (date(2026, 3, 2), 8_000, False), (date(2026, 3, 30), 3_000, True)]
    assert out["contributions"][0]["reason"] == "28 days of care"
    assert out["figures"]["contributions_charged_pence"] == 11_000
    assert ("For the four-weekly periods that overlap this time you are charged £110.00 in all towards the cost "
            "of your care; each period is shown below.") in out["sentences"]
    assert any("four-weekly periods" in n for n in out["notes"])


def test_only_the_latest_revision_of_a_period_counts_whatever_the_order():
    kept = latest_revisions([charge(revision=2, care_cost=5_000), charge(revision=1), charge(APRIL),
                             charge(revision=2, care_cost=5_000)])
    assert [(c.period_start, c.revision, c.charged_pence) for c in kept] == [
        (date(2026, 3, 2), 2, 5_000), (date(2026, 3, 30), 1, 8_000)]


def test_what_the_isf_bought_by_type_of_support_with_hours():
    assert support_sentence(IsfSupport("personal_care", "20.50", 50_000)) == "Personal care: 20.5 hours, £500.00."
    assert support_sentence(IsfSupport("Day trips", "1.00", 30_000)) == "Day trips: 1 hour, £300.00."
    assert support_sentence(IsfSupport("equipment", "0.00", 10_000)) == "Equipment: £100.00."
    out = statement(figures(isf_returns=[isf_return()], provider_names={"PRV-1": "Sunrise Care"}))
    [period] = out["isf"]
    assert period["sentence"] == ("Your individual service fund with Sunrise Care for 2 March 2026 to 29 March 2026 "
                                  "had a budget of £1,000.00, and £900.00 was spent (£100.00 less than the budget).")
    assert period["by_support"][0] == {"support_type": "personal_care", "hours": "20.50", "spend_pence": 50_000,
                                       "sentence": "Personal care: 20.5 hours, £500.00."}
    assert period["subcontractors_sentence"] is None
    assert (out["figures"]["isf_budget_pence"], out["figures"]["isf_spend_pence"]) == (100_000, 90_000)
    assert ("Your individual service fund had a budget of £1,000.00 for the four-weekly periods that overlap this "
            "time, and £900.00 was spent; what it bought is shown below.") in out["sentences"]


def test_sub_contractors_are_named_and_spend_over_budget_is_said():
    returned = isf_return(budget=100_000, spend=104_000, subcontractors=[("Green Gardens Ltd", 4_000),
                                                                          ("Able Transport", 2_500)])
    [period] = statement(figures(isf_returns=[returned]))["isf"]
    assert "(£40.00 more than the budget)" in period["sentence"] and "with PRV-1 " in period["sentence"]
    assert period["by_subcontractor"] == [{"subcontractor": "Green Gardens Ltd", "spend_pence": 4_000},
                                          {"subcontractor": "Able Transport", "spend_pence": 2_500}]
    assert period["subcontractors_sentence"] == ("PRV-1 paid other organisations for some of this: "
                                                 "Green Gardens Ltd (£40.00) and Able Transport (£25.00).")


def test_without_charges_or_an_isf_the_statement_has_neither():
    out = statement(figures())
    assert out["contributions"] == [] and out["isf"] == []
    assert not any("four-weekly" in s for s in out["sentences"] + out["notes"])
    page = render(out)
    assert "charged towards" not in page and "individual service fund" not in page


def test_the_page_shows_charges_and_what_the_isf_bought_escaped():
    returned = isf_return(subcontractors=[("<b>Ltd</b>", 1_000)])
    page = render(statement(figures(contributions=[charge(care_cost=6_050, reason="<i>capped</i>")],
                                    isf_returns=[returned], provider_names={"PRV-1": "Sunrise & Co"})))
    assert "What you are charged towards your care" in page and "capped at the cost of the care you received" in page
    assert "What your individual service fund bought" in page and "Personal care: 20.5 hours, £500.00." in page
    assert "Sunrise &amp; Co" in page and "&lt;b&gt;Ltd&lt;/b&gt;" in page and "&lt;i&gt;capped" in page
    assert "<b>" not in page and "<i>" not in page
