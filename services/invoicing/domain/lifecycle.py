"""Where an invoice stands and the steps between states, as pure functions.

    draft -> validating -> held | approved -> scheduled -> paid
    held -> validating (checked again) | approved (released by an officer) | void (rejected)
    draft, validating, held, approved -> void
    scheduled, paid -> approved (the bank returned the payment: payable again, with the reason kept)

Each step returns the invoice after it (with the step, who and why in its history) or raises
`IllegalTransition` saying what the invoice can do instead. Disputes are in `disputes`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum

from services.invoicing.domain.errors import IllegalTransition, InvalidInvoiceInput
from services.invoicing.domain.holds import NEVER_RELEASED, HoldCode, HoldReason, ValidationOutcome
from services.invoicing.domain.invoice import Invoice, InvoiceStatus, StatusChange
from services.invoicing.domain.payment_terms import invoice_due_date

S = InvoiceStatus


class Action(StrEnum):
    SUBMIT = "submit"
    RECORD_OUTCOME = "record_outcome"
    RECHECK = "recheck"
    RELEASE = "release"
    REJECT = "reject"
    SCHEDULE = "schedule"
    MARK_PAID = "mark_paid"
    VOID = "void"
    OPEN_DISPUTE = "open_dispute"
    CLOSE_DISPUTE = "close_dispute"
    RETURN_PAYMENT = "return_payment"


ALLOWED_FROM: dict[Action, frozenset[InvoiceStatus]] = {
    Action.SUBMIT: frozenset({S.DRAFT}),
    Action.RECORD_OUTCOME: frozenset({S.VALIDATING}),
    Action.RECHECK: frozenset({S.HELD}),
    Action.RELEASE: frozenset({S.HELD}),
    Action.REJECT: frozenset({S.HELD}),
    Action.SCHEDULE: frozenset({S.APPROVED}),
    Action.MARK_PAID: frozenset({S.SCHEDULED}),
    Action.VOID: frozenset({S.DRAFT, S.VALIDATING, S.HELD, S.APPROVED}),
    Action.OPEN_DISPUTE: frozenset({S.HELD, S.APPROVED, S.SCHEDULED}),
    Action.CLOSE_DISPUTE: frozenset({S.HELD}),
    Action.RETURN_PAYMENT: frozenset({S.SCHEDULED, S.PAID}),
}
FINAL = frozenset({S.PAID, S.VOID})

_PARTICIPLE = {
    Action.SUBMIT: "submitted for validation", Action.RECORD_OUTCOME: "given a validation outcome",
    Action.RECHECK: "checked again", Action.RELEASE: "released", Action.REJECT: "rejected",
    Action.SCHEDULE: "scheduled for payment", Action.MARK_PAID: "marked paid", Action.VOID: "voided",
    Action.OPEN_DISPUTE: "disputed", Action.CLOSE_DISPUTE: "cleared of a dispute",
    Action.RETURN_PAYMENT: "returned unpaid",
}


def allowed_actions(status: InvoiceStatus) -> list[Action]:
    return [a for a, sources in ALLOWED_FROM.items() if status in sources]


def check_allowed(invoice: Invoice, action: Action) -> None:
    if invoice.status in ALLOWED_FROM[action]:
        return
    if invoice.status in FINAL:
        raise IllegalTransition(f"invoice {invoice.number} is {invoice.status.value}, which is final: it cannot be "
                                f"{_PARTICIPLE[action]}; correct it with a credit note or supplementary invoice")
    options = ", ".join(_PARTICIPLE[a] for a in allowed_actions(invoice.status))
    raise IllegalTransition(f"invoice {invoice.number} is {invoice.status.value}, so it cannot be "
                            f"{_PARTICIPLE[action]}; from {invoice.status.value} it can be {options}")


def move(invoice: Invoice, action: Action, after: InvoiceStatus, *, by: str, why: str, **changes) -> Invoice:
    """The one way a status changes: checked, and recorded with who and why."""
    check_allowed(invoice, action)
    step = StatusChange(action.value, invoice.status, after, by, why)
    return replace(invoice, status=after, history=invoice.history + (step,), **changes)


def _reason(why: str, what: str) -> str:
    text = (why or "").strip()
    if not text:
        raise InvalidInvoiceInput("reason", f"required: say why the invoice is {what}")
    return text


def submit(invoice: Invoice, *, by: str) -> Invoice:
    return move(invoice, Action.SUBMIT, S.VALIDATING, by=by, why="received for validation")


def record_outcome(invoice: Invoice, outcome: ValidationOutcome) -> Invoice:
    """Validating -> approved with its due date, or held with every reason found."""
    if outcome.approved:
        if outcome.due_on is None:
            raise ValueError("an approved outcome needs a due date")
        return move(invoice, Action.RECORD_OUTCOME, S.APPROVED, by="validation", why="three-way match passed",
                    holds=(), due_on=outcome.due_on)
    return move(invoice, Action.RECORD_OUTCOME, S.HELD, by="validation",
                why="held: " + ", ".join(outcome.codes), holds=outcome.reasons, due_on=None)


def recheck(invoice: Invoice, *, by: str, why: str) -> Invoice:
    """A held invoice goes back to be validated (actuals confirmed, bank details verified, ...)."""
    if invoice.open_disputes:
        raise IllegalTransition(f"invoice {invoice.number} is disputed by query {invoice.open_disputes[0].query_ref};"
                                " it is checked again when the dispute closes")
    return move(invoice, Action.RECHECK, S.VALIDATING, by=by, why=_reason(why, "checked again"), holds=())


def release(invoice: Invoice, *, by: str, why: str, payment_terms_days: int = 30) -> Invoice:
    """An officer approves a held invoice. Duplicates and disputed invoices are never released.

    The due date counts from the date received (an ISF advance: its period's first day, see
    `payment_terms.invoice_due_date`): the council's own checks do not stop the clock, only disputes do.
    """
    check_allowed(invoice, Action.RELEASE)
    blocking = sorted({r.code.value for r in invoice.holds if r.code in NEVER_RELEASED})
    if blocking:
        raise IllegalTransition(f"invoice {invoice.number} is held as {', '.join(blocking)}, which an officer cannot"
                                " release: reject it, or void the invoice it duplicates and check it again")
    return move(invoice, Action.RELEASE, S.APPROVED, by=by, why=_reason(why, "released"), holds=(),
                due_on=invoice_due_date(invoice, payment_terms_days))


def reject(invoice: Invoice, *, by: str, why: str) -> Invoice:
    """An officer rejects a held invoice; it is kept, void, with the reason."""
    return move(invoice, Action.REJECT, S.VOID, by=by, why=_reason(why, "rejected"), due_on=None)


def schedule(invoice: Invoice, *, payment_run_id: str, by: str) -> Invoice:
    """In an approved payment run (any note of an earlier returned payment is now history)."""
    return move(invoice, Action.SCHEDULE, S.SCHEDULED, by=by, why=f"in payment run {payment_run_id}",
                payment_run_id=payment_run_id, holds=())


def return_payment(invoice: Invoice, *, payment_run_id: str, reason: str, returned_on: date, by: str) -> Invoice:
    """The bank returned the payment of a scheduled (or already paid) invoice: it is approved again,
    unpaid, due as before, with the bank's reason kept for the officer who releases the payment."""
    why = _reason(reason, "returned unpaid")
    note = HoldReason(HoldCode.PAYMENT_RETURNED, f"The payment in run {payment_run_id} was returned by the bank on"
                                                 f" {returned_on}: {why}. It is paid again once finance has checked"
                                                 " the bank details and released the payment.",
                      reference=payment_run_id)
    return move(invoice, Action.RETURN_PAYMENT, S.APPROVED, by=by, why=f"payment returned: {why}",
                payment_run_id=None, paid_on=None, holds=(note,))


def mark_paid(invoice: Invoice, *, paid_on: date, by: str) -> Invoice:
    return move(invoice, Action.MARK_PAID, S.PAID, by=by, why=f"paid on {paid_on}", paid_on=paid_on)


def void(invoice: Invoice, *, by: str, why: str) -> Invoice:
    if invoice.status is S.SCHEDULED:
        raise IllegalTransition(f"invoice {invoice.number} is in payment run {invoice.payment_run_id}; the run must"
                                " drop it before it can be voided")
    return move(invoice, Action.VOID, S.VOID, by=by, why=_reason(why, "voided"), due_on=None)
