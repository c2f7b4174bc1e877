"""The files of a contributions export: the council's debtors file and its general-ledger journal.

- Debtors CSV: one row per charge revision exported (person reference, period, amount = what the
  revision adds in pence, below 0 when it takes away, the reason, the revision's charge id), in
  (period, person, revision) order.
- Journal CSV, in the columns of payments' run journal: the export's total debited to the debtors
  control account and credited to client-contribution income; when the total is below 0 the sides
  swap. Amounts in pounds, blank on the side not used. Codes come from settings, never from code.
Text cells are made safe for spreadsheets; the files are written once and kept as written.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.money import pence_to_pounds
from shared.spreadsheet import safe_row

DEBTORS_COLUMNS = ("person_ref", "period_start", "period_end", "amount_pence", "reason", "charge_id")
JOURNAL_COLUMNS = ("journal_reference", "posting_date", "line", "cost_centre", "subjective_code", "description",
                   "debit", "credit")


@dataclass(frozen=True, slots=True)
class JournalCodes:
    """Where contributions are posted: income (credited) and the debtors control account (debited)."""

    income_subjective: str = "8100"
    income_cost_centre: str = "ASC-CARE"
    debtors_subjective: str = "9150"
    debtors_cost_centre: str = "FIN-CONTROL"


@dataclass(frozen=True, slots=True)
class ExportedCharge:
    charge_id: str
    person_ref: str
    period_start: date
    period_end: date
    revision: int
    change_pence: int
    reason: str


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def debtors_csv(charges: Sequence[ExportedCharge]) -> bytes:
    ordered = sorted(charges, key=lambda c: (c.period_start, c.person_ref, c.revision))
    return _csv([list(DEBTORS_COLUMNS)] + [
        safe_row([c.person_ref, c.period_start.isoformat(), c.period_end.isoformat()]) + [c.change_pence]
        + safe_row([c.reason, c.charge_id]) for c in ordered])


def journal_reference(export_number: int) -> str:
    return f"CP-CONTRIB-{export_number:06d}"


def _money(pence: int) -> str:
    return str(pence_to_pounds(pence)) if pence else ""


def journal_csv(export_number: int, posting_date: date, total_pence: int, codes: JournalCodes) -> bytes:
    """Two lines that balance: debtors control and contribution income, each for the export's total."""
    debit, credit = max(total_pence, 0), max(-total_pence, 0)
    when = f"{posting_date:%d/%m/%Y}"
    lines = [(codes.debtors_cost_centre, codes.debtors_subjective,
              f"Client contributions export {export_number} {when} to debtors control", debit, credit),
             (codes.income_cost_centre, codes.income_subjective,
              f"Client contributions export {export_number} {when} income", credit, debit)]
    reference = journal_reference(export_number)
    return _csv([list(JOURNAL_COLUMNS)] + [
        safe_row([reference, posting_date.isoformat(), n, centre, code, text]) + [_money(dr), _money(cr)]
        for n, (centre, code, text, dr, cr) in enumerate(lines, start=1)])
