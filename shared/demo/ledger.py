"""What the month did on the stack: the ids the services gave back and everything that was sent.

The scenario fills it step by step; the end-to-end test reads it (with the council) to work out what
the system should have produced, and the demo prints from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Sent:
    """One call-monitoring record as a feed sent it (field names of contracts/ecm.py, values as sent)."""

    feed: str  # kafka, http, csv, xml
    provider_key: str
    batch: str  # the message batch or file it went in
    fields: dict[str, str | None]
    accepted: bool = True  # False: in a file the service refused whole (malformed or duplicate)


@dataclass(frozen=True)
class ProviderInvoice:
    """An invoice a provider sent: its lines as sent, and whether it was the one with wrong lines."""

    provider_key: str
    number: str
    week: date
    lines: tuple[dict[str, Any], ...]
    invoice_id: str
    wrong: bool = False


@dataclass
class Dispute:
    invoice_id: str
    visit_id: str
    carer_id: str
    query_id: str = ""
    credit_note_id: str = ""
    credit_pence: int = 0


@dataclass
class DpReview:
    """The direct payment held by a person: varied after a reassessment, its return audited, its surplus
    reclaimed by netting."""

    agreement_id: str
    reassessment_id: str = ""
    return_id: str = ""
    closing_balance_pence: int = 0
    surplus_pence: int = 0
    reclaim_id: str = ""


@dataclass
class RunDone:
    kind: str
    run_id: str
    pay_date: date
    total_pence: int
    dp_pence: int = 0  # of which direct payments
    files: dict[str, Path] = field(default_factory=dict)  # bacs, pain001, journal -> saved copy
    remittances: dict[str, Path] = field(default_factory=dict)  # provider key -> its remittance CSV, saved


@dataclass
class Isf:
    """The ISFs' month: the advances raised (by person and period), the returns as sent and as answered,
    the surplus credited against the next advance, and the overpayment credits after the death told late."""

    raised: dict[date, dict] = field(default_factory=dict)  # period start -> POST /isf-advances answer
    advances: dict[tuple[str, date], str] = field(default_factory=dict)  # (person ref, period start) -> invoice id
    first_run_periods: tuple[date, ...] = ()  # the periods the month's four-weekly run pays in advance
    next_period: date | None = None  # the period the next four-weekly run advances
    sent: dict[str, list[dict]] = field(default_factory=dict)  # person ref -> the return's lines (pence) as sent
    returns: dict[str, dict] = field(default_factory=dict)  # person ref -> the return as invoicing answered it
    surplus_credit_note_id: str = ""
    overpayments: dict[str, str] = field(default_factory=dict)  # credit note id -> the advance it corrects


@dataclass
class Contributions:
    """The month's contribution charges: the officer's run, and the debtors export with its saved files."""

    run: dict = field(default_factory=dict)  # POST /contribution-charges/runs answer
    export_id: str = ""
    count: int = 0
    total_pence: int = 0
    files: dict[str, Path] = field(default_factory=dict)  # debtors, journal -> saved copy


@dataclass
class Ledger:
    provider_ids: dict[str, str] = field(default_factory=dict)  # provider key -> provider_id
    rate_cards: dict[str, list[str]] = field(default_factory=dict)  # provider key -> rate card ids, in order
    request_ids: dict[str, str] = field(default_factory=dict)  # person ref -> request_id
    agreement_ids: dict[str, str] = field(default_factory=dict)  # person ref -> agreement (or DP) id
    sent: list[Sent] = field(default_factory=list)
    confirmed: dict[tuple[str, date], dict] = field(default_factory=dict)  # (agreement_id, Monday) -> period
    provider_invoices: list[ProviderInvoice] = field(default_factory=list)
    rejected_unallocated: list[str] = field(default_factory=list)
    dispute: Dispute | None = None
    missed_query_id: str = ""
    runs: dict[str, RunDone] = field(default_factory=dict)  # weekly, four_weekly, managed, next_four_weekly
    dp_ids: dict[str, str] = field(default_factory=dict)  # person ref -> DP id, for care bought from a managed DP
    pa_ids: dict[str, str] = field(default_factory=dict)  # person ref -> the PA employed from their managed DP
    payroll: dict[tuple[str, date], list[dict]] = field(default_factory=dict)  # (person, Monday) -> export rows
    dp_review: "DpReview | None" = None  # the person's direct payment varied, audited and reclaimed
    isf: Isf = field(default_factory=Isf)
    contributions: Contributions = field(default_factory=Contributions)

    def person_of(self, agreement_id: str) -> str:
        return next(ref for ref, aid in self.agreement_ids.items() if aid == agreement_id)
