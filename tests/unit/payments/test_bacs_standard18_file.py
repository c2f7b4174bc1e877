"""The Bacs Standard 18 file: record lengths, fields, contra, trailer and determinism."""
from __future__ import annotations

from datetime import date

import pytest

from services.payments.domain.errors import RunConflict
from services.payments.domain.files.bacs_standard18 import julian, read_bacs_summary, write_bacs_standard18
from services.payments.domain.files.text import bacs_text
from tests.unit.payments.builders import SETTINGS, a_sound_run, approved, invoice, payee, propose


def records(data: bytes) -> list[str]:
    assert data.endswith(b"\r\n")
    return data.decode("ascii").split("\r\n")[:-1]


def test_labels_come_in_order_around_the_data_records():
    run = a_sound_run()
    kinds = [r[:4] for r in records(write_bacs_standard18(run, SETTINGS))]
    n = len(run.payments)
    assert kinds[:4] == ["VOL1", "HDR1", "HDR2", "UHL1"] and kinds[-3:] == ["EOF1", "EOF2", "UTL1"]
    assert len(kinds) == 4 + n + 1 + 3


def test_labels_are_exactly_80_and_data_records_exactly_100_characters():
    lines = records(write_bacs_standard18(a_sound_run(), SETTINGS))
    assert {len(r) for r in lines[:4] + lines[-3:]} == {80}
    assert {len(r) for r in lines[4:-3]} == {100}


def test_credit_record_fields_sit_at_their_positions():
    run = a_sound_run()
    first = records(write_bacs_standard18(run, SETTINGS))[4]
    payment = run.payments[0]
    assert first[0:6] == payment.account.sort_code and first[6:14] == payment.account.account_number
    assert first[14] == "0" and first[15:17] == "99"
    assert first[17:23] == "401276" and first[23:31] == "12345678"
    assert first[35:46] == f"{payment.amount_pence:011d}"
    assert first[46:64] == "ANYSHIRE COUNTY CO"
    assert first[64:82] == payment.reference.ljust(18)
    assert first[82:100] == bacs_text(payment.account.account_name, 18)


def test_amount_is_in_pence_eleven_digits_zero_filled():
    run = approved(propose([invoice(pence=123_456)]))
    assert records(write_bacs_standard18(run, SETTINGS))[4][35:46] == "00000123456"


def test_contra_debits_the_originating_account_for_the_total_with_code_17():
    run = a_sound_run()
    contra = records(write_bacs_standard18(run, SETTINGS))[-4]
    assert contra[0:14] == "40127612345678" and contra[15:17] == "17"
    assert int(contra[35:46]) == run.total_pence
    assert contra[64:82].rstrip() == "CONTRA"


def test_trailer_carries_counts_and_value_totals():
    run = a_sound_run()
    utl1 = records(write_bacs_standard18(run, SETTINGS))[-1]
    assert int(utl1[4:17]) == run.total_pence and int(utl1[17:30]) == run.total_pence
    assert int(utl1[30:37]) == 1 and int(utl1[37:44]) == len(run.payments)


def test_summary_read_back_agrees_with_the_run():
    run = a_sound_run()
    summary = read_bacs_summary(write_bacs_standard18(run, SETTINGS))
    assert summary.bad_lengths == ()
    assert summary.credit_total_pence == summary.contra_total_pence == run.total_pence
    assert summary.credit_count == summary.trailer_credit_count == len(run.payments)


def test_uhl1_carries_the_processing_day_as_space_year_day_of_year():
    run = a_sound_run()  # processing day Tuesday 10 March 2026, day 69
    uhl1 = records(write_bacs_standard18(run, SETTINGS))[3]
    assert uhl1[4:10] == " 26069" and uhl1[28:37] == "1 DAILY  "


def test_julian_date_pads_the_day_of_year_to_three_digits():
    assert julian(date(2026, 1, 5)) == " 26005" and julian(date(2024, 12, 31)) == " 24366"


def test_vol1_and_hdr1_carry_the_service_user_number_and_run_serial():
    lines = records(write_bacs_standard18(a_sound_run(), SETTINGS))
    assert lines[0][4:10] == "000042" and lines[0][41:47] == "123456" and lines[0][79] == "1"
    assert lines[1][4:21] == "A123456S  1123456" and lines[1][21:27] == "000042"


def test_names_are_upper_case_in_the_bacs_character_set():
    run = approved(propose([invoice()], {"PRV-1": payee(name="Zoë's Care (Home) Ltd")}))
    record = records(write_bacs_standard18(run, SETTINGS))[4]
    assert record[82:100] == "ZOE S CARE  HOME  "
    assert set(record) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")


def test_long_names_are_cut_to_18_characters():
    assert bacs_text("The Very Long Name Care Agency Limited", 18) == "THE VERY LONG NAME"


def test_same_run_exports_byte_identical_files():
    assert write_bacs_standard18(a_sound_run(), SETTINGS) == write_bacs_standard18(a_sound_run(), SETTINGS)


def test_unapproved_run_is_not_written():
    with pytest.raises(RunConflict, match="not approved"):
        write_bacs_standard18(propose([invoice()]), SETTINGS)
