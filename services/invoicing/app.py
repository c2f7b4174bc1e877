"""Wiring of the invoicing service (no logic here)."""
from pathlib import Path

from contracts import invoicing as contract
from shared.service import create_service
from services.invoicing import api_invoices, api_officers, api_preview, api_submission
from services.invoicing.handlers_agreements import AGREEMENTS
from services.invoicing.handlers_delivery import DELIVERY
from services.invoicing.handlers_payments import PAYMENTS
from services.invoicing.handlers_queries import QUERIES
from services.invoicing.raise_scheduled import scheduled_invoicing

app = create_service(
    "invoicing",
    service_dir=Path(__file__).parent,
    # The preview and the scheduled run are declared before `/invoices/{invoice_id}` routes.
    routers=[api_preview.router, api_officers.router, api_invoices.router, api_submission.router],
    consumers=[AGREEMENTS, DELIVERY, QUERIES, PAYMENTS],
    publishes={contract.TOPIC: [
        contract.InvoiceIssued, contract.InvoiceReceived, contract.InvoiceHeld, contract.InvoiceApproved,
        contract.InvoiceRejected, contract.InvoiceVoided, contract.InvoiceScheduled, contract.CreditNoteIssued,
        contract.SupplementaryInvoiceIssued, contract.InvoiceCorrectionRefused,
    ]},
    background=[scheduled_invoicing],
    description="Self-billed, scheduled and provider-submitted invoices, checked by three-way match.",
)
