"""Events payments consumes: what is payable (invoicing), whether it is disputed (queries), and who
is paid where (agreements). Each handler records payments' own copy inside the batch transaction.

Never log bank details or names: identifiers only.
"""
from __future__ import annotations

import asyncpg

from contracts import agreements, invoicing, queries
from shared.clock import london_date
from shared.consumer import Consumer, Incoming
from shared.logging import get_logger
from services.payments import store_inputs as store
from services.payments.handlers_direct_payments import on_direct_payment_agreed, on_direct_payment_ended

log = get_logger(__name__)


def _day(message: Incoming):
    return london_date(message.envelope.occurred_at)


# --- invoicing.events ------------------------------------------------------------------------

async def on_invoice_document(conn: asyncpg.Connection, message: Incoming) -> None:
    """Issued, received or supplementary: recorded for its people and receipt date; paid once approved."""
    event: invoicing.InvoiceDocument = message.event  # type: ignore[assignment]
    received_on = getattr(event, "received_on", None) or _day(message)
    await store.record_document(conn, event, received_on)


async def on_invoice_approved(conn: asyncpg.Connection, message: Incoming) -> None:
    event: invoicing.InvoiceApproved = message.event  # type: ignore[assignment]
    if event.kind == "credit_note":
        return  # credit notes reduce payments through CreditNoteIssued, never as an invoice to pay
    if not await store.record_approval(conn, event, _day(message)):
        log.info("older invoice revision ignored", invoice_id=event.invoice_id, revision=event.revision)
        return
    paid_by = await store.is_settled(conn, event.invoice_id)
    if paid_by:
        log.warning("invoice re-approved after it was put in an approved run; the run stands",
                    invoice_id=event.invoice_id, run_id=paid_by, revision=event.revision)


async def on_invoice_held(conn: asyncpg.Connection, message: Incoming) -> None:
    event: invoicing.InvoiceHeld = message.event  # type: ignore[assignment]
    await store.set_invoice_state(conn, event.invoice_id, event.provider_id, "held")


async def on_invoice_voided(conn: asyncpg.Connection, message: Incoming) -> None:
    event: invoicing.InvoiceVoided = message.event  # type: ignore[assignment]
    await store.set_invoice_state(conn, event.invoice_id, event.provider_id, "voided")
    await store.void_credit_note(conn, event.invoice_id)
    paid_by = await store.is_settled(conn, event.invoice_id)
    if paid_by:
        log.warning("voided document is in an approved run: finance must recover it", invoice_id=event.invoice_id,
                    run_id=paid_by)


async def on_credit_note(conn: asyncpg.Connection, message: Incoming) -> None:
    await store.record_credit_note(conn, message.event)  # type: ignore[arg-type]


INVOICES = Consumer(
    name="payments.invoices",
    topic=invoicing.TOPIC,
    handlers={invoicing.InvoiceIssued: on_invoice_document, invoicing.InvoiceReceived: on_invoice_document,
              invoicing.SupplementaryInvoiceIssued: on_invoice_document,
              invoicing.InvoiceApproved: on_invoice_approved, invoicing.InvoiceHeld: on_invoice_held,
              invoicing.InvoiceVoided: on_invoice_voided, invoicing.CreditNoteIssued: on_credit_note},
    description="Invoices approved for payment (latest revision wins), holds, voids and credit notes.",
)


# --- queries.events --------------------------------------------------------------------------

async def on_dispute(conn: asyncpg.Connection, message: Incoming) -> None:
    event: queries.DisputeOpened | queries.DisputeClosed = message.event  # type: ignore[assignment]
    await store.set_dispute(conn, event.query_id, event.invoice_id, isinstance(event, queries.DisputeOpened))


DISPUTES = Consumer(
    name="payments.disputes",
    topic=queries.TOPIC,
    handlers={queries.DisputeOpened: on_dispute, queries.DisputeClosed: on_dispute},
    description="Disputed invoices are left out of every run until the dispute closes.",
)


# --- agreements.events -----------------------------------------------------------------------

async def on_provider_registered(conn: asyncpg.Connection, message: Incoming) -> None:
    event: agreements.ProviderRegistered = message.event  # type: ignore[assignment]
    await store.name_payee(conn, event.provider_id, event.name)


async def on_bank_details_changed(conn: asyncpg.Connection, message: Incoming) -> None:
    event: agreements.ProviderBankDetailsChanged = message.event  # type: ignore[assignment]
    await store.hold_payee(conn, event.provider_id, event.change_id)
    log.info("provider payments held: bank details await verification", provider_id=event.provider_id)


async def on_bank_details_verified(conn: asyncpg.Connection, message: Incoming) -> None:
    event: agreements.ProviderBankDetailsVerified = message.event  # type: ignore[assignment]
    await store.verify_payee(conn, event.provider_id, event.change_id, event.bank_account)
    log.info("provider bank details verified", provider_id=event.provider_id)


async def on_bank_details_rejected(conn: asyncpg.Connection, message: Incoming) -> None:
    event: agreements.ProviderBankDetailsRejected = message.event  # type: ignore[assignment]
    await store.reject_payee_change(conn, event.provider_id, event.change_id, event.previous_account_stands)


async def on_agreement(conn: asyncpg.Connection, message: Incoming) -> None:
    """Every agreement event carries the whole agreement: keep its end date and service type."""
    await store.record_agreement(conn, message.event)  # type: ignore[arg-type]


AGREEMENTS = Consumer(
    name="payments.agreements",
    topic=agreements.TOPIC,
    handlers={agreements.ProviderRegistered: on_provider_registered,
              agreements.ProviderBankDetailsChanged: on_bank_details_changed,
              agreements.ProviderBankDetailsVerified: on_bank_details_verified,
              agreements.ProviderBankDetailsRejected: on_bank_details_rejected,
              agreements.AgreementActivated: on_agreement, agreements.AgreementVaried: on_agreement,
              agreements.AgreementSuspended: on_agreement, agreements.AgreementResumed: on_agreement,
              agreements.AgreementEnded: on_agreement,
              agreements.DirectPaymentAgreed: on_direct_payment_agreed,
              agreements.DirectPaymentEnded: on_direct_payment_ended},
    description="Payees and their verified bank details, agreement end dates, direct payments.",
)

CONSUMERS = [INVOICES, DISPUTES, AGREEMENTS]
