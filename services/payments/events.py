"""The payments contract's events, made from the domain's run and payments (no bank details, no names)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from contracts import payments as contract
from services.payments.domain.dp_reclaims import Reclaim
from services.payments.domain.dp_returns import ReturnAudit
from services.payments.domain.files.stored import StoredFile
from services.payments.domain.managed_funding import Debit
from services.payments.domain.payment_run import PaymentRun
from services.payments.domain.run_lines import LineKind, PayeeKind, Payment
from services.payments.domain.two_person import Decision


def run_proposed(run: PaymentRun) -> contract.PaymentRunProposed:
    return contract.PaymentRunProposed(run_id=run.run_id, run_number=run.run_number, kind=run.kind.value,
                                       pay_date=run.pay_date, payment_count=len(run.payments),
                                       total_pence=run.total_pence, excluded_count=len(run.exclusions))


def run_approved(run: PaymentRun, invoice_ids: list[str]) -> list[contract.PaymentRunApproved]:
    """One event, or several parts when the run pays more invoices than one event lists."""
    invoice_ids = sorted(invoice_ids)
    size = contract.INVOICE_IDS_PER_PART
    slices = [invoice_ids[n:n + size] for n in range(0, len(invoice_ids), size)] or [[]]
    return [contract.PaymentRunApproved(
        run_id=run.run_id, run_number=run.run_number, kind=run.kind.value, pay_date=run.pay_date,
        total_pence=run.total_pence, payment_count=len(run.payments), invoice_ids=ids, approved_by=run.approved_by,
        part=n, parts=len(slices)) for n, ids in enumerate(slices, start=1)]


def run_exported(run: PaymentRun, files: Iterable[StoredFile]) -> contract.PaymentRunExported:
    return contract.PaymentRunExported(
        run_id=run.run_id, run_number=run.run_number, pay_date=run.pay_date, total_pence=run.total_pence,
        payment_count=len(run.payments),
        files=[contract.ExportedFile(kind=f.kind, name=f.name, sha256=f.sha256, size_bytes=len(f.content))
               for f in files])


def _period(payment: Payment) -> tuple[date, date]:
    periods = [ln for ln in payment.lines if ln.kind is LineKind.DIRECT_PAYMENT]
    return min(ln.period_start for ln in periods), max(ln.period_end for ln in periods)


def _credit_notes(payment: Payment) -> list[str]:
    return [ln.line_id for ln in payment.lines if ln.kind is LineKind.CREDIT_NOTE]


def payment_made(run: PaymentRun, payment: Payment, council_managed: bool) -> contract.PaymentsEvent:
    """PaymentMade for a provider; DirectPaymentMade for a direct payment."""
    if payment.payee_kind is PayeeKind.PROVIDER:
        return contract.PaymentMade(run_id=run.run_id, provider_id=payment.payee_id,
                                    payment_reference=payment.reference, pay_date=run.pay_date,
                                    amount_pence=payment.amount_pence, invoice_ids=list(payment.invoice_ids),
                                    credit_note_ids=_credit_notes(payment))
    start, end = _period(payment)
    person_ref = payment.lines[0].person_ref
    return contract.DirectPaymentMade(
        run_id=run.run_id, agreement_id=payment.payee_id, person_ref=person_ref, payment_reference=payment.reference,
        pay_date=run.pay_date, amount_pence=payment.amount_pence, period_start=start, period_end=end,
        adjustment_pence=sum(ln.amount_pence for ln in payment.lines if ln.kind is LineKind.ADJUSTMENT),
        council_managed=council_managed)


def managed_account_debited(run: PaymentRun, debit: Debit, person_ref: str,
                            balance_after: int) -> contract.ManagedAccountDebited:
    """A payment out of a council-managed account: who was paid, how much, what it settles, the balance after."""
    return contract.ManagedAccountDebited(
        agreement_id=debit.direct_payment_id, person_ref=person_ref, run_id=run.run_id,
        payment_reference=debit.payment_reference, pay_date=run.pay_date, payee_kind=debit.payee_kind.value,
        payee_id=debit.payee_id, amount_pence=debit.amount_pence, balance_after_pence=balance_after,
        settles=list(debit.settles))


def invoices_paid(run: PaymentRun, payment: Payment) -> list[contract.InvoicePaid]:
    """One per invoice the payment settles, with what it was paid net of its own credit notes."""
    return [contract.InvoicePaid(
        invoice_id=invoice_id, provider_id=payment.payee_id, run_id=run.run_id, payment_reference=payment.reference,
        paid_on=run.pay_date, amount_pence=sum(ln.amount_pence for ln in payment.lines if ln.settles == invoice_id))
        for invoice_id in payment.invoice_ids]


def payment_returned(run: PaymentRun, payment: Payment, reason: str, on: date) -> contract.PaymentsEvent:
    if payment.payee_kind is PayeeKind.PROVIDER:
        return contract.PaymentReturned(run_id=run.run_id, provider_id=payment.payee_id,
                                        payment_reference=payment.reference, amount_pence=payment.amount_pence,
                                        invoice_ids=list(payment.invoice_ids), reason=reason, returned_on=on)
    return contract.DirectPaymentReturned(run_id=run.run_id, agreement_id=payment.payee_id,
                                          person_ref=payment.lines[0].person_ref, payment_reference=payment.reference,
                                          amount_pence=payment.amount_pence, reason=reason, returned_on=on)


def _payee_kind(payment: Payment) -> str:
    return payment.payee_kind.value


def return_recorded(decision: Decision, payment: Payment) -> contract.PaymentReturnRecorded:
    return contract.PaymentReturnRecorded(
        return_id=decision.decision_id, run_id=decision.run_id, payment_reference=payment.reference,
        payee_kind=_payee_kind(payment), payee_id=payment.payee_id, amount_pence=payment.amount_pence,
        reason=decision.reason, reported_on=decision.reported_on, recorded_by=decision.recorded_by,
        recorded_by_role=decision.recorded_by_role)


def return_approved(decision: Decision, payment: Payment) -> contract.PaymentReturnApproved:
    return contract.PaymentReturnApproved(
        return_id=decision.decision_id, run_id=decision.run_id, payment_reference=payment.reference,
        payee_kind=_payee_kind(payment), payee_id=payment.payee_id, amount_pence=payment.amount_pence,
        reason=decision.reason, recorded_by=decision.recorded_by, approved_by=decision.approved_by)


def hold_release_recorded(decision: Decision) -> contract.PaymentHoldReleaseRecorded:
    return contract.PaymentHoldReleaseRecorded(
        release_id=decision.decision_id, held_kind=decision.subject_kind.value, held_id=decision.subject_id,
        reason=decision.reason, recorded_by=decision.recorded_by, recorded_by_role=decision.recorded_by_role)


def hold_released(decision: Decision) -> contract.PaymentHoldReleased:
    return contract.PaymentHoldReleased(
        release_id=decision.decision_id, held_kind=decision.subject_kind.value, held_id=decision.subject_id,
        reason=decision.reason, recorded_by=decision.recorded_by, approved_by=decision.approved_by)


def return_audited(audit: ReturnAudit, agreement_id: str, person_ref: str, period_start: date,
                   period_end: date) -> contract.DirectPaymentReturnAudited:
    """A holder's return audited and signed off by two people (keyed by the direct payment)."""
    return contract.DirectPaymentReturnAudited(
        agreement_id=agreement_id, person_ref=person_ref, return_id=audit.return_id, period_start=period_start,
        period_end=period_end, balance_pence=audit.balance_pence, surplus_pence=audit.surplus_pence,
        audited_by=audit.audited_by, signed_off_by=audit.signed_off_by)


def reclaim_raised(reclaim: Reclaim) -> contract.DirectPaymentReclaimRaised:
    """A reclaim approved by a second person: netted from the next payments, a debt, or taken from the account."""
    return contract.DirectPaymentReclaimRaised(
        agreement_id=reclaim.agreement_id, person_ref=reclaim.person_ref, reclaim_id=reclaim.reclaim_id,
        reason=reclaim.reason.value, method=reclaim.method.value, amount_pence=reclaim.amount_pence,
        raised_on=reclaim.raised_on, raised_by=reclaim.raised_by, approved_by=reclaim.approved_by)
