"""Month-end accruals: delivered and confirmed not invoiced, invoiced not paid, as at a date; the identity
delivered = invoiced for those days + delivered not invoiced, and days that agree with spend's weeks."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from services.reporting.domain import invoices as inv
from services.reporting.domain import accruals
from services.reporting.domain.accruals import Accrual, by_day, for_delivery, invoice_parts, table
from services.reporting.domain.attribution import shares, spread
from services.reporting.domain.invoices import Invoice

MONDAY = date(2026, 3, 2)
WEEK = timedelta(days=7)
MARCH_31 = date(2026, 3, 31)  # a Tuesday
WEEKS = [MONDAY + i * WEEK for i in range(5)]  # 2 March .. 30 March


def invoice(pence: int, first: date, last: date, *, approved_on: date, invoice_id: str = "INV-1",
            spans=(), kind: str = "self_billed") -> Invoice:
    held = inv.documented(Invoice(invoice_id, "PRV-1"), kind=kind, service_type="home_care", agreement_ids=["AGR-1"],
                          person_refs=["P-1"], period_start=first, period_end=last, total_pence=pence)
    return inv.approved(held, revision=1, kind=kind, service_type="home_care", agreement_ids=["AGR-1"],
                        period_start=first, amount_pence=pence, received_on=approved_on, valid_on=approved_on,
                        due_date=approved_on + 30 * timedelta(days=1), approved_on=approved_on, period_end=last,
                        spans=spans)


def for_invoice(bill: Invoice, as_at: date, weeks) -> Accrual:
    """The invoice's figures as at `as_at`, with `weeks` confirmed for AGR-1."""
    return accruals.for_invoice(bill, as_at, {"AGR-1": weeks})


def credit_note(pence: int, first: date, last: date, *, issued_on: date, invoice_id: str = "CN-1") -> Invoice:
    """A credit note as invoicing publishes it: issued (CreditNoteIssued), never approved."""
    return inv.documented(Invoice(invoice_id, "PRV-1"), kind="credit_note", service_type="home_care",
                          agreement_ids=["AGR-1"], person_refs=["P-1"], period_start=first, period_end=last,
                          total_pence=pence, issued_on=issued_on)


def test_an_invoice_by_day_sums_to_it_and_any_whole_week_gets_what_spend_gives_it():
    for pence, days in itertools.product((1, 7, 999, 100_001, 28_003), (1, 3, 10, 28, 31)):
        spans = [(MONDAY + timedelta(days=2), MONDAY + timedelta(days=1 + days), 1)]
        daily = by_day(pence, spans)
        assert sum(daily.values()) == pence
        weekly = spread(pence, shares(spans, "week"))
        for start, part in weekly.items():
            assert sum(p for d, p in daily.items() if start <= d < start + WEEK) == part
        monthly = spread(pence, shares(spans, "month"))
        for start, part in monthly.items():
            assert sum(p for d, p in daily.items() if (d.year, d.month) == (start.year, start.month)) == part


def test_spans_weigh_by_their_amounts_and_a_negative_amount_stays_negative():
    spans = [(MONDAY, MONDAY + timedelta(days=1), 300), (WEEKS[1], WEEKS[1], 100)]
    assert by_day(400, spans) == {MONDAY: 150, MONDAY + timedelta(days=1): 150, WEEKS[1]: 100}
    assert by_day(-400, spans) == {MONDAY: -150, MONDAY + timedelta(days=1): -150, WEEKS[1]: -100}


def test_an_invoice_counts_from_the_day_it_was_approved_and_is_paid_on_its_pay_date():
    bill = invoice(7_000, WEEKS[3], WEEKS[3] + timedelta(days=6), approved_on=date(2026, 3, 30))
    confirmed = {WEEKS[3]}
    assert for_invoice(bill, date(2026, 3, 29), confirmed) == Accrual()  # not yet approved
    unpaid = for_invoice(bill, MARCH_31, confirmed)
    assert (unpaid.invoiced_for_delivered_pence, unpaid.invoiced_not_paid_pence) == (7_000, 7_000)
    paid = inv.paid(bill, "PAY-1", 7_000, date(2026, 4, 14))
    assert for_invoice(paid, MARCH_31, confirmed).invoiced_not_paid_pence == 7_000  # paid after as_at
    assert for_invoice(paid, date(2026, 4, 14), confirmed).invoiced_not_paid_pence == 0
    returned = inv.returned(paid, "PAY-1")  # a returned payment counts as never paid
    assert for_invoice(returned, date(2026, 4, 30), confirmed).invoiced_not_paid_pence == 7_000
    assert for_invoice(inv.cancelled(bill), MARCH_31, confirmed) == Accrual()  # voided: nothing


def test_only_the_days_on_or_before_as_at_in_confirmed_weeks_are_invoiced_for_delivered():
    # four weeks 9 March .. 5 April, a quarter each; as_at 31 March, weeks of 9 and 16 March confirmed
    bill = invoice(100_001, WEEKS[1], WEEKS[1] + 4 * WEEK - timedelta(days=1), approved_on=MONDAY)
    figures = for_invoice(bill, MARCH_31, {WEEKS[1], WEEKS[2], WEEKS[4]})
    daily = by_day(100_001, bill.days_paid_for(None))
    assert figures.invoiced_for_delivered_pence == sum(
        p for d, p in daily.items() if d < WEEKS[3] or WEEKS[4] <= d <= MARCH_31)
    assert figures.invoiced_for_delivered_pence == 25_000 + 25_001 + 7_143  # two weeks and Mon-Tue of the fifth
    assert figures.invoiced_pence == 100_001


