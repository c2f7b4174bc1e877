"""Overpayments after an agreement's end: visit and day lines after the end credited in full, span lines
pro rata (half up once per line), never more than is left of the invoice, and an end brought further
forward credits only the difference. A credit note for it is checked against its agreement only."""
from __future__ import annotations

from dataclasses import replace

from services.invoicing.domain.corrections import credit_note
from services.invoicing.domain.holds import HoldCode
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceLine
from services.invoicing.domain.overpayments import EarlierCredit, amount_after, days_after, overpayment
from services.invoicing.domain.scheduled import build_scheduled_invoice
from services.invoicing.domain.validation import validate
from tests.unit.invoicing.invoicing_builders import FOUR_WEEKS, context, day, home_care, residential
from tests.unit.invoicing.test_corrections_and_netting import approve, original


def test_visit_lines_dated_after_the_end_are_credited_in_full():
    invoice = original()  # seven £24.00 visits, 2-8 Mar 2026
    credit = overpayment(invoice, "AGR-1", day(3), credited_pence=0)
    assert (credit.days_after_end, credit.amount_pence) == (3, 3 * 2400)
    assert [(line.first_day, line.amount_pence) for line in credit.lines] == [(day(n), 2400) for n in (4, 5, 6)]
    assert credit.lines[0].visit_id == invoice.lines[4].visit_id
    assert credit.reason == ("Overpayment: agreement AGR-1 ended 5 Mar 2026; 3 day(s) after it were paid on"
                             " SB-PRV-1-000001")


def test_an_end_on_or_after_the_last_day_credits_nothing():
    invoice = original()
    assert overpayment(invoice, "AGR-1", day(6), credited_pence=0) is None
    assert overpayment(invoice, "AGR-1", day(20), credited_pence=0) is None
    assert overpayment(invoice, "AGR-9", day(1), credited_pence=0) is None  # not its agreement


def test_a_span_line_is_credited_pro_rata_rounded_half_up_once_per_line():
    line = InvoiceLine(1, "AGR-R", "P-2", day(0), day(6), 1001)
    assert (days_after(line, day(3)), amount_after(line, day(3))) == (3, 429)  # 1001 x 3/7 = 429.0
    odd = line._replace(amount_pence=1000)  # 1000 x 3/7 = 428.57 -> 429; 1000 x 1/7 = 142.86 -> 143
    assert (amount_after(odd, day(3)), amount_after(odd, day(5))) == (429, 143)
    assert amount_after(odd, day(-1)) == 1000 and amount_after(odd, None) == 0


def test_a_scheduled_four_weekly_invoice_after_a_death_credits_the_days_after_it():
    agreement = residential(weekly_pence=70_000)
    invoice = approve(build_scheduled_invoice(agreement, FOUR_WEEKS, number="SC-PRV-1-000001", issued_on=day(28)))
    credit = overpayment(invoice, "AGR-R", day(9), credited_pence=0)  # died on 11 Mar: 18 days after
    assert (credit.days_after_end, credit.amount_pence) == (18, 180_000)  # £700 a week / 7 x 18
    [line] = credit.lines
    assert (line.first_day, line.last_day) == (day(10), day(27))
    assert "18 day(s) after agreement AGR-R ended on 11 Mar 2026" in line.description


def test_earlier_credit_notes_of_any_cause_come_off_the_days_after_the_end_never_the_days_before():
    invoice = original()  # 3 visits after 5 Mar: £72.00; £48.00 of the invoice already credited
    credit = overpayment(invoice, "AGR-1", day(3), credited_pence=4200)
    assert credit.amount_pence == 3000 and [line.amount_pence for line in credit.lines] == [2400, 600]
    assert credit.days_after_end == 3
    assert credit.reason.endswith("SB-PRV-1-000001 (£72.00 for them, of which £42.00 was already credited)")
    assert overpayment(invoice, "AGR-1", day(3), credited_pence=7200) is None
    assert overpayment(invoice, "AGR-1", day(3), credited_pence=invoice.total_pence) is None


def test_the_same_end_again_credits_nothing_and_an_earlier_end_only_the_difference():
    invoice = original()
    first = overpayment(invoice, "AGR-1", day(4), credited_pence=0)
    assert first.amount_pence == 2 * 2400
    done = [EarlierCredit(day(4), first.days_after_end, first.amount_pence)]
    credited = first.amount_pence
    assert overpayment(invoice, "AGR-1", day(4), done, credited_pence=credited) is None
    assert overpayment(invoice, "AGR-1", day(5), done, credited_pence=credited) is None  # a later end: nothing back
    again = overpayment(invoice, "AGR-1", day(1), done, credited_pence=credited)
    # 5 days after 3 Mar, 2 already credited: this note credits (and counts) the 3 between the two ends
    assert (again.days_after_end, again.amount_pence) == (3, 3 * 2400)
    assert [line.first_day for line in again.lines] == [day(2), day(3), day(4)]
    assert "; 3 day(s) after it were paid on" in again.reason and "already credited" not in again.reason


