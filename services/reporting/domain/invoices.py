"""Invoices and credit notes: what invoicing said about each, and what payments did with it.

invoiced: the latest approved amount of an invoice (a re-approval replaces it) unless voided or
rejected; a credit note counts negative from its issue (invoicing never approves one: it counts from
the London date of its CreditNoteIssued). paid: what InvoicePaid confirmed, unless a return of that
same payment reversed it. Both are attributed to the days the invoice pays for (`attribution`: each
agreement's charged days from the approval, else the invoice's period; a payment heard of before its
invoice on the day it was paid), beside what was committed and delivered for those weeks and months.

An invoice whose approval says the days and amount it charges each of several agreements
(`agreement_periods`) is split between them as payments' journal splits it (the largest remainder of
the amounts, ties to the agreement listed first), and each agreement's part counts under that
agreement's own dims (person, service type, cost centre, mechanism: direct_payment_managed when a
managed account funds it); otherwise the whole invoice counts under its (first) agreement's dims.

Invoicing and payments events reach reporting on different topics, in either order: each writes
its own fields of the fact, so the final state, and every figure, is the same whatever the order.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from contracts.common import SpendMechanism
from services.reporting.domain.aggregates import (SEVERAL_PEOPLE, UNASSIGNED, UNKNOWN_MECHANISM, UNKNOWN_SERVICE,
                                                  Contribution, Dims, spend_in)
from services.reporting.domain.attribution import Span, shares, split_pence, spread
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.periods import PERIOD_KINDS, period_start

CREDIT_NOTE = "credit_note"
_DATES = ("period_start", "period_end", "received_on", "valid_on", "approved_on", "due_date", "issued_on")
TERM_DAYS = 30


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    provider_id: str
    kind: str | None = None  # None until a document event (a payment may be heard of first)
    service_type: str | None = None
    agreement_ids: tuple[str, ...] = ()
    person_refs: tuple[str, ...] = ()
    period_start: date | None = None
    document_pence: int = 0
    revision: int = 0  # of the latest approval; 0 while never approved
    approved_pence: int = 0
    received_on: date | None = None
    valid_on: date | None = None
    approved_on: date | None = None
    due_date: date | None = None
    held: bool = False
    cancelled: bool = False  # voided or rejected
    paid: dict[str, tuple[int, date]] = field(default_factory=dict)  # payment_reference -> (pence, paid_on)
    returned: frozenset[str] = frozenset()  # payment references the bank returned
    period_end: date | None = None  # None in facts kept before it was (then all on period_start)
    spans: tuple[Span, ...] = ()  # each agreement's charged days and amount, from the latest approval
    span_agreements: tuple[str, ...] = ()  # the agreement of each span, in invoicing's order (empty: not said)
    issued_on: date | None = None  # a credit note's issue (London date of CreditNoteIssued)

    @property
    def counts_from(self) -> date | None:
        """The day it is first invoiced: its first approval, or a credit note's issue (never approved)."""
        return self.approved_on or (self.issued_on if self.is_credit_note else None)

    @property
    def split(self) -> bool:
        """Split between its agreements: the approval said the days of each of several."""
        return len(set(self.span_agreements)) > 1 and len(self.span_agreements) == len(self.spans)

    def parts(self, pence: int, settled_on: date | None) -> list[tuple[str | None, int, list[Span]]]:
        """`pence` by agreement: (agreement, its part, the days it pays for). Split between several agreements
        when the approval said each one's days (largest remainder of their amounts), else one part under the
        (first) agreement."""
        if self.split:
            split = split_pence(pence, [w for _, _, w in self.spans])
            return [(a, p, [span]) for a, p, span in zip(self.span_agreements, split, self.spans)]
        return [(self.agreement_id, pence, self.days_paid_for(settled_on))]

    def days_paid_for(self, settled_on: date | None) -> list[Span]:
        """The days the invoice pays for: its agreements' charged days, else its period, else the day
        it was paid (a payment heard of before the invoice)."""
        if self.spans:
            return list(self.spans)
        if self.period_start is not None:
            return [(self.period_start, max(self.period_end or self.period_start, self.period_start), 1)]
        return [(settled_on, settled_on, 1)] if settled_on else []

    @property
    def agreement_id(self) -> str | None:
        """The agreement whose dims the invoice reports under: the one it covers, or the first (by id) of
        several, whose mechanism it takes (an invoice is paid from one account: the council's, or the
        managed account funding its agreements)."""
        return min(self.agreement_ids) if self.agreement_ids else None

    @property
    def one_agreement(self) -> bool:
        return len(self.agreement_ids) == 1

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    @property
    def invoiced_pence(self) -> int:
        if self.cancelled or self.kind is None:
            return 0
        if self.is_credit_note:
            return -(self.approved_pence if self.revision else self.document_pence)
        return self.approved_pence if self.revision else 0

    @property
    def settled(self) -> tuple[int, date] | None:
        """(pence, paid_on) of the payments that stand (not returned), or None when unpaid."""
        standing = [v for ref, v in self.paid.items() if ref not in self.returned]
        if not standing:
            return None
        return sum(p for p, _ in standing), max(d for _, d in standing)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["paid"] = {ref: [p, d.isoformat()] for ref, (p, d) in self.paid.items()}
        data["returned"] = sorted(self.returned)
        data["spans"] = [[a.isoformat(), b.isoformat(), w] for a, b, w in self.spans]
        data["span_agreements"] = list(self.span_agreements)
        for name in _DATES:
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Invoice:
        values = dict(data)
        for name in _DATES:
            values[name] = date.fromisoformat(values[name]) if values.get(name) else None
        values["spans"] = tuple((date.fromisoformat(a), date.fromisoformat(b), w)
                                for a, b, w in values.get("spans", ()))
        values["agreement_ids"] = tuple(values.get("agreement_ids", ()))
        values["span_agreements"] = tuple(values.get("span_agreements", ()))
        values["person_refs"] = tuple(values.get("person_refs", ()))
        values["paid"] = {ref: (p, date.fromisoformat(d)) for ref, (p, d) in values.get("paid", {}).items()}
        values["returned"] = frozenset(values.get("returned", ()))
        return cls(**values)


