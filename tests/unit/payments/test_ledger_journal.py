"""The general-ledger journal: consolidated charge lines balanced by one control credit."""
from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from contracts.common import ServiceType
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.gl_journal import journal_lines, write_journal_csv
from tests.unit.payments.builders import MAPPING, a_sound_run, approved, invoice, payees, propose


def test_like_lines_are_consolidated_by_cost_centre_and_subjective_code():
    run = approved(propose([invoice("INV-1", pence=1_000), invoice("INV-2", "PRV-2", pence=2_000),
                            invoice("INV-3", pence=400, cost_centre="CC-WEST")], payees("PRV-1", "PRV-2")))
    charges = [(x.cost_centre, x.subjective_code, x.debit_pence) for x in journal_lines(run, MAPPING)[:-1]]
    assert charges == [("CC-EAST", "5110", 3_000), ("CC-WEST", "5110", 400)]


def test_subjective_code_follows_the_service_type_mapping():
    lines = journal_lines(a_sound_run(), MAPPING)
    assert {(x.cost_centre, x.subjective_code) for x in lines[:-1]} == {
        ("CC-EAST", "5110"), ("CC-WEST", "5210"), ("CC-DP", "5310")}


def test_credit_notes_reduce_the_charge_they_correct():
    run = approved(propose([invoice(pence=10_000, credits=(2_500,))]))
    assert journal_lines(run, MAPPING)[0].debit_pence == 7_500


def test_control_credit_equals_the_run_total_and_the_journal_balances():
    run = a_sound_run()
    lines = journal_lines(run, MAPPING)
    assert (lines[-1].subjective_code, lines[-1].credit_pence) == ("9100", run.total_pence)
    assert sum(x.debit_pence for x in lines) == sum(x.credit_pence for x in lines)


def test_cost_centre_whose_credits_exceed_its_charges_is_a_credit_line():
    run = approved(propose([invoice("INV-1", pence=5_000), invoice("INV-2", pence=100, credits=(600,),
                                                                   cost_centre="CC-WEST")]))
    west = [x for x in journal_lines(run, MAPPING) if x.cost_centre == "CC-WEST"][0]
    assert (west.debit_pence, west.credit_pence) == (0, 500)


def test_unmapped_service_type_is_refused_naming_it():
    mapping = replace(MAPPING, subjective_by_service={ServiceType.HOME_CARE: "5110"})
    with pytest.raises(PaymentRefused, match="residential"):
        journal_lines(a_sound_run(), mapping)


def test_csv_has_amounts_in_pounds_and_balances():
    rows = list(csv.DictReader(io.StringIO(write_journal_csv(a_sound_run(), MAPPING))))
    assert rows[0]["journal_reference"] == "CP-RUN-000042" and rows[0]["posting_date"] == "2026-03-11"
    debits = sum(float(r["debit"] or 0) for r in rows)
    assert round(debits, 2) == round(sum(float(r["credit"] or 0) for r in rows), 2) == 1859.99


def test_cost_centre_looking_like_a_formula_is_neutralised():
    run = approved(propose([invoice(cost_centre="=cmd|' /C calc'!A0")]))
    assert "'=cmd" in write_journal_csv(run, MAPPING)


def test_journal_is_identical_on_re_export():
    assert write_journal_csv(a_sound_run(), MAPPING) == write_journal_csv(a_sound_run(), MAPPING)