def test_an_earlier_end_on_a_span_line_credits_its_share_between_the_two_ends():
    agreement = residential(weekly_pence=70_000)
    invoice = approve(build_scheduled_invoice(agreement, FOUR_WEEKS, number="SC-PRV-1-000001", issued_on=day(28)))
    done = [EarlierCredit(day(20), 7, 70_000)]
    again = overpayment(invoice, "AGR-R", day(13), done, credited_pence=70_000)
    [line] = again.lines
    # the days this note credits: 14-20 Mar, not the 14 after the end
    assert (line.first_day, line.last_day, line.amount_pence, again.days_after_end) == (day(14), day(20), 70_000, 7)


def test_an_overpayment_credit_note_is_checked_against_its_agreement_only():
    agreement = residential(weekly_pence=70_000)
    invoice = approve(build_scheduled_invoice(agreement, FOUR_WEEKS, number="SC-PRV-1-000001", issued_on=day(28)))
    ended = replace(agreement, end=day(1))
    credit = overpayment(invoice, "AGR-R", day(1), credited_pence=0)
    note = credit_note(invoice, credit.lines, number="CN-PRV-1-000001", issued_on=day(30), by="system",
                       why=credit.reason)
    facts = context(ended, commitments={"AGR-R": 20_000})
    # As any credit note, it would be held: its days are after the end, above what the two days are committed at.
    assert {h.code for h in validate(note, facts).reasons} == {HoldCode.AGREEMENT_NOT_ACTIVE, HoldCode.ABOVE_COMMITMENT}
    assert validate(note, facts, "overpayment").reasons == ()
    assert validate(note, context(home_care()), "overpayment").reasons[0].code is HoldCode.AGREEMENT_NOT_FOUND


def test_a_paid_invoice_an_officer_already_credited_for_the_days_after_the_end_is_not_credited_twice():
    agreement = residential(weekly_pence=70_000)
    invoice = approve(build_scheduled_invoice(agreement, FOUR_WEEKS, number="SC-PRV-1-000001", issued_on=day(28)))
    # An officer credited £1,000.00 of it by hand; the death (11 Mar) is then told: 18 days after it, £1,800.00.
    credit = overpayment(invoice, "AGR-R", day(9), credited_pence=100_000)
    assert (credit.amount_pence, credit.days_after_end) == (80_000, 18)  # the provider keeps 10 days: £1,000.00
    assert invoice.total_pence - 100_000 - credit.amount_pence == 100_000
    assert credit.reason == ("Overpayment: agreement AGR-R ended 11 Mar 2026; 18 day(s) after it were paid on"
                             " SC-PRV-1-000001 (£1,800.00 for them, of which £1,000.00 was already credited)")
    assert overpayment(invoice, "AGR-R", day(9), credited_pence=180_000) is None  # all of it credited already


def test_an_isf_advance_reduced_by_a_surplus_reclaim_is_credited_only_what_leaves_the_days_up_to_the_death():
    advance = approve(Invoice("INV-IA", InvoiceKind.ISF_ADVANCE, "PRV-1", "IA-PRV-1-000001", FOUR_WEEKS, day(-14),
                              (InvoiceLine(1, "AGR-I", "P-3", FOUR_WEEKS.first, FOUR_WEEKS.last, 100_000),)))
    # £1,000.00 advanced, £350.00 surplus reclaimed against it; death on day 14: 14 days after it, £500.00.
    credit = overpayment(advance, "AGR-I", day(13), credited_pence=35_000)
    assert (credit.amount_pence, credit.days_after_end) == (15_000, 14)
    assert advance.total_pence - 35_000 - credit.amount_pence == 50_000  # the 14 days up to the death
    [line] = credit.lines
    assert (line.first_day, line.last_day, line.amount_pence) == (day(14), day(27), 15_000)


def test_an_invoice_approved_and_not_yet_paid_is_credited_by_the_same_rule_in_its_own_words():
    invoice = original()
    credit = overpayment(invoice, "AGR-1", day(4), credited_pence=0, paid=False)
    assert credit.amount_pence == 2 * 2400
    assert credit.reason == ("Overpayment: agreement AGR-1 ended 6 Mar 2026; 2 day(s) after the end were charged on"
                             " SB-PRV-1-000001, not yet paid")


def test_another_agreement_s_lines_are_never_credited_nor_protected_by_this_end():
    invoice = original()
    other = InvoiceLine(8, "AGR-2", "P-9", day(0), day(6), 7_000)
    both = approve(Invoice("INV-2", invoice.kind, invoice.provider_ref, "SB-PRV-1-000002", invoice.period, day(8),
                           invoice.lines + (other,)))
    credit = overpayment(both, "AGR-2", day(2), credited_pence=0)  # 4 of AGR-2's 7 days: £40.00
    assert credit.amount_pence == 4000 and {line.agreement_id for line in credit.lines} == {"AGR-2"}
    # An officer's £10.00 credit on the invoice (any line) comes off; AGR-1's visits never protect or pay for it.
    assert overpayment(both, "AGR-2", day(2), credited_pence=1000).amount_pence == 3000
