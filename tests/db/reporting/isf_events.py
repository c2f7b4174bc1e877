"""Events as invoicing publishes them for ISFs, their credit notes and the person's contribution charges."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from contracts import invoicing as inv
from contracts.common import ServiceType

# Four-weekly periods (Mondays); the second is the one a March statement covers most of.
FEBRUARY = (date(2026, 2, 2), date(2026, 3, 1))
MARCH_4W = (date(2026, 3, 2), date(2026, 3, 29))
APRIL_4W = (date(2026, 3, 30), date(2026, 4, 26))
JANUARY = (date(2026, 1, 5), date(2026, 2, 1))
MAY_4W = (date(2026, 4, 27), date(2026, 5, 24))


def document(kind: type[inv.InvoiceDocument], invoice_id: str, pid: str, aid: str, person: str,
             period: tuple[date, date], total: int, *, doc_kind: str, **more) -> inv.InvoiceDocument:
    return kind(invoice_id=invoice_id, provider_id=pid, number=f"N-{invoice_id}", kind=doc_kind, agreement_ids=[aid],
                person_refs=[person], service_type=ServiceType.HOME_CARE, period_start=period[0],
                period_end=period[1], total_pence=total, line_count=1, **more)


def isf_advance_issued(invoice_id: str, pid: str, aid: str, person: str, period: tuple[date, date],
                       total: int) -> inv.InvoiceIssued:
    return document(inv.InvoiceIssued, invoice_id, pid, aid, person, period, total, doc_kind="isf_advance")


def approved(invoice_id: str, pid: str, aid: str, period: tuple[date, date], amount: int, *,
             kind: str = "isf_advance") -> inv.InvoiceApproved:
    raised = period[0] - timedelta(days=14)
    return inv.InvoiceApproved(invoice_id=invoice_id, provider_id=pid, revision=1, number=f"N-{invoice_id}", kind=kind,
                               agreement_ids=[aid], service_type=ServiceType.HOME_CARE, period_start=period[0],
                               period_end=period[1], amount_pence=amount, received_on=raised, valid_on=raised,
                               due_date=period[0])


def credit_note(invoice_id: str, corrects: str, pid: str, aid: str, person: str, period: tuple[date, date],
                total: int, cause: str, reason: str) -> inv.CreditNoteIssued:
    return document(inv.CreditNoteIssued, invoice_id, pid, aid, person, period, total, doc_kind="credit_note",
                    corrects_invoice_id=corrects, cause=cause, reason=reason)


def charged(person: str, period: tuple[date, date], revision: int, *, contribution: int, care_cost: int,
            previous: int = 0, reason: str = "assessed contribution for the days of care") -> inv.ContributionCharged:
    charge = min(contribution, care_cost)
    return inv.ContributionCharged(charge_id=f"CC-{person}-{period[0]:%Y%m%d}-{revision}", person_ref=person,
                                   period_start=period[0], period_end=period[1], revision=revision,
                                   contribution_pence=contribution, care_cost_pence=care_cost, charged_pence=charge,
                                   change_pence=charge - previous, capped=care_cost < contribution, reason=reason)


def isf_accepted(return_id: str, pid: str, aid: str, person: str, period: tuple[date, date], *, budget: int,
                 support: list[tuple[str, str, int]], subcontractors: list[tuple[str, int]] = ()
                 ) -> inv.IsfReturnAccepted:
    spend = sum(s[2] for s in support)
    return inv.IsfReturnAccepted(
        return_id=return_id, agreement_id=aid, provider_id=pid, person_ref=person, period_start=period[0],
        period_end=period[1], budget_pence=budget, spend_pence=spend,
        by_support=[inv.IsfSupportSpend(support_type=t, hours=Decimal(h), spend_pence=p) for t, h, p in support],
        by_subcontractor=[inv.IsfSubcontractorSpend(subcontractor=n, spend_pence=p) for n, p in subcontractors],
        balance_pence=budget - spend)
