"""Care bought from a council-managed account: which lines it pays, and what waits when it cannot."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from contracts.common import ServiceType
from services.payments.domain.inputs import BankAccount, ProviderCredit
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind, ManagedAccount
from services.payments.domain.managed_funding import debits_of, hold_unfunded, shortfalls
from services.payments.domain.run_lines import ExclusionReason, LineKind, PayeeKind, Payment, RemittanceLine
from tests.unit.payments.builders import PAY_DATE, SETTINGS, WEEK_END, WEEK_START, invoice, payees, propose

WEEK = timedelta(days=7)


def funded(id: str, pence: int, *, dp: str = "DP-9", weeks_back: int = 0, **kw):
    """An invoice under an agreement funded by direct payment `dp`'s managed account."""
    period = (WEEK_START - weeks_back * WEEK, WEEK_END - weeks_back * WEEK)
    return invoice(id, pence=pence, period=period, funding=(dp,), **kw)


def test_an_invoice_funded_by_a_managed_account_is_paid_from_it_with_its_credit_notes():
    run = propose([funded("INV-M", 30_000, credits=(5_000,))], funds={"DP-9": 100_000})
    [payment] = run.payments
    assert [(ln.kind, ln.funded_by, ln.amount_pence) for ln in payment.lines] == [
        (LineKind.INVOICE, "DP-9", 30_000), (LineKind.CREDIT_NOTE, "DP-9", -5_000)]
    assert run.exclusions == ()


def test_a_provider_paid_both_ways_gets_one_payment_from_each_account():
    run = propose([invoice("INV-C", pence=12_000), funded("INV-M", 30_000)], funds={"DP-9": 100_000})
    assert [(p.reference, p.payee_id, [ln.funded_by for ln in p.lines], p.amount_pence) for p in run.payments] == [
        ("CP000042-00001", "PRV-1", [None], 12_000), ("CP000042-00002", "PRV-1", ["DP-9"], 30_000)]


def test_an_invoice_mixing_council_and_managed_funding_is_left_out_saying_to_invoice_it_separately():
    run = propose([invoice("INV-X", pence=9_000, funding=(None, "DP-9")), invoice("INV-C", pence=1_000)],
                  funds={"DP-9": 100_000})
    [excluded] = run.exclusions
    assert (excluded.subject, excluded.reason, excluded.amount_pence) == ("INV-X", ExclusionReason.MIXED_FUNDING,
                                                                          9_000)
    assert "invoice the managed-account agreement separately" in excluded.detail
    assert [ln.line_id for p in run.payments for ln in p.lines] == ["INV-C"]


def test_an_invoice_for_agreements_of_two_managed_accounts_is_mixed_too():
    run = propose([invoice("INV-X", pence=9_000, funding=("DP-8", "DP-9"))], funds={"DP-8": 10**6, "DP-9": 10**6})
    assert [e.reason for e in run.exclusions] == [ExclusionReason.MIXED_FUNDING]
    assert "DP-8" in run.exclusions[0].detail and "DP-9" in run.exclusions[0].detail


def test_lines_that_would_overdraw_the_account_wait_taken_in_order_of_period_and_id():
    invoices = [funded("INV-B", 8_000, weeks_back=1), funded("INV-A", 10_000, weeks_back=2),
                funded("INV-C", 4_000, weeks_back=0)]
    run = propose(invoices, funds={"DP-9": 15_000})
    assert [ln.line_id for p in run.payments for ln in p.lines] == ["INV-A", "INV-C"]
    [short] = run.exclusions
    assert (short.subject, short.reason, short.amount_pence, short.settles) == (
        "INV-B", ExclusionReason.INSUFFICIENT_MANAGED_FUNDS, 8_000, ("INV-B",))
    assert "DP-9" in short.detail and "£80.00" in short.detail and "£50.00 available" in short.detail


def test_a_payment_that_loses_every_line_is_dropped_and_references_stay_in_sequence():
    run = propose([funded("INV-M", 30_000), invoice("INV-Z", "PRV-2", 5_000)], payees("PRV-1", "PRV-2"),
                  funds={"DP-9": 29_999})
    assert [(p.reference, p.payee_id) for p in run.payments] == [("CP000042-00001", "PRV-2")]
    assert [e.reason for e in run.exclusions] == [ExclusionReason.INSUFFICIENT_MANAGED_FUNDS]


def test_a_direct_payment_without_a_council_managed_account_pays_nothing():
    run = propose([funded("INV-M", 100, dp="DP-PERSON")], funds={"DP-9": 10**6})
    [short] = run.exclusions
    assert short.reason is ExclusionReason.INSUFFICIENT_MANAGED_FUNDS
    assert "DP-PERSON has no council-managed account" in short.detail


def test_without_a_managed_client_account_configured_funded_lines_have_no_bank_details():
    run = propose([funded("INV-M", 100)], funds={"DP-9": 10**6}, settings=replace(SETTINGS, managed_account=None))
    assert [(e.reason, e.subject) for e in run.exclusions] == [(ExclusionReason.NO_BANK_DETAILS, "INV-M")]


def test_a_credit_on_a_paid_managed_invoice_is_netted_only_against_the_same_accounts_payment():
    credit = ProviderCredit("CN-1", "PRV-1", "INV-OLD", 2_000, ServiceType.HOME_CARE, "CC-EAST", WEEK_START, WEEK_END,
                            funded_by="DP-9")
    run = propose([invoice("INV-C", pence=12_000), funded("INV-M", 30_000)], credits=[credit], funds={"DP-9": 10**6})
    council, managed = run.payments
    assert [ln.line_id for ln in council.lines] == ["INV-C"]
    assert [(ln.line_id, ln.funded_by) for ln in managed.lines] == [("INV-M", "DP-9"), ("CN-1", "DP-9")]
    assert managed.amount_pence == 28_000


