"""The general-ledger journal for the council's finance system.

Each remittance line is charged (debited) to its cost centre (team or locality) and the
subjective code of its service type; like lines (same cost centre and code) are consolidated
into one; one credit to the creditors/bank control account balances the journal, for exactly
the run's total. A line split by agreement (an invoice's agreement periods, and its credit notes) is
charged to each agreement's cost centre by its charge (the split sums exactly to the line:
`agreement_split`); a cost centre not known is the mapping's default. Codes come from a
configurable `JournalMapping`, never from code.

A line paid from a council-managed direct payment's account (`funded_by` set, whatever its kind)
is not new spending: the direct payment into that account was charged when it was paid. It is
charged instead to the managed direct-payment client account (`managed_subjective` on
`managed_cost_centre`), all such lines consolidated into one, so the client account's balance in
the ledger falls by what left it.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.common import ServiceType
from shared.money import pence_to_pounds
from shared.spreadsheet import safe_row
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.run_lines import RemittanceLine

COLUMNS = ("journal_reference", "posting_date", "line", "cost_centre", "subjective_code", "description",
           "debit", "credit")


@dataclass(frozen=True, slots=True)
class JournalMapping:
    """Subjective (nominal) code per service type, and where the balancing credit goes."""

    subjective_by_service: Mapping[ServiceType, str]
    control_subjective: str
    control_cost_centre: str
    default_cost_centre: str = ""  # for a line that carries no cost centre
    labels: Mapping[ServiceType, str] = field(default_factory=dict)  # e.g. {HOME_CARE: "Home care"}
    managed_subjective: str = "9200"  # the managed direct-payment client account: lines paid out of it
    managed_cost_centre: str = "ASC-DP"


@dataclass(frozen=True, slots=True)
class JournalLine:
    cost_centre: str
    subjective_code: str
    description: str
    debit_pence: int
    credit_pence: int


def journal_reference(run: PaymentRun) -> str:
    return f"CP-RUN-{run.run_number:06d}"


def journal_lines(run: PaymentRun, mapping: JournalMapping) -> list[JournalLine]:
    """Consolidated charge lines in (cost centre, code) order, then the one line of everything paid from
    managed accounts, then the control credit."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    services: dict[tuple[str, str], set[ServiceType]] = defaultdict(set)
    unmapped: set[ServiceType] = set()
    managed = 0
    for payment in run.payments:
        for line in payment.lines:
            if line.funded_by:
                managed += line.amount_pence
                continue
            code = mapping.subjective_by_service.get(line.service_type)
            if code is None:
                unmapped.add(line.service_type)
                continue
            for centre, pence in _charged(line):
                key = (centre or mapping.default_cost_centre, code)
                sums[key] += pence
                services[key].add(line.service_type)
    if unmapped:
        raise PaymentRefused("journal_mapping", f"no subjective code for {', '.join(sorted(unmapped))}: "
                                                "add it to the journal mapping")
    missing_centre = sorted(code for centre, code in sums if not centre)
    if missing_centre:
        raise PaymentRefused("cost_centre", f"lines coded {', '.join(missing_centre)} have no cost centre: "
                                            "set one on the invoice or a default in the journal mapping")
    lines = []
    for (centre, code), amount in sorted(sums.items()):
        if amount == 0:
            continue
        names = ", ".join(sorted(mapping.labels.get(s, str(s)) for s in services[(centre, code)]))
        lines.append(JournalLine(centre, code, f"{names} run {run.run_number} {run.pay_date:%d/%m/%Y}",
                                 max(amount, 0), max(-amount, 0)))
    if managed:
        lines.append(JournalLine(mapping.managed_cost_centre, mapping.managed_subjective,
                                 f"Paid from managed direct payment accounts run {run.run_number} "
                                 f"{run.pay_date:%d/%m/%Y}", max(managed, 0), max(-managed, 0)))
    lines.append(JournalLine(mapping.control_cost_centre, mapping.control_subjective,
                             f"Payment run {run.run_number} {run.pay_date:%d/%m/%Y} to creditors control",
                             0, run.total_pence))
    debits, credits = sum(x.debit_pence for x in lines), sum(x.credit_pence for x in lines)
    if debits != credits:  # lines and payments disagree: the run itself is unsound
        raise PaymentRefused("run", f"journal does not balance: debits {debits}p, credits {credits}p")
    return lines


def _charged(line: RemittanceLine) -> list[tuple[str, int]]:
    """(cost centre, pence) of the line: one per agreement it is split by, else the line's own."""
    if line.charges:
        return [(c.cost_centre or line.cost_centre, c.amount_pence) for c in line.charges]
    return [(line.cost_centre, line.amount_pence)]


def _money(pence: int) -> str:
    return str(pence_to_pounds(pence)) if pence else ""


def write_journal_csv(run: PaymentRun, mapping: JournalMapping) -> str:
    """The journal as CSV (amounts in pounds, blank where nothing is debited or credited)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    reference, posted = journal_reference(run), run.pay_date.isoformat()
    for number, line in enumerate(journal_lines(run, mapping), start=1):
        writer.writerow(safe_row([reference, posted, number, line.cost_centre, line.subjective_code, line.description])
                        + [_money(line.debit_pence), _money(line.credit_pence)])
    return out.getvalue()
