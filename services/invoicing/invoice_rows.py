"""An invoice as table rows and back: the one place that knows both the domain and the columns.

`Filed` is an invoice with what the tables keep beside the domain's fields: where it came from,
which agreement an original is for, the approval revision, and the query effect it answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.invoicing.domain.holds import HoldCode, HoldReason
from services.invoicing.domain.invoice import (Dispute, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus,
                                               UnreadableLine)
from services.invoicing.domain.periods import Period

ORIGINALS = frozenset({InvoiceKind.SELF_BILLED, InvoiceKind.SCHEDULED})

INVOICE_COLUMNS = ("invoice_id", "kind", "provider_id", "number", "number_claim", "agreement_id", "agreement_ids",
                   "person_refs", "service_type", "period_first", "period_last", "received_on", "provider_dated",
                   "status", "total_pence", "line_count", "holds", "hold_codes", "unreadable", "disputes",
                   "resumes_as", "due_on", "approval_revision", "corrects_invoice_id", "query_id", "effect_id",
                   "payment_run_id", "paid_on", "source")
LINE_COLUMNS = ("invoice_id", "line_number", "agreement_id", "person_ref", "first_day", "last_day", "amount_pence",
                "visit_id", "carer_id", "minutes", "rate_pence", "units", "description", "source_row")
SPAN_COLUMNS = ("invoice_id", "agreement_id", "first_day", "last_day")


@dataclass(frozen=True, slots=True)
class Filed:
    invoice: Invoice
    source: str
    service_type: str | None = None
    approval_revision: int = 0
    number_claim: str | None = None
    query_id: str | None = None
    effect_id: str | None = None

    @property
    def agreement_id(self) -> str | None:
        """The agreement of an original council invoice (the key of 'once per agreement and period')."""
        return self.invoice.lines[0].agreement_id if self.invoice.kind in ORIGINALS else None


def holds_json(holds: tuple[HoldReason, ...]) -> list[dict]:
    return [{"code": h.code.value, "message": h.message, "lines": list(h.line_numbers),
             "agreement_id": h.agreement_id, "expected_pence": h.expected_pence, "claimed_pence": h.claimed_pence,
             "reference": h.reference} for h in holds]


def holds_from(data: list[dict]) -> tuple[HoldReason, ...]:
    return tuple(HoldReason(HoldCode(h["code"]), h["message"], tuple(h.get("lines") or ()), h.get("agreement_id"),
                            h.get("expected_pence"), h.get("claimed_pence"), h.get("reference")) for h in data)


def disputes_json(disputes: tuple[Dispute, ...]) -> list[dict]:
    return [{"query_ref": d.query_ref, "opened_on": d.opened_on.isoformat(),
             "closed_on": d.closed_on.isoformat() if d.closed_on else None} for d in disputes]


def _disputes_from(data: list[dict]) -> tuple[Dispute, ...]:
    return tuple(Dispute(d["query_ref"], date.fromisoformat(d["opened_on"]),
                         date.fromisoformat(d["closed_on"]) if d["closed_on"] else None) for d in data)


def _unreadable_json(lines: tuple[UnreadableLine, ...]) -> list[dict]:
    return [{"line_number": u.line_number, "problems": list(u.problems), "source_row": u.source_row,
             "raw": [list(cell) for cell in u.raw]} for u in lines]


def _unreadable_from(data: list[dict]) -> tuple[UnreadableLine, ...]:
    return tuple(UnreadableLine(u["line_number"], tuple(u["problems"]), u.get("source_row"),
                                tuple(tuple(cell) for cell in u.get("raw") or ())) for u in data)


def invoice_record(filed: Filed) -> tuple:
    i = filed.invoice
    return (i.invoice_id, i.kind.value, i.provider_ref, i.number, filed.number_claim, filed.agreement_id,
            list(i.agreement_ids), list(dict.fromkeys(line.person_ref for line in i.lines)), filed.service_type,
            i.period.first, i.period.last, i.received_on, i.provider_dated, i.status.value, i.total_pence,
            len(i.lines), holds_json(i.holds), sorted({h.code.value for h in i.holds}), _unreadable_json(i.unreadable),
            disputes_json(i.disputes), i.resumes_as.value if i.resumes_as else None, i.due_on,
            filed.approval_revision, i.corrects, filed.query_id, filed.effect_id, i.payment_run_id, i.paid_on,
            filed.source)


def line_records(invoice: Invoice) -> list[tuple]:
    return [(invoice.invoice_id, *line) for line in invoice.lines]  # LINE_COLUMNS follow InvoiceLine


def span_records(invoice: Invoice) -> list[tuple]:
    """The days charged per agreement, for 'already invoiced' (corrections are differences: none)."""
    if invoice.kind in (InvoiceKind.CREDIT_NOTE, InvoiceKind.SUPPLEMENTARY):
        return []
    spans: dict[str, tuple[date, date]] = {}
    for line in invoice.lines:
        first, last = spans.get(line.agreement_id, (line.first_day, line.last_day))
        spans[line.agreement_id] = (min(first, line.first_day), max(last, line.last_day))
    return [(invoice.invoice_id, agreement_id, first, last) for agreement_id, (first, last) in spans.items()]


def line_from(row) -> InvoiceLine:
    units = row["units"]
    return InvoiceLine(row["line_number"], row["agreement_id"], row["person_ref"], row["first_day"], row["last_day"],
                       row["amount_pence"], row["visit_id"], row["carer_id"], row["minutes"], row["rate_pence"],
                       Decimal(units) if units is not None else None, row["description"], row["source_row"])


def filed_from(row, lines: list) -> Filed:
    invoice = Invoice(row["invoice_id"], InvoiceKind(row["kind"]), row["provider_id"], row["number"],
                      Period(row["period_first"], row["period_last"]), row["received_on"],
                      tuple(line_from(r) for r in lines), _unreadable_from(row["unreadable"]),
                      InvoiceStatus(row["status"]), holds_from(row["holds"]), row["due_on"],
                      row["corrects_invoice_id"], row["provider_dated"], _disputes_from(row["disputes"]),
                      InvoiceStatus(row["resumes_as"]) if row["resumes_as"] else None, row["payment_run_id"],
                      row["paid_on"])
    return Filed(invoice, row["source"], row["service_type"], row["approval_revision"], row["number_claim"],
                 row["query_id"], row["effect_id"])