def test_credits_outweighing_what_an_account_pays_in_a_payment_are_carried_forward():
    credit = ProviderCredit("CN-1", "PRV-1", "INV-OLD", 5_000, ServiceType.HOME_CARE, "CC-EAST", WEEK_START, WEEK_END,
                            funded_by="DP-8")
    run = propose([funded("INV-M", 3_000, dp="DP-8"), funded("INV-N", 7_000)], credits=[credit],
                  funds={"DP-8": 10**6, "DP-9": 10**6})
    [payment] = run.payments
    assert [ln.line_id for ln in payment.lines] == ["INV-N"]
    [carried] = run.exclusions
    assert (carried.reason, carried.amount_pence, carried.settles) == (
        ExclusionReason.NET_NEGATIVE_CARRIED_FORWARD, -2_000, ("INV-M", "CN-1"))


def _payroll(dp: str, pence: int, start: date) -> Payment:
    line = RemittanceLine(f"PAY-{pence}", LineKind.PAYROLL, f"PAY-{pence}", "Net pay", "P-1",
                          ServiceType.DIRECT_PAYMENT, "ASC-DP", start, start + timedelta(days=6), pence, funded_by=dp)
    return Payment.of("CP000042-00009", PayeeKind.PERSONAL_ASSISTANT, "PA-1", "A PA",
                      BankAccount("200000", "99998888", "A PA"), True, (line,))


def test_any_line_with_funded_by_draws_on_the_account_whatever_its_kind():
    provider = propose([funded("INV-M", 6_000, weeks_back=1)], funds={"DP-9": 10**6}).payments[0]
    kept, held = hold_unfunded([provider, _payroll("DP-9", 5_000, WEEK_START)], {"DP-9": 10_000}, SETTINGS)
    assert [p.payee_id for p in kept] == ["PRV-1"]
    assert [(e.subject, e.payee_id, e.reason) for e in held] == [
        ("PAY-5000", "PA-1", ExclusionReason.INSUFFICIENT_MANAGED_FUNDS)]
    assert [(d.direct_payment_id, d.payee_kind, d.amount_pence) for d in debits_of(_payroll("DP-9", 5, PAY_DATE))] \
        == [("DP-9", PayeeKind.PERSONAL_ASSISTANT, 5)]


def test_a_payment_debits_each_account_it_draws_on_once_with_what_it_settles():
    run = propose([funded("INV-A", 10_000, credits=(1_000,)), funded("INV-B", 3_000, dp="DP-8")],
                  funds={"DP-8": 10**6, "DP-9": 10**6})
    [payment] = run.payments
    assert [(d.direct_payment_id, d.amount_pence, d.settles) for d in debits_of(payment)] == [
        ("DP-9", 9_000, ("INV-A",)), ("DP-8", 3_000, ("INV-B",))]
    entry = debits_of(payment)[0].entry(PAY_DATE)
    assert (entry.kind, entry.reference, entry.payee_id) == (LedgerEntryKind.PAYMENT_TO_PROVIDER, payment.reference,
                                                             "PRV-1")


IN, OUT = LedgerEntryKind.DIRECT_PAYMENT_IN, LedgerEntryKind.PAYMENT_TO_PROVIDER


def _account(*entries: tuple[date, LedgerEntryKind, int]) -> ManagedAccount:
    return ManagedAccount("DP-9", "P-9", tuple(LedgerEntry(on, kind, pence, f"REF-{n}")
                                               for n, (on, kind, pence) in enumerate(entries)))


def test_available_is_the_balance_less_what_approved_runs_will_take_and_what_later_days_need():
    account = _account((PAY_DATE - WEEK, IN, 50_000), (PAY_DATE + WEEK, OUT, 20_000))
    assert account.available_pence(PAY_DATE) == 30_000
    committed = [LedgerEntry(PAY_DATE, OUT, 12_000, "RUN-1")]
    assert account.available_pence(PAY_DATE, committed) == 18_000
    assert account.available_pence(PAY_DATE - 2 * WEEK) == 0  # before the money came in


def test_nothing_is_available_from_a_ledger_already_below_zero():
    account = _account((PAY_DATE - WEEK, IN, 5_000), (PAY_DATE - WEEK, LedgerEntryKind.DIRECT_PAYMENT_RETURNED, 6_000),
                       (PAY_DATE, IN, 50_000))
    assert account.available_pence(PAY_DATE) == 0


def test_an_amount_within_what_is_available_can_be_recorded():
    account = _account((PAY_DATE - WEEK, IN, 50_000), (PAY_DATE + WEEK, OUT, 20_000))
    after = account.record(LedgerEntry(PAY_DATE, OUT, account.available_pence(PAY_DATE), "CP1", payee_id="PRV-1"))
    assert after.balance_pence() == 0 and after.paid_out(OUT) == {None: 20_000, "PRV-1": 30_000}


def test_approval_shortfalls_name_the_account_and_what_is_missing():
    accounts = {"DP-9": _account((PAY_DATE, IN, 10_000))}
    committed = {"DP-9": [LedgerEntry(PAY_DATE, OUT, 4_000, "RUN-1")]}
    [short] = shortfalls({"DP-9": 7_000, "DP-1": 1}, accounts, committed, PAY_DATE)[1:]
    assert "DP-9" in str(short) and "short by £10.00" in str(short) and "£60.00 available" in str(short)
    assert str(shortfalls({"DP-1": 100}, accounts, {}, PAY_DATE)[0]).startswith(
        "direct payment DP-1 has no council-managed account")
    assert shortfalls({"DP-9": 6_000}, accounts, committed, PAY_DATE) == []
