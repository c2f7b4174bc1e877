"""Invoiced and paid figures: approvals replace, credit notes subtract, returns reverse, any order."""
from __future__ import annotations

import itertools
from datetime import date

from services.reporting.domain import invoices as inv
from services.reporting.domain.aggregates import Deltas
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.invoices import Invoice

PERIOD = date(2026, 3, 2)
PROVIDER = "PRV-000000001"
COUNCIL_ARRANGED = AgreementDim("AGR-1", "P-1", PROVIDER, "home_care", "council_arranged")


def document(i: Invoice, kind: str = "self_billed", total: int = 10_000, person: str = "P-1") -> Invoice:
    return inv.documented(i, kind=kind, service_type="home_care", agreement_ids=["AGR-1"], person_refs=[person],
                          period_start=PERIOD, total_pence=total)


def approve(i: Invoice, revision: int = 1, amount: int = 10_000, kind: str = "self_billed",
            service_type: str | None = "home_care") -> Invoice | None:
    return inv.approved(i, revision=revision, kind=kind, service_type=service_type, agreement_ids=["AGR-1"],
                        period_start=PERIOD, amount_pence=amount, received_on=date(2026, 3, 9),
                        valid_on=date(2026, 3, 9), due_date=date(2026, 4, 8), approved_on=date(2026, 3, 10))


def figures(*invoices: Invoice, agreement: AgreementDim | None = COUNCIL_ARRANGED) -> dict[str, dict]:
    deltas = Deltas()
    for i in invoices:
        deltas.add(inv.contributions(i, {agreement.agreement_id: agreement} if agreement else {}))
    return {table: dict(deltas.changes(table)) for table in ("spend", "prompt_payment", "unpaid_invoices")}


def provider_month(f: dict) -> tuple[int, ...] | None:
    return f["spend"].get(("provider", "month", date(2026, 3, 1), "", "home_care", PROVIDER, "council_arranged"))


def test_an_approved_invoice_is_invoiced_and_awaits_payment_until_paid():
    i = approve(document(Invoice("INV-1", PROVIDER)))
    assert provider_month(figures(i)) == (0, 10_000, 0)
    assert figures(i)["unpaid_invoices"] == {(PROVIDER, date(2026, 4, 8)): (1, 10_000)}
    paid = inv.paid(i, "PAY-1", 10_000, date(2026, 3, 25))
    assert provider_month(figures(paid)) == (0, 10_000, 10_000)
    assert figures(paid)["unpaid_invoices"] == {}


def test_a_received_invoice_is_not_invoiced_until_approved():
    assert provider_month(figures(document(Invoice("INV-1", PROVIDER), kind="provider"))) is None


def test_a_reapproval_replaces_the_amount():
    i = approve(approve(document(Invoice("INV-1", PROVIDER))), revision=2, amount=8_000)
    assert provider_month(figures(i)) == (0, 8_000, 0)
    assert approve(i, revision=2, amount=1) is None  # the same revision again changes nothing


def test_a_credit_note_reduces_invoiced():
    invoice = approve(document(Invoice("INV-1", PROVIDER)))
    credit = document(Invoice("CN-1", PROVIDER), kind="credit_note", total=2_500)
    assert provider_month(figures(invoice, credit)) == (0, 7_500, 0)


def test_a_voided_invoice_is_no_longer_invoiced():
    assert provider_month(figures(inv.cancelled(approve(document(Invoice("INV-1", PROVIDER)))))) is None


def test_a_returned_payment_reverses_paid_and_the_invoice_awaits_payment_again():
    i = inv.returned(inv.paid(approve(document(Invoice("INV-1", PROVIDER))), "PAY-1", 10_000, date(2026, 3, 25)),
                     "PAY-1")
    assert provider_month(figures(i)) == (0, 10_000, 0)
    assert figures(i)["prompt_payment"] == {}
    assert figures(i)["unpaid_invoices"] == {(PROVIDER, date(2026, 4, 8)): (1, 10_000)}
    again = inv.paid(i, "PAY-2", 10_000, date(2026, 4, 20))
    assert provider_month(figures(again)) == (0, 10_000, 10_000)


