"""Proposing a payment run: what is paid, to whom, and what is left out and why.

Selected: approved, undisputed, unpaid invoices of the run's services due on or before the pay
date, plus any invoice finance chose to pay early. Each invoice's credit notes are netted against
it and every provider gets one payment with a remittance line per invoice and credit note; a
credit note whose invoice is already paid is netted against the provider's payment as a whole.
Weekly and four-weekly runs add the direct payments of their cycle due; weekly runs the personal
assistants' net pay recorded (`payroll.payroll_payments`). Left out, each with a visible reason:
disputed and held invoices, invoices for days after their agreement ended (each agreement judged by
the days the invoice charges it: `agreement_split`), invoices whose agreements are paid from different
accounts, providers without verified bank details, lines a council-managed account cannot pay (`managed_funding.hold_unfunded`), and any payee whose lines net to zero or less
(carried forward to the next run). A provider paid both from the council's account and from managed
accounts gets one payment from each.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.clock import london_date
from shared.money import format_gbp
from services.payments.domain.agreement_split import after_end_detail, charges_of, credited_shares, past_their_end
from services.payments.domain.direct_payments import direct_payment_due
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import (ApprovedInvoice, DirectPaymentAgreement, PaymentSettings,
                                             ProviderCredit, ProviderPayee)
from services.payments.domain.managed_funding import hold_unfunded, mixed_funding_detail
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.payroll import NetPayDue, payroll_payments
from services.payments.domain.run_calendar import RunKind, ScheduledRun
from services.payments.domain.run_lines import (Exclusion, ExclusionReason, LineKind, PayeeKind, Payment,
                                                RemittanceLine, carried_forward)


@dataclass(frozen=True, slots=True)
class RunRequest:
    """Who asks for which run. `run_number` (1-999999) numbers the Bacs submission and references."""

    run_id: str
    run_number: int
    scheduled: ScheduledRun
    proposed_by: str
    proposed_at: datetime
    pay_early: frozenset[str] = field(default=frozenset())


def payment_reference(run_number: int, sequence: int) -> str:
    """The reference the payee's bank statement shows, e.g. 'CP000042-00017' (Bacs allows 18)."""
    return f"CP{run_number:06d}-{sequence:05d}"


def propose_run(request: RunRequest, invoices: Iterable[ApprovedInvoice], payees: Mapping[str, ProviderPayee],
                direct_payments: Iterable[DirectPaymentAgreement], settings: PaymentSettings,
                credits: Iterable[ProviderCredit] = (), managed_funds: Mapping[str, int] | None = None,
                payroll: Iterable[NetPayDue] = ()) -> PaymentRun:
    """A proposed (draft) run for review; nothing is paid until a second person approves it.

    `credits` are credit notes against invoices already paid: each is netted against its
    provider's payment from the same account in this run, if the provider has one; otherwise it
    waits for a later run. `managed_funds`: what each council-managed direct payment's account has
    available on the pay date (its agreement_id -> pence). `payroll` is PAs' net pay recorded and not
    yet paid: a weekly run pays it (from the managed account of the direct payment employing the PA)."""
    scheduled = request.scheduled
    _check_request(request)
    exclusions: list[Exclusion] = []
    by_provider: dict[str, list[ApprovedInvoice]] = defaultdict(list)
    for invoice in invoices:
        if _selected(invoice, scheduled, request.pay_early):
            excluded = _invoice_exclusion(invoice)
            if excluded is None:
                by_provider[invoice.provider_id].append(invoice)
            else:
                exclusions.append(excluded)
    standalone: dict[str, list[ProviderCredit]] = defaultdict(list)
    for credit in credits:
        standalone[credit.provider_id].append(credit)
    payments: list[Payment] = []
    for provider_id in sorted(by_provider):
        for managed in (False, True):  # one payment from the council's account, one from managed accounts
            chosen = sorted((i for i in by_provider[provider_id] if (i.funded_by is not None) is managed),
                            key=lambda i: (i.period_start, i.id))
            if not chosen:
                continue
            owed_back = sorted((c for c in standalone.get(provider_id, ()) if (c.funded_by is not None) is managed),
                               key=lambda c: (c.period_start, c.id))
            outcome = _provider_payment(provider_id, chosen, owed_back, payees.get(provider_id),
                                        payment_reference(request.run_number, len(payments) + 1))
            (payments if isinstance(outcome, Payment) else exclusions).append(outcome)
    if scheduled.include_direct_payments:
        for agreement in sorted(direct_payments, key=lambda a: a.id):
            outcome = direct_payment_due(agreement, scheduled.pay_date, settings,
                                         payment_reference(request.run_number, len(payments) + 1),
                                         scheduled.direct_payment_cycle)
            if outcome is not None:
                (payments if isinstance(outcome, Payment) else exclusions).append(outcome)
    if scheduled.kind is RunKind.WEEKLY:
        for outcome in payroll_payments(payroll, lambda n: payment_reference(request.run_number, n), len(payments) + 1):
            (payments if isinstance(outcome, Payment) else exclusions).append(outcome)
    # Every payment, whoever built it: what a managed account cannot pay waits.
    payments, unfunded = hold_unfunded(payments, managed_funds or {}, settings)
    exclusions += unfunded
    payments = [p if p.reference == (ref := payment_reference(request.run_number, n)) else replace(p, reference=ref)
                for n, p in enumerate(payments, 1)]
    exclusions.sort(key=lambda e: (e.reason, e.payee_id, e.subject))
    return PaymentRun(run_id=request.run_id, run_number=request.run_number, kind=scheduled.kind,
                      pay_date=scheduled.pay_date, processing_day=scheduled.bacs.processing_day,
                      proposed_by=request.proposed_by, proposed_at=request.proposed_at,
                      payments=tuple(payments), exclusions=tuple(exclusions))