def test_delivered_equals_invoiced_for_those_days_plus_delivered_not_invoiced_in_every_row_and_total():
    part = invoice(4_000, WEEKS[3], WEEKS[3] + timedelta(days=2), approved_on=date(2026, 3, 25))
    credit = credit_note(500, WEEKS[3], WEEKS[3], issued_on=date(2026, 3, 27))
    late = invoice(9_000, WEEKS[2], WEEKS[2] + timedelta(days=6), approved_on=date(2026, 4, 2), invoice_id="INV-2")
    confirmed = {WEEKS[2], WEEKS[3]}
    home, other = ("PRV-1", "home_care", "ASC-NORTH"), ("PRV-2", "home_care", "unassigned")
    rows, total = table([(home, for_delivery(True, 7_000)), (home, for_delivery(True, 9_000)),
                         (home, for_delivery(False, 1_200)), (other, for_delivery(True, 0)),
                         *((home, for_invoice(i, MARCH_31, confirmed)) for i in (part, credit, late))])
    assert [key for key, _ in rows] == [home]  # a row of all zeros is left out
    figures = rows[0][1]
    assert figures.figures() == {
        "delivered_pence": 16_000, "invoiced_for_delivered_pence": 3_500, "unconfirmed_pence": 1_200,
        "invoiced_pence": 3_500, "paid_pence": 0, "delivered_not_invoiced_pence": 12_500,
        "invoiced_not_paid_pence": 3_500}
    for row in (figures, total):
        assert row.delivered_pence == row.invoiced_for_delivered_pence + row.delivered_not_invoiced_pence
    assert total == figures


def test_rows_are_sorted_by_provider_service_type_and_cost_centre():
    keys = [("PRV-2", "home_care", "A"), ("PRV-1", "residential", "B"), ("PRV-1", "home_care", "Z"),
            ("PRV-1", "home_care", "A")]
    rows, total = table([(k, for_delivery(True, 100)) for k in keys])
    assert [k for k, _ in rows] == sorted(keys)
    assert total.delivered_pence == 400


def test_a_credit_note_counts_from_its_issue_though_invoicing_never_approves_it():
    # a 7,000 invoice, a 2,000 credit note against it, and 5,000 paid (the invoice less the credit netted)
    bill = inv.paid(invoice(7_000, WEEKS[1], WEEKS[1] + timedelta(days=6), approved_on=WEEKS[2]), "PAY-1", 5_000,
                    date(2026, 3, 27))
    credit = credit_note(2_000, WEEKS[1], WEEKS[1] + timedelta(days=6), issued_on=date(2026, 3, 20))
    assert credit.approved_on is None and credit.counts_from == date(2026, 3, 20)
    assert for_invoice(credit, date(2026, 3, 19), {WEEKS[1]}) == Accrual()  # not yet issued
    both = for_invoice(bill, MARCH_31, {WEEKS[1]}) + for_invoice(credit, MARCH_31, {WEEKS[1]})
    assert (both.invoiced_pence, both.paid_pence, both.invoiced_not_paid_pence) == (5_000, 5_000, 0)
    assert both.invoiced_for_delivered_pence == 5_000
    # an issue date is kept once (the first issue), and only for a credit note
    assert inv.documented(credit, kind="credit_note", service_type=None, agreement_ids=["AGR-1"], person_refs=[],
                          period_start=WEEKS[1], total_pence=2_000, issued_on=MARCH_31).issued_on == date(2026, 3, 20)
    assert invoice(1, MONDAY, MONDAY, approved_on=MONDAY).issued_on is None
    assert Invoice.from_json(credit.to_json()) == credit


def test_an_invoice_split_between_agreements_accrues_each_part_under_its_own_agreement():
    # 10,001 for two agreements: AGR-1 charged 6,000 for week 2, AGR-2 4,000 for week 3; only AGR-1's
    # week 2 and AGR-2's week 3 confirmed
    spans = ((WEEKS[1], WEEKS[1] + timedelta(days=6), 6_000), (WEEKS[2], WEEKS[2] + timedelta(days=6), 4_000))
    held = inv.documented(Invoice("INV-9", "PRV-1"), kind="provider", service_type="home_care",
                          agreement_ids=["AGR-1", "AGR-2"], person_refs=["P-1", "P-2"], period_start=WEEKS[1],
                          period_end=WEEKS[2] + timedelta(days=6), total_pence=10_001)
    bill = inv.approved(held, revision=1, kind="provider", service_type="home_care", agreement_ids=["AGR-1", "AGR-2"],
                        period_start=WEEKS[1], amount_pence=10_001, received_on=WEEKS[3], valid_on=WEEKS[3],
                        due_date=MARCH_31, approved_on=WEEKS[3], period_end=WEEKS[2] + timedelta(days=6),
                        spans=spans, span_agreements=("AGR-1", "AGR-2"))
    bill = inv.paid(bill, "PAY-1", 10_001, WEEKS[4])
    parts = dict(invoice_parts(bill, MARCH_31, {"AGR-1": {WEEKS[1]}, "AGR-2": {WEEKS[1]}}))
    assert {a: (f.invoiced_pence, f.paid_pence, f.invoiced_for_delivered_pence) for a, f in parts.items()} == {
        "AGR-1": (6_001, 6_001, 6_001), "AGR-2": (4_000, 4_000, 0)}  # largest remainder: the penny to AGR-1