def test_days_to_pay_count_from_the_day_after_receipt():
    i = approve(document(Invoice("INV-1", PROVIDER)))
    on_time = figures(inv.paid(i, "PAY-1", 10_000, date(2026, 4, 8)))["prompt_payment"]  # day 30
    late = figures(inv.paid(i, "PAY-1", 10_000, date(2026, 4, 9)))["prompt_payment"]  # day 31
    assert on_time == {(date(2026, 4, 1), PROVIDER): (1, 10_000, 30, 1, 1, 0, 0)}
    assert late == {(date(2026, 4, 1), PROVIDER): (1, 10_000, 31, 0, 0, 1, 0)}


def test_invoicing_and_payments_events_give_the_same_figures_in_any_order():
    steps = [lambda i: document(i), lambda i: approve(i) or i,
             lambda i: inv.paid(i, "PAY-1", 10_000, date(2026, 3, 25)), lambda i: inv.returned(i, "PAY-1"),
             lambda i: inv.paid(i, "PAY-2", 9_000, date(2026, 4, 2))]
    # Invoicing's own events stay in order (one partition); payments' may come before or after them.
    results = set()
    for order in itertools.permutations(range(len(steps))):
        if order.index(0) > order.index(1):
            continue
        i = Invoice("INV-1", PROVIDER)
        for n in order:
            i = steps[n](i)
        results.add(tuple(sorted((t, tuple(sorted(v.items()))) for t, v in figures(i).items())))
    assert len(results) == 1


def test_an_invoice_without_its_own_service_type_or_person_reports_under_its_agreement():
    i = approve(inv.documented(Invoice("INV-1", PROVIDER), kind="provider", service_type=None,
                               agreement_ids=["AGR-1"], person_refs=[], period_start=PERIOD, total_pence=10_000),
                service_type=None)
    dim = AgreementDim("AGR-1", "P-9", PROVIDER, "day_care", "council_arranged")
    keys = {k for k in figures(i, agreement=dim)["spend"]}
    assert ("person", "week", PERIOD, "P-9", "day_care", PROVIDER, "council_arranged") in keys


def test_an_invoice_covering_several_people_is_not_given_to_any_one_of_them():
    i = approve(inv.documented(Invoice("INV-1", PROVIDER), kind="provider", service_type="home_care",
                               agreement_ids=["AGR-1", "AGR-2"], person_refs=["P-1", "P-2"], period_start=PERIOD,
                               total_pence=10_000))
    people = {k[3] for k in figures(i)["spend"] if k[0] == "person"}
    assert people == {""}


def test_the_fact_survives_its_json_round_trip():
    i = inv.returned(inv.paid(approve(document(Invoice("INV-1", PROVIDER))), "PAY-1", 1, date(2026, 3, 25)), "X")
    assert Invoice.from_json(i.to_json()) == i


def test_an_invoice_takes_the_mechanism_of_its_agreement_or_the_first_of_several():
    managed = AgreementDim("AGR-1", "P-1", PROVIDER, "home_care", "direct_payment_managed", "DP-1")
    one = inv.paid(approve(document(Invoice("INV-1", PROVIDER))), "PAY-1", 10_000, date(2026, 3, 25))
    assert {k[6] for k in figures(one, agreement=managed)["spend"]} == {"direct_payment_managed"}
    several = approve(inv.documented(Invoice("INV-2", PROVIDER), kind="provider", service_type=None,
                                     agreement_ids=["AGR-2", "AGR-1"], person_refs=["P-1"], period_start=PERIOD,
                                     total_pence=10_000), service_type=None)
    assert several.agreement_id == "AGR-1"
    keys = set(figures(several, agreement=managed)["spend"])
    # the mechanism of the first; the service type and person are not taken from one of several agreements
    assert {(k[4], k[6]) for k in keys} == {("unknown", "direct_payment_managed")}
    none = inv.documented(Invoice("CN-1", PROVIDER), kind="credit_note", service_type="home_care",
                          agreement_ids=[], person_refs=[], period_start=PERIOD, total_pence=1_000)
    assert {k[6] for k in figures(none, agreement=None)["spend"]} == {"council_arranged"}
