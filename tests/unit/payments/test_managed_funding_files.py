"""The files of a run paying from two accounts: the council's payments account and the managed client account."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from importlib.resources import files

import pytest
import xmlschema
from lxml import etree

from services.payments import events
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.bacs_standard18 import read_bacs_summary, write_bacs_standard18
from services.payments.domain.files.export import export_breaches, export_run
from services.payments.domain.files.gl_journal import journal_lines
from services.payments.domain.files.pain001 import NAMESPACE, read_pain001_totals, write_pain001
from services.payments.domain.files.stored import files_of
from services.payments.domain.invariants import run_breaches
from services.payments.domain.managed_funding import debits_of
from services.payments.domain.run_calendar import RunKind
from tests.unit.payments.builders import (MAPPING, SETTINGS, a_sound_run, approved, direct_payment, invoice, payees,
                                          propose)

NS = {"p": NAMESPACE}


def two_accounts_run():
    """PRV-1 paid from the council's account and from DP-9's managed account, PRV-2 from DP-9's only, and a
    council-managed direct payment into the managed account."""
    invoices = [invoice("INV-1", "PRV-1", 12_345), invoice("INV-2", "PRV-1", 20_000, credits=(2_000,), funding=("DP-9",)),
                invoice("INV-3", "PRV-2", 7_500, funding=("DP-9",))]
    return approved(propose(invoices, payees("PRV-1", "PRV-2"), [direct_payment(council_managed=True)],
                            kind=RunKind.AD_HOC, funds={"DP-9": 100_000}))


def records(data: bytes) -> list[str]:
    return data.decode("ascii").split("\r\n")[:-1]


def test_the_run_pays_each_provider_from_each_account_it_is_owed_from():
    run = two_accounts_run()
    assert [(p.payee_id, p.amount_pence, bool(debits_of(p))) for p in run.payments] == [
        ("PRV-1", 12_345, False), ("PRV-1", 18_000, True), ("PRV-2", 7_500, True), ("DP-1", 56_000, False)]
    assert run_breaches(run) == []


def test_bacs_credits_carry_their_originating_account_with_one_contra_per_account():
    run = two_accounts_run()
    data = records(write_bacs_standard18(run, SETTINGS))[4:-3]
    council, managed = "40127612345678", "40127687654321"
    assert [(r[15:17], r[17:31], int(r[35:46])) for r in data] == [
        ("99", council, 12_345), ("99", council, 56_000), ("17", council, 68_345),
        ("99", managed, 18_000), ("99", managed, 7_500), ("17", managed, 25_500)]
    assert data[2][0:14] == council and data[5][0:14] == managed
    assert data[5][82:100].rstrip() == "ANYSHIRE DP CLIENT"


def test_bacs_totals_still_reconcile_with_two_contras():
    run = two_accounts_run()
    summary = read_bacs_summary(write_bacs_standard18(run, SETTINGS))
    assert summary.bad_lengths == () and summary.contra_count == summary.trailer_debit_count == 2
    assert summary.credit_total_pence == summary.contra_total_pence == summary.trailer_debit_total_pence \
        == summary.trailer_credit_total_pence == run.total_pence
    assert summary.credit_count == summary.trailer_credit_count == len(run.payments)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(files("sepaxml") / "schemas" / "pain.001.001.03.xsd"))


def test_pain001_has_one_payment_information_block_per_debtor_account(schema):
    run = two_accounts_run()
    xml = write_pain001(run, SETTINGS)
    schema.validate(xml.decode("utf-8"))
    blocks = etree.fromstring(xml).findall(".//p:PmtInf", NS)
    assert [(b.findtext("p:PmtInfId", namespaces=NS), b.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS),
             b.findtext("p:NbOfTxs", namespaces=NS), b.findtext("p:CtrlSum", namespaces=NS),
             [t.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for t in b.findall("p:CdtTrfTxInf", NS)])
            for b in blocks] == [
        ("CAREPAY-RUN-000042-1", "40127612345678", "2", "683.45", ["CP000042-00001", "CP000042-00004"]),
        ("CAREPAY-RUN-000042-2", "40127687654321", "2", "255.00", ["CP000042-00002", "CP000042-00003"])]
    assert read_pain001_totals(xml) == (4, run.total_pence, run.total_pence)


def test_the_journal_posts_managed_account_payments_to_the_client_account_not_to_spending():
    run = two_accounts_run()
    lines = journal_lines(run, MAPPING)
    assert [(x.cost_centre, x.subjective_code, x.debit_pence, x.credit_pence) for x in lines] == [
        ("CC-DP", "5310", 56_000, 0), ("CC-EAST", "5110", 12_345, 0), ("ASC-DP", "9200", 25_500, 0),
        ("FIN-CONTROL", "9100", 0, run.total_pence)]
    assert "managed direct payment accounts" in lines[2].description
    custom = replace(MAPPING, managed_subjective="8800", managed_cost_centre="DP-CLIENT")
    assert (journal_lines(run, custom)[2].cost_centre, journal_lines(run, custom)[2].subjective_code) == (
        "DP-CLIENT", "8800")


def test_every_file_agrees_and_a_second_export_is_byte_identical():
    run = two_accounts_run()
    first, second = export_run(run, SETTINGS, MAPPING), export_run(two_accounts_run(), SETTINGS, MAPPING)
    assert export_breaches(run, first) == [] and first == second
    names = {f.name: f for f in files_of(first)}
    assert names["remittance/PRV-1.csv"].payment_reference == "CP000042-00001"
    assert names["remittance/PRV-1-CP000042-00002.csv"].control_total_pence == 18_000
    assert "remittance/PRV-2.html" in names


def test_a_run_paying_nothing_from_managed_accounts_writes_the_same_bytes_as_before():
    got = {f.name: f.sha256 for f in files_of(export_run(a_sound_run(), SETTINGS, MAPPING))}
    assert {k: got[k] for k in ("bacs", "pain001", "journal")} == {
        "bacs": "a1b28fe819813801ce8f2b04448fdd3e28189f983c726ae5fe5800d61ea5d925",
        "pain001": "fd0330b27063382d0a878fa6a3a7c3d9af25baf8fd7420ee1d897b8ff8e541cf",
        "journal": "8d5a2a1c536ac48970eee9017d4bdf09cdd8508611dfe0f7bb3eaa0e698a0522"}
    assert hashlib.sha256(write_bacs_standard18(a_sound_run(), SETTINGS)).hexdigest() == got["bacs"]


def test_a_payment_mixing_accounts_breaks_the_run_rules_and_is_not_exported():
    run = two_accounts_run()
    council, managed = run.payments[0], run.payments[1]
    mixed = replace(managed, lines=managed.lines + council.lines,
                    amount_pence=managed.amount_pence + council.amount_pence)
    broken = replace(run, payments=(mixed,) + run.payments[2:])
    assert {b.rule for b in run_breaches(broken)} == {"mixed_originating_accounts"}
    with pytest.raises(PaymentRefused, match="mixed_originating_accounts"):
        export_run(broken, SETTINGS, MAPPING)


def test_a_direct_payment_cannot_be_paid_from_a_managed_account():
    run = two_accounts_run()
    dp = run.payments[3]
    funded = replace(dp, lines=tuple(replace(ln, funded_by="DP-9") for ln in dp.lines))
    assert {b.rule for b in run_breaches(replace(run, payments=run.payments[:3] + (funded,)))} == {"funded_payee_kind"}


def test_managed_account_debited_says_who_was_paid_what_it_settles_and_the_balance_after():
    run = two_accounts_run()
    [debit] = debits_of(run.payments[1])
    event = events.managed_account_debited(run, debit, "P-9", 82_000)
    assert (event.aggregate_id(), event.person_ref, event.payment_reference, event.payee_kind, event.payee_id,
            event.amount_pence, event.balance_after_pence, event.settles, event.pay_date) == (
        "DP-9", "P-9", "CP000042-00002", "provider", "PRV-1", 18_000, 82_000, ["INV-2"], run.pay_date)
