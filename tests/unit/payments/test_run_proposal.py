"""Proposing a run: what is selected, how it is grouped and netted, and what is left out and why."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from contracts.common import ServiceType
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import ProviderCredit
from services.payments.domain.proposal import RunRequest, propose_run
from services.payments.domain.run_calendar import RunKind
from services.payments.domain.run_lines import ExclusionReason, LineKind

from tests.unit.payments.builders import CALENDAR, PAY_DATE, PROPOSED_AT, PROPOSER, SETTINGS, invoice, payees, propose


def reasons(run) -> dict[str, ExclusionReason]:
    return {e.subject: e.reason for e in run.exclusions}


def test_invoice_due_on_the_pay_date_is_paid():
    run = propose([invoice(due=PAY_DATE)])
    assert [p.invoice_ids for p in run.payments] == [("INV-1",)]


def test_invoice_due_after_the_pay_date_waits_for_a_later_run():
    run = propose([invoice(due=PAY_DATE + timedelta(days=1))])
    assert run.payments == () and run.exclusions == ()


def test_invoice_chosen_to_pay_early_is_paid_before_it_is_due():
    run = propose([invoice(due=PAY_DATE + timedelta(days=20))], pay_early=frozenset({"INV-1"}))
    assert run.payments[0].invoice_ids == ("INV-1",)


def test_already_paid_invoice_is_never_selected():
    assert propose([invoice(paid=True)]).payments == ()


def test_weekly_run_pays_actuals_based_services_only():
    run = propose([invoice("INV-1"), invoice("INV-2", service=ServiceType.RESIDENTIAL)])
    assert [p.invoice_ids for p in run.payments] == [("INV-1",)]


def test_four_weekly_run_pays_scheduled_services():
    run = propose([invoice("INV-1"), invoice("INV-2", service=ServiceType.NURSING)], kind=RunKind.FOUR_WEEKLY)
    assert [p.invoice_ids for p in run.payments] == [("INV-2",)]


def test_invoices_of_one_provider_make_one_payment_with_a_line_each():
    run = propose([invoice("INV-2", pence=300), invoice("INV-1", pence=200), invoice("INV-3", "PRV-2", pence=50)],
                  payees("PRV-1", "PRV-2"))
    assert [(p.payee_id, p.amount_pence, p.invoice_ids) for p in run.payments] == [
        ("PRV-1", 500, ("INV-1", "INV-2")), ("PRV-2", 50, ("INV-3",))]
    assert run.total_pence == 550


def test_payments_get_distinct_references_from_the_run_number():
    run = propose([invoice("INV-1"), invoice("INV-2", "PRV-2")], payees("PRV-1", "PRV-2"), run_number=7)
    assert [p.reference for p in run.payments] == ["CP000007-00001", "CP000007-00002"]


def test_credit_notes_are_netted_against_their_invoice_as_negative_lines():
    run = propose([invoice(pence=10_000, credits=(1_500, 500))])
    payment = run.payments[0]
    assert payment.amount_pence == 8_000
    assert [(ln.kind, ln.amount_pence, ln.settles) for ln in payment.lines] == [
        (LineKind.INVOICE, 10_000, "INV-1"), (LineKind.CREDIT_NOTE, -1_500, "INV-1"),
        (LineKind.CREDIT_NOTE, -500, "INV-1")]


def test_credit_larger_than_one_invoice_is_netted_across_the_providers_payment():
    run = propose([invoice("INV-1", pence=1_000, credits=(3_000,)), invoice("INV-2", pence=5_000)])
    assert run.payments[0].amount_pence == 3_000


def test_net_negative_provider_balance_is_carried_forward_not_paid():
    run = propose([invoice("INV-1", pence=1_000, credits=(3_000,)), invoice("INV-2", pence=500)])
    assert run.payments == ()
    [excluded] = run.exclusions
    assert excluded.reason is ExclusionReason.NET_NEGATIVE_CARRIED_FORWARD
    assert excluded.amount_pence == -1_500 and excluded.settles == ("INV-1", "INV-2")
    assert "carried forward" in excluded.detail


def test_balance_netting_to_zero_pays_nothing_with_a_reason():
    run = propose([invoice(pence=1_000, credits=(1_000,))])
    assert run.payments == () and reasons(run) == {"PRV-1": ExclusionReason.NOTHING_TO_PAY}


def test_provider_with_unverified_bank_details_is_excluded_with_the_amount_waiting():
    run = propose([invoice("INV-1"), invoice("INV-2", "PRV-2")],
                  {**payees("PRV-1"), **payees("PRV-2", verified=False)})
    assert [p.payee_id for p in run.payments] == ["PRV-1"]
    [excluded] = run.exclusions
    assert (excluded.subject, excluded.reason, excluded.settles) == ("PRV-2", ExclusionReason.UNVERIFIED_BANK_DETAILS,
                                                                     ("INV-2",))
    assert "£100.00" in excluded.detail


def test_provider_without_bank_details_is_excluded():
    run = propose([invoice(provider="PRV-9")])
    assert reasons(run) == {"PRV-9": ExclusionReason.NO_BANK_DETAILS}


def test_disputed_invoice_is_excluded_with_a_reason():
    run = propose([invoice("INV-1", disputed=True), invoice("INV-2")])
    assert run.payments[0].invoice_ids == ("INV-2",)
    assert reasons(run) == {"INV-1": ExclusionReason.DISPUTED}


def test_invoice_on_hold_after_a_returned_payment_is_excluded():
    run = propose([invoice(hold_reason="payment CP000001-00001 returned: account closed")])
    assert reasons(run) == {"INV-1": ExclusionReason.ON_HOLD}
    assert "account closed" in run.exclusions[0].detail


def test_invoice_for_days_after_the_agreement_ended_is_excluded():
    run = propose([invoice(agreement_end=date(2026, 2, 27))])
    assert run.payments == () and reasons(run) == {"INV-1": ExclusionReason.AFTER_AGREEMENT_END}


def test_invoice_ending_on_the_agreements_last_day_is_paid():
    assert propose([invoice(agreement_end=date(2026, 3, 1))]).payments[0].invoice_ids == ("INV-1",)


def test_proposal_does_not_depend_on_the_order_invoices_arrive_in():
    invoices = [invoice(f"INV-{n}", f"PRV-{n % 3}", 100 + n, disputed=n % 5 == 0) for n in range(30)]
    providers = payees("PRV-0", "PRV-1", "PRV-2")
    assert propose(invoices, providers) == propose(list(reversed(invoices)), providers)


def test_run_records_its_bacs_processing_day_and_proposer():
    run = propose([invoice()])
    assert (run.pay_date, run.processing_day, run.proposed_by) == (PAY_DATE, date(2026, 3, 10), PROPOSER.subject)


def test_proposing_after_the_bacs_submission_deadline_is_refused():
    too_late = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
    scheduled = CALENDAR.ad_hoc(PAY_DATE)
    with pytest.raises(PaymentRefused, match="submitted by 2026-03-09"):
        propose_run(RunRequest("R", 1, scheduled, "olivia", too_late), [invoice()], payees(), [], SETTINGS)


def test_credit_note_on_an_invoice_already_paid_is_netted_against_the_providers_payment():
    credit = ProviderCredit("CN-9", "PRV-1", "INV-PAID", 1_500, ServiceType.HOME_CARE, "CC-EAST", date(2026, 2, 16),
                            date(2026, 2, 22), "CN-9")
    run = propose_run(RunRequest("R", 1, CALENDAR.ad_hoc(PAY_DATE), "olivia", PROPOSED_AT), [invoice(pence=10_000)],
                      payees(), [], SETTINGS, [credit])
    [payment] = run.payments
    assert payment.amount_pence == 8_500 and payment.invoice_ids == ("INV-1",)
    assert [(ln.kind, ln.settles, ln.amount_pence) for ln in payment.lines][-1] == (LineKind.CREDIT_NOTE, "CN-9",
                                                                                   -1_500)


def test_credit_note_on_a_paid_invoice_waits_when_the_provider_has_nothing_to_be_paid():
    credit = ProviderCredit("CN-9", "PRV-1", "INV-PAID", 1_500, ServiceType.HOME_CARE, "", PAY_DATE, PAY_DATE)
    run = propose_run(RunRequest("R", 1, CALENDAR.ad_hoc(PAY_DATE), "olivia", PROPOSED_AT), [], payees(), [],
                      SETTINGS, [credit])
    assert run.payments == () and run.exclusions == ()
