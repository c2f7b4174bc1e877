"""The invoicing contract's events for an invoice, built from the domain (pure).

Raised: self-billed and scheduled invoices are `InvoiceIssued`, a provider's `InvoiceReceived`,
corrections `CreditNoteIssued` / `SupplementaryInvoiceIssued` (echoing the query effect). Then
the outcome: `InvoiceApproved` (the revision counts approvals: a re-approval after a dispute or
a release replaces the earlier one) or `InvoiceHeld` with every reason. A credit note is netted
by payments from `CreditNoteIssued`, so it has no `InvoiceApproved` of its own. A credit note for
days paid after an agreement's end is also `OverpaymentCredited`.
An ISF return is `IsfReturnHeld` or `IsfReturnAccepted` (with the balance after it); a surplus reclaimed
after it is `IsfSurplusReclaimed`, beside its credit note's `CreditNoteIssued`.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from contracts import invoicing as contract
from contracts.envelope import Event
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.holds import HoldReason
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus
from services.invoicing.domain.overpayments import OverpaymentCredit
from services.invoicing.domain.isf_balances import IsfBalance, Reclaim
from services.invoicing.domain.isf_returns import IsfReturn
from services.invoicing.domain.payment_terms import valid_on
from services.invoicing.store.invoices import Filed


def hold_out(reason: HoldReason) -> contract.HoldReasonOut:
    return contract.HoldReasonOut(code=reason.code.value, message=reason.message, lines=list(reason.line_numbers),
                                  expected_pence=reason.expected_pence)


# Why a credit note was raised, by the source it was filed from (what the remittance tells the provider).
CREDIT_CAUSES = {"officer": "officer", "query": "query", "actuals_correction": "late_correction",
                 "overpayment": "overpayment", "isf_surplus": "isf_surplus"}
# Causes whose reason the rules word themselves (no personal data): only these are published. An
# officer's or a query's reason is free text someone typed; it stays in invoicing (the invoice's
# history), so it never reaches a provider's remittance advice.
SYSTEM_WORDED = frozenset({"overpayment", "isf_surplus", "late_correction"})


def raised_why(invoice: Invoice) -> str | None:
    """The reason given when the document was raised (the first step of its history)."""
    return invoice.history[0].why if invoice.history else None


def published_reason(filed: Filed) -> str | None:
    """A credit note's reason as published: the rules' own words, or None for a person's free text."""
    return raised_why(filed.invoice) if CREDIT_CAUSES.get(filed.source) in SYSTEM_WORDED else None


def _document(filed: Filed) -> dict:
    i = filed.invoice
    return dict(invoice_id=i.invoice_id, provider_id=i.provider_ref, number=i.number, kind=i.kind.value,
                agreement_ids=list(i.agreement_ids), person_refs=list(dict.fromkeys(x.person_ref for x in i.lines)),
                service_type=filed.service_type or None, period_start=i.period.first, period_end=i.period.last,
                total_pence=i.total_pence, line_count=len(i.lines))


def raised_event(filed: Filed) -> Event:
    """The event that announces the document."""
    kind = filed.invoice.kind
    if kind is InvoiceKind.PROVIDER_SUBMITTED:
        return contract.InvoiceReceived(**_document(filed), received_on=filed.invoice.received_on)
    if kind is InvoiceKind.CREDIT_NOTE:
        return contract.CreditNoteIssued(**_document(filed), corrects_invoice_id=filed.invoice.corrects,
                                         query_id=filed.query_id, effect_id=filed.effect_id,
                                         cause=CREDIT_CAUSES.get(filed.source), reason=published_reason(filed))
    if kind is InvoiceKind.SUPPLEMENTARY:
        return contract.SupplementaryInvoiceIssued(**_document(filed), corrects_invoice_id=filed.invoice.corrects,
                                                   query_id=filed.query_id, effect_id=filed.effect_id)
    return contract.InvoiceIssued(**_document(filed))


def held_event(invoice: Invoice) -> contract.InvoiceHeld:
    return contract.InvoiceHeld(invoice_id=invoice.invoice_id, provider_id=invoice.provider_ref,
                                reasons=[hold_out(h) for h in invoice.holds], disputed=bool(invoice.open_disputes))


def agreement_periods(invoice: Invoice, agreements: Mapping[str, AgreementOnFile], *,
                      payable_to_end: bool = False) -> list[contract.AgreementPeriod]:
    """Per agreement on the invoice (in its order): the first and last day its lines charge, their amount, and
    the agreement's end and cost centre as on file (None when not on file), so each is judged by its own.

    `payable_to_end` (an approved invoice announced again once an agreement's end is known, its overpayment
    credit note raised): each period says the days payable, its last day (and first, for lines wholly after
    it) no later than its own agreement's end; an agreement with no end on file keeps its days. The amount
    stays the lines' full amount, so the periods still sum to the invoice's amount (payments splits that
    amount by them, exactly to each agreement's lines); the credit note takes back the days after the end."""
    spans: dict[str, tuple[date, date, int]] = {}
    for line in invoice.lines:
        first, last, amount = spans.get(line.agreement_id, (line.first_day, line.last_day, 0))
        spans[line.agreement_id] = (min(first, line.first_day), max(last, line.last_day), amount + line.amount_pence)
    out = []
    for agreement_id, (first, last, amount) in spans.items():
        agreement = agreements.get(agreement_id)
        end = agreement.end if agreement else None
        if payable_to_end and end is not None:
            first, last = min(first, end), min(last, end)
        out.append(contract.AgreementPeriod(
            agreement_id=agreement_id, first_day=first, last_day=last, amount_pence=amount,
            last_payable_date=end, cost_centre=agreement.cost_centre if agreement else None))
    return out


