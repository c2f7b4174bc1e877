"""Credit notes and supplementary invoices (a query's outcome, an officer's, late visit corrections) pass
the same safety bound as every invoice: above it they are held ABOVE_COMMITMENT for an officer, not
approved. A supplementary is judged with what its agreement is already invoiced for the period."""
from __future__ import annotations

from services.invoicing.domain.corrections import credit_note, line_for_amount, supplementary_invoice
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.validation import validate
from tests.unit.invoicing.invoicing_builders import actuals, context, day, home_care
from tests.unit.invoicing.test_corrections_and_netting import original

WEEK_PENCE = 7 * 2400  # the original: seven £24.00 visits, its commitment too; the bound is 10% above


def _supplementary(amount_pence: int):
    invoice = original()
    return supplementary_invoice(invoice, [line_for_amount(invoice, amount_pence, "query QRY-1")], number="SB-2",
                                 issued_on=day(12), by="u-finance-1", why="query QRY-1")


def test_a_supplementary_above_the_safety_bound_is_held_above_commitment_not_approved():
    sb = _supplementary(WEEK_PENCE * 2)  # £336 on a week committed at £168
    outcome = validate(sb, context(home_care(), confirmed=[actuals()]))
    assert [h.code for h in outcome.reasons] == [HoldCode.ABOVE_COMMITMENT]
    assert outcome.reasons[0].claimed_pence == WEEK_PENCE * 2 and outcome.reasons[0].expected_pence == WEEK_PENCE


def test_a_supplementary_is_bounded_with_what_the_agreement_is_already_invoiced_for():
    top_up = _supplementary(2_000)  # alone within the bound; with the £168 already invoiced, £188 > £184.80
    alone = validate(top_up, context(home_care(), confirmed=[actuals()]))
    assert alone.reasons == ()
    whole = validate(top_up, context(home_care(), confirmed=[actuals()], corrected_pence={"AGR-1": WEEK_PENCE}))
    assert [h.code for h in whole.reasons] == [HoldCode.ABOVE_COMMITMENT]
    assert whole.reasons[0].claimed_pence == WEEK_PENCE + 2_000


def test_a_small_supplementary_within_the_bound_is_approved():
    top_up = _supplementary(1_000)  # £178 in all, within £184.80
    assert validate(top_up, context(home_care(), confirmed=[actuals()],
                                    corrected_pence={"AGR-1": WEEK_PENCE})).reasons == ()


def test_a_credit_note_above_the_safety_bound_is_held_above_commitment():
    invoice = original()
    note = credit_note(invoice, [line_for_amount(invoice, WEEK_PENCE, "query QRY-2")], number="CN-1",
                       issued_on=day(12), by="u-finance-1", why="query QRY-2")
    held = validate(note, context(home_care(), confirmed=[actuals()], commitments={"AGR-1": 10_000}))
    assert [h.code for h in held.reasons] == [HoldCode.ABOVE_COMMITMENT]
    assert validate(note, context(home_care(), confirmed=[actuals()])).reasons == ()
