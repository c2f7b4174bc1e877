"""Every file of an approved run in one call, checked against the run before it is handed over.

Control totals in every file must equal the run's: the Bacs credits, contra and trailer; the
pain.001 NbOfTxs and CtrlSum; the journal's control credit; each remittance's total. A file
that disagrees is refused rather than sent.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from shared.money import pounds_to_pence
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.bacs_standard18 import read_bacs_summary, write_bacs_standard18
from services.payments.domain.files.gl_journal import JournalMapping, write_journal_csv
from services.payments.domain.files.pain001 import read_pain001_totals, write_pain001
from services.payments.domain.files.remittance import provider_payments, remittance_csv, remittance_html
from services.payments.domain.inputs import PaymentSettings
from services.payments.domain.invariants import Breach, run_breaches
from services.payments.domain.managed_funding import by_originating_account
from services.payments.domain.payment_run import PaymentRun


@dataclass(frozen=True, slots=True)
class Remittance:
    payee_id: str
    payment_reference: str
    csv: str
    html: str


@dataclass(frozen=True, slots=True)
class RunFiles:
    bacs: bytes
    pain001: bytes
    journal_csv: str
    remittances: tuple[Remittance, ...]


def export_run(run: PaymentRun, settings: PaymentSettings, mapping: JournalMapping) -> RunFiles:
    """All files for an approved run; refused (PaymentRefused) if any control total disagrees."""
    unsound = run_breaches(run)
    if unsound:
        raise PaymentRefused("run", "the run breaks payment rules: " + "; ".join(str(b) for b in unsound))
    files = RunFiles(
        bacs=write_bacs_standard18(run, settings),
        pain001=write_pain001(run, settings),
        journal_csv=write_journal_csv(run, mapping),
        remittances=tuple(Remittance(p.payee_id, p.reference, remittance_csv(run, p),
                                     remittance_html(run, p, settings.council_name)) for p in provider_payments(run)))
    breaches = export_breaches(run, files)
    if breaches:
        raise PaymentRefused("files", "the files disagree with the run: " + "; ".join(str(b) for b in breaches))
    return files


def export_breaches(run: PaymentRun, files: RunFiles) -> list[Breach]:
    """Every control total in the files that differs from the run's."""
    total, count = run.total_pence, len(run.payments)
    found: list[Breach] = []

    def expect(rule: str, subject: str, actual: int, wanted: int) -> None:
        if actual != wanted:
            found.append(Breach(rule, subject, f"{actual} where the run has {wanted}"))

    bacs = read_bacs_summary(files.bacs)
    if bacs.bad_lengths:
        found.append(Breach("bacs_record_length", "bacs", f"records {list(bacs.bad_lengths)} have the wrong length"))
    expect("bacs_total", "credit records", bacs.credit_total_pence, total)
    expect("bacs_total", "contra", bacs.contra_total_pence, total)
    expect("bacs_total", "UTL1 credit value", bacs.trailer_credit_total_pence, total)
    expect("bacs_total", "UTL1 debit value", bacs.trailer_debit_total_pence, total)
    expect("bacs_count", "credit records", bacs.credit_count, count)
    expect("bacs_count", "UTL1 credit count", bacs.trailer_credit_count, count)
    expect("bacs_count", "UTL1 debit count", bacs.trailer_debit_count, bacs.contra_count)
    expect("bacs_count", "contras (one per originating account)", bacs.contra_count,
           len(by_originating_account(run.payments)))
    transactions, control, summed = read_pain001_totals(files.pain001)
    expect("pain001_count", "NbOfTxs", transactions, count)
    expect("pain001_total", "CtrlSum", control, total)
    expect("pain001_total", "InstdAmt", summed, total)
    rows = list(csv.DictReader(io.StringIO(files.journal_csv)))
    debits = sum(pounds_to_pence(r["debit"]) for r in rows if r["debit"])
    credits = sum(pounds_to_pence(r["credit"]) for r in rows if r["credit"])
    expect("journal_balance", "debits", debits, credits)
    expect("journal_total", "control credit", pounds_to_pence(rows[-1]["credit"] or "0") if rows else 0, total)
    by_reference = {p.reference: p for p in run.payments}
    for remittance in files.remittances:
        last = list(csv.reader(io.StringIO(remittance.csv)))[-1]
        expect("remittance_total", remittance.payment_reference, pounds_to_pence(last[-1]),
               by_reference[remittance.payment_reference].amount_pence)
    return found