def _check_request(request: RunRequest) -> None:
    if not 1 <= request.run_number <= 999_999:
        raise PaymentRefused("run_number", "must be 1 to 999999 (it is the Bacs submission serial number)")
    if request.proposed_at.tzinfo is None:
        raise PaymentRefused("proposed_at", "give an aware UTC timestamp")
    bacs = request.scheduled.bacs
    today = london_date(request.proposed_at)
    if today > bacs.submit_by:
        raise PaymentRefused("pay_date", f"paying on {bacs.pay_date} needs the Bacs file submitted by "
                                         f"{bacs.submit_by}, which has passed; choose a later pay date")


def _selected(invoice: ApprovedInvoice, scheduled: ScheduledRun, pay_early: frozenset[str]) -> bool:
    if invoice.paid:
        return False
    if invoice.id in pay_early:
        return True
    return invoice.service_type in scheduled.service_types and invoice.due_date <= scheduled.pay_date


def _invoice_exclusion(invoice: ApprovedInvoice) -> Exclusion | None:
    def excluded(reason: ExclusionReason, detail: str) -> Exclusion:
        return Exclusion(invoice.id, invoice.provider_id, reason, detail, invoice.net_pence, (invoice.id,))

    if invoice.disputed:
        return excluded(ExclusionReason.DISPUTED, "disputed: the 30-day clock is stopped until the query is resolved")
    if invoice.hold_reason:
        return excluded(ExclusionReason.ON_HOLD, f"on hold: {invoice.hold_reason}")
    if invoice.agreement_periods:
        if late := past_their_end(invoice.agreement_periods):
            return excluded(ExclusionReason.AFTER_AGREEMENT_END, after_end_detail(late))
    elif invoice.agreement_end is not None and invoice.period_end > invoice.agreement_end:
        return excluded(ExclusionReason.AFTER_AGREEMENT_END,
                        f"covers days to {invoice.period_end} but the agreement ended on {invoice.agreement_end}")
    if invoice.mixed_funding:
        return excluded(ExclusionReason.MIXED_FUNDING, mixed_funding_detail(invoice))
    return None


def _provider_payment(provider_id: str, invoices: list[ApprovedInvoice], credits: list[ProviderCredit],
                      payee: ProviderPayee | None, reference: str) -> Payment | Exclusion:
    lines = [line for invoice in invoices for line in invoice_lines(invoice)] + [credit_line(c) for c in credits]
    total = sum(line.amount_pence for line in lines)
    settles = tuple(invoice.id for invoice in invoices) + tuple(c.id for c in credits)
    if payee is None:
        return Exclusion(provider_id, provider_id, ExclusionReason.NO_BANK_DETAILS,
                         "no bank details are recorded for this provider", total, settles)
    if not payee.bank_verified:
        return Exclusion(provider_id, provider_id, ExclusionReason.UNVERIFIED_BANK_DETAILS,
                         f"bank details are not verified: {format_gbp(total)} waits until they are", total, settles)
    if total <= 0:
        return carried_forward(provider_id, lines)
    return Payment.of(reference, PayeeKind.PROVIDER, provider_id, payee.name, payee.account, True, tuple(lines))


def invoice_lines(invoice: ApprovedInvoice) -> list[RemittanceLine]:
    """The invoice's line and one negative line per credit note netted against it. Judged by its agreement
    periods, each line carries its charge to each agreement (a credit note only to the agreements it
    credits, in their periods' proportions) and no single end: each charge is held to its own agreement's.
    A credit note none of whose agreements the periods name is charged to the invoice's cost centre."""
    number = invoice.invoice_number or invoice.id
    shares = invoice.agreement_periods
    end = None if shares else invoice.agreement_end
    lines = [RemittanceLine(invoice.id, LineKind.INVOICE, invoice.id, f"Invoice {number}", invoice.person_ref,
                            invoice.service_type, invoice.cost_centre, invoice.period_start, invoice.period_end,
                            invoice.amount_pence, end, invoice.funded_by,
                            charges=charges_of(invoice.amount_pence, shares))]
    for note in invoice.credit_notes:
        lines.append(RemittanceLine(note.id, LineKind.CREDIT_NOTE, invoice.id,
                                    f"Credit note {note.number or note.id} against {number}", invoice.person_ref,
                                    invoice.service_type, invoice.cost_centre, invoice.period_start,
                                    invoice.period_end, -note.amount_pence, end, invoice.funded_by,
                                    note.reason,
                                    charges_of(-note.amount_pence, credited_shares(shares, note.agreement_ids))))
    return lines


def credit_line(credit: ProviderCredit) -> RemittanceLine:
    """A negative line for a credit note netted against the provider rather than its (paid) invoice, split
    over that invoice's periods of the agreements it credits when known; else charged to `cost_centre`."""
    number = credit.number or credit.id
    return RemittanceLine(credit.id, LineKind.CREDIT_NOTE, credit.id,
                          f"Credit note {number} against paid invoice {credit.corrects_invoice_id}", credit.person_ref,
                          credit.service_type, credit.cost_centre, credit.period_start, credit.period_end,
                          -credit.amount_pence, funded_by=credit.funded_by, reason=credit.reason,
                          charges=charges_of(-credit.amount_pence,
                                             credited_shares(credit.split_by, credit.agreement_ids),
                                             held_to_end=False))