def approved_event(filed: Filed, last_payable_date: date | None,
                   agreements: Mapping[str, AgreementOnFile] | None = None, *,
                   payable_to_end: bool = False) -> contract.InvoiceApproved:
    """`agreements`: the invoice's agreements as on file, for its `agreement_periods`; `payable_to_end`: the
    invoice is announced again payable up to its agreements' ends (each period capped at its own)."""
    i = filed.invoice
    if i.due_on is None or filed.approval_revision < 1:
        raise ValueError(f"invoice {i.number} is not approved (no due date or revision)")
    # Payments pays nothing for days after an agreement's end. A period that runs past its agreements'
    # last payable day (a death mid-week) charges only up to it: validation held any line after it.
    paid_to = max(i.period.first, min(i.period.last, last_payable_date)) if last_payable_date else i.period.last
    return contract.InvoiceApproved(
        invoice_id=i.invoice_id, provider_id=i.provider_ref, revision=filed.approval_revision, number=i.number,
        kind=i.kind.value, agreement_ids=list(i.agreement_ids), service_type=filed.service_type or None,
        period_start=i.period.first, period_end=paid_to, amount_pence=i.total_pence, received_on=i.received_on,
        valid_on=valid_on(i.received_on, i.disputes), due_date=i.due_on, last_payable_date=last_payable_date,
        agreement_periods=agreement_periods(i, agreements or {}, payable_to_end=payable_to_end))


def outcome_events(filed: Filed, last_payable_date: date | None = None,
                   agreements: Mapping[str, AgreementOnFile] | None = None) -> list[Event]:
    """What to announce about where the invoice now stands (nothing for an approved credit note)."""
    i = filed.invoice
    if i.status is InvoiceStatus.HELD:
        return [held_event(i)] if i.holds else []
    if i.status is InvoiceStatus.APPROVED and i.kind is not InvoiceKind.CREDIT_NOTE:
        return [approved_event(filed, last_payable_date, agreements)]
    return []


def rejected_event(invoice: Invoice, why: str) -> contract.InvoiceRejected:
    reasons = [hold_out(h) for h in invoice.holds] or [
        contract.HoldReasonOut(code="rejected_by_officer", message=why)]
    return contract.InvoiceRejected(invoice_id=invoice.invoice_id, provider_id=invoice.provider_ref, reasons=reasons)


def voided_event(invoice: Invoice, why: str) -> contract.InvoiceVoided:
    return contract.InvoiceVoided(invoice_id=invoice.invoice_id, provider_id=invoice.provider_ref, reason=why)


def overpayment_credited(note: Filed, corrected: Invoice, credit: OverpaymentCredit,
                         person_ref: str) -> contract.OverpaymentCredited:
    """The overpayment `note` credits back on `corrected`, with its reason."""
    return contract.OverpaymentCredited(
        credit_note_id=note.invoice.invoice_id, credit_note_number=note.invoice.number,
        corrects_invoice_id=corrected.invoice_id, agreement_id=credit.agreement_id, provider_id=corrected.provider_ref,
        person_ref=person_ref, ended_on=credit.ended_on, days_after_end=credit.days_after_end,
        amount_pence=note.invoice.total_pence, reason=credit.reason)


def contribution_charged(charge: dict) -> contract.ContributionCharged:
    """A new revision of a person's charge for a period (`charge`: the revision's stored figures)."""
    return contract.ContributionCharged(**{name: charge[name] for name in contract.ContributionCharged.model_fields})


# --- individual service funds: returns and the surplus reclaimed ---------------------------------

def _isf_return(r: IsfReturn) -> dict:
    return dict(return_id=r.return_id, agreement_id=r.agreement_id, provider_id=r.provider_ref,
                person_ref=r.person_ref, period_start=r.period.first, period_end=r.period.last,
                budget_pence=r.budget_pence, spend_pence=r.spend_pence,
                by_support=[contract.IsfSupportSpend(support_type=s.support_type, hours=s.hours,
                                                     spend_pence=s.spend_pence) for s in r.by_support],
                by_subcontractor=[contract.IsfSubcontractorSpend(subcontractor=s.subcontractor,
                                                                 spend_pence=s.spend_pence)
                                  for s in r.by_subcontractor])


def isf_return_held(r: IsfReturn) -> contract.IsfReturnHeld:
    return contract.IsfReturnHeld(**_isf_return(r), reasons=[contract.HoldReasonOut(code=h.code.value,
                                                                                    message=h.message)
                                                             for h in r.holds])


def isf_return_accepted(r: IsfReturn, balance_pence: int) -> contract.IsfReturnAccepted:
    return contract.IsfReturnAccepted(**_isf_return(r), balance_pence=balance_pence)


def isf_surplus_reclaimed(r: IsfReturn, balance: IsfBalance, reclaim: Reclaim,
                          credit_note_id: str) -> contract.IsfSurplusReclaimed:
    return contract.IsfSurplusReclaimed(
        return_id=r.return_id, agreement_id=r.agreement_id, provider_id=r.provider_ref, person_ref=r.person_ref,
        period_start=r.period.first, period_end=r.period.last, balance_pence=balance.balance_pence,
        retained_pence=balance.retained_pence, amount_pence=reclaim.amount_pence, method=reclaim.method,
        credit_note_id=credit_note_id, corrects_invoice_id=reclaim.advance.invoice_id)