def documented(held: Invoice, *, kind: str, service_type: str | None, agreement_ids: list[str],
               person_refs: list[str], period_start: date, total_pence: int, period_end: date | None = None,
               issued_on: date | None = None) -> Invoice:
    """An invoice, credit note or supplementary invoice was issued or received (a credit note counts from
    `issued_on`, its first issue)."""
    return replace(held, kind=kind, service_type=service_type or held.service_type,
                   agreement_ids=tuple(agreement_ids), person_refs=tuple(sorted(set(person_refs))),
                   period_start=period_start, period_end=period_end, document_pence=total_pence,
                   issued_on=held.issued_on or (issued_on if kind == CREDIT_NOTE else None))


def approved(held: Invoice, *, revision: int, kind: str, service_type: str | None, agreement_ids: list[str],
             period_start: date, amount_pence: int, received_on: date, valid_on: date, due_date: date,
             approved_on: date, period_end: date | None = None, spans: tuple[Span, ...] = (),
             span_agreements: tuple[str, ...] = ()) -> Invoice | None:
    """The latest approval replaces an earlier one (and the days it charges); an older or repeated
    revision changes nothing."""
    if revision <= held.revision:
        return None
    return replace(held, kind=held.kind or kind, service_type=service_type or held.service_type,
                   agreement_ids=held.agreement_ids or tuple(agreement_ids),
                   period_start=held.period_start or period_start,
                   period_end=held.period_end or period_end, spans=tuple(spans),
                   span_agreements=tuple(span_agreements),
                   revision=revision, approved_pence=amount_pence,
                   received_on=received_on, valid_on=valid_on, due_date=due_date,
                   approved_on=held.approved_on or approved_on, held=False, cancelled=False)


def paid(held: Invoice, payment_reference: str, pence: int, paid_on: date) -> Invoice:
    return replace(held, paid={**held.paid, payment_reference: (pence, paid_on)})


def returned(held: Invoice, payment_reference: str) -> Invoice:
    return replace(held, returned=held.returned | {payment_reference})


