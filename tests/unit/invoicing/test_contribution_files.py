"""A contributions export's files: the debtors CSV (a row per revision, its change as the amount) and the GL
journal in the columns of payments' run journal, debtors control debited and income credited (swapped below 0)."""
from __future__ import annotations

import csv
import io
from datetime import date

from services.invoicing.domain.contribution_files import (JOURNAL_COLUMNS, ExportedCharge, JournalCodes, debtors_csv,
                                                          journal_csv)
from services.payments.domain.files import gl_journal

START, END = date(2026, 3, 2), date(2026, 3, 29)


def rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_the_journal_has_the_columns_of_the_payment_run_journal():
    assert JOURNAL_COLUMNS == gl_journal.COLUMNS


def test_the_debtors_file_has_a_row_per_revision_in_period_and_person_order():
    charges = [ExportedCharge("C-2", "P-2", START, END, 1, 20_000, "Contribution £50.00 a week"),
               ExportedCharge("C-3", "P-1", START, END, 2, -10_000, "-taken back after a death"),
               ExportedCharge("C-1", "P-1", date(2026, 2, 2), date(2026, 3, 1), 1, 7_200, "capped")]
    content = debtors_csv(charges)
    assert content.endswith(b"\r\n")
    assert rows(content) == [
        ["person_ref", "period_start", "period_end", "amount_pence", "reason", "charge_id"],
        ["P-1", "2026-02-02", "2026-03-01", "7200", "capped", "C-1"],
        ["P-1", "2026-03-02", "2026-03-29", "-10000", "'-taken back after a death", "C-3"],  # text made safe
        ["P-2", "2026-03-02", "2026-03-29", "20000", "Contribution £50.00 a week", "C-2"]]
    assert debtors_csv(list(reversed(charges))) == content


def test_the_journal_debits_debtors_and_credits_income_for_the_total():
    got = rows(journal_csv(3, date(2026, 4, 6), 17_200, JournalCodes()))
    assert got == [list(JOURNAL_COLUMNS),
                   ["CP-CONTRIB-000003", "2026-04-06", "1", "FIN-CONTROL", "9150",
                    "Client contributions export 3 06/04/2026 to debtors control", "172.00", ""],
                   ["CP-CONTRIB-000003", "2026-04-06", "2", "ASC-CARE", "8100",
                    "Client contributions export 3 06/04/2026 income", "", "172.00"]]


def test_a_negative_total_swaps_the_sides_and_the_codes_come_from_settings():
    codes = JournalCodes(income_subjective="8111", income_cost_centre="CC-INC", debtors_subjective="9999",
                         debtors_cost_centre="CC-DEB")
    got = rows(journal_csv(4, date(2026, 4, 6), -1_050, codes))
    assert [(r[3], r[4], r[6], r[7]) for r in got[1:]] == [("CC-DEB", "9999", "", "10.50"),
                                                          ("CC-INC", "8111", "10.50", "")]