def dims_of(invoice: Invoice, agreement: AgreementDim | None, *, split: bool = False) -> Dims:
    """Service type and person from the invoice, else from the one agreement it covers (or, for a part of a
    split invoice, from that part's agreement); the mechanism and cost centre of the agreement, or
    council_arranged and unassigned when it names none."""
    one = agreement if agreement is not None and (invoice.one_agreement or split) else None
    service = invoice.service_type or (one.service_type if one else None) or UNKNOWN_SERVICE
    if len(invoice.person_refs) == 1:
        person = invoice.person_refs[0]
    elif one is not None and (split or not invoice.person_refs) and one.person_ref:
        person = one.person_ref
    else:
        person = SEVERAL_PEOPLE
    if agreement is not None:
        mechanism = agreement.dims.mechanism
    else:
        mechanism = UNKNOWN_MECHANISM if invoice.agreement_ids else SpendMechanism.COUNCIL_ARRANGED.value
    return Dims(service, invoice.provider_id, person, mechanism=mechanism,
                cost_centre=agreement.dims.cost_centre if agreement is not None else UNASSIGNED)


def reported_under(invoice: Invoice) -> list[str]:
    """The agreements whose dims the invoice's figures count under: each of a split invoice's, else its first."""
    return sorted({a for a, _, _ in invoice.parts(0, None) if a})


def part_dims(invoice: Invoice, agreement_id: str | None, dims: Mapping[str, AgreementDim]) -> Dims:
    """Where one agreement's part of the invoice counts (a placeholder dim for an agreement not given)."""
    if not invoice.split or agreement_id is None:
        return dims_of(invoice, dims.get(agreement_id) if agreement_id else None)
    return dims_of(invoice, dims.get(agreement_id) or AgreementDim(agreement_id, SEVERAL_PEOPLE, invoice.provider_id),
                   split=True)


def contributions(invoice: Invoice | None, dims: Mapping[str, AgreementDim]) -> list[Contribution]:
    """Spend of each agreement's part under its dims (`dims`: by agreement id; a part whose agreement is not
    given counts under a placeholder, the same in every call, so moving one agreement's dims changes only
    its part), prompt payment and unpaid invoices."""
    if invoice is None:
        return []
    settled = invoice.settled
    out = attributed(invoice, dims, settled)
    if invoice.is_credit_note or invoice.cancelled or not invoice.revision:
        return out
    if settled is not None and invoice.received_on is not None:
        out.append(prompt_payment(invoice.provider_id, invoice.received_on, invoice.valid_on, *settled))
    elif settled is None and not invoice.held and invoice.due_date is not None:
        out.append(Contribution("unpaid_invoices", (invoice.provider_id, invoice.due_date),
                                (1, invoice.approved_pence)))
    return out


def attributed(invoice: Invoice, dims: Mapping[str, AgreementDim],
               settled: tuple[int, date] | None) -> list[Contribution]:
    """Invoiced and paid, each agreement's part spread over the days it pays for, by week and by month."""
    settled_on = settled[1] if settled else None
    invoiced = invoice.parts(invoice.invoiced_pence, settled_on)
    paid = invoice.parts(settled[0] if settled else 0, settled_on)
    out: list[Contribution] = []
    for (agreement_id, invoiced_part, days), (_, paid_part, _) in zip(invoiced, paid):
        where = part_dims(invoice, agreement_id, dims)
        for kind in PERIOD_KINDS:
            parts = shares(days, kind)
            by_start, paid_by_start = spread(invoiced_part, parts), spread(paid_part, parts)
            for start in sorted(by_start.keys() | paid_by_start.keys()):
                out += spend_in(where, kind, start, invoiced=by_start.get(start, 0), paid=paid_by_start.get(start, 0))
    return out


def prompt_payment(provider_id: str, received_on: date, valid_on: date | None, pence: int,
                   paid_on: date) -> Contribution:
    """Days to pay count from receipt (day 1 is the day after); a dispute's pause shows against valid_on."""
    days = (paid_on - received_on).days
    from_valid = (paid_on - max(valid_on or received_on, received_on)).days
    return Contribution("prompt_payment", (period_start("month", paid_on), provider_id),
                        (1, pence, days, int(days <= TERM_DAYS), int(from_valid <= TERM_DAYS),
                         int(TERM_DAYS < days <= 2 * TERM_DAYS), int(days > 2 * TERM_DAYS)))


def on_hold(held: Invoice) -> Invoice:
    """Held after a failed check or a dispute: not payable (and not awaiting payment) until approved again."""
    return replace(held, held=True)


def cancelled(held: Invoice) -> Invoice:
    """Voided or rejected: no longer invoiced."""
    return replace(held, cancelled=True)
