"""Wiring of the invoicing service (no logic here)."""
from pathlib import Path

from contracts import invoicing as contract
from shared.service import create_service
from services.invoicing.api import ROUTERS
from services.invoicing.api.provider_invoices import MAX_BODY_BYTES
from services.invoicing.handlers import CONSUMERS
from services.invoicing.jobs import JOBS

app = create_service(
    "invoicing",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [
        contract.InvoiceIssued, contract.InvoiceReceived, contract.InvoiceHeld, contract.InvoiceApproved,
        contract.InvoiceRejected, contract.InvoiceVoided, contract.InvoiceScheduled, contract.CreditNoteIssued,
        contract.SupplementaryInvoiceIssued, contract.InvoiceCorrectionRefused, contract.OverpaymentCredited,
        contract.IsfReturnHeld, contract.IsfReturnAccepted, contract.IsfSurplusReclaimed, contract.ContributionCharged,
    ]},
    background=JOBS,
    # Invoice uploads may pass the 1 MiB default body cap, up to their own limit.
    body_caps={"/providers/{provider_id}/invoices": MAX_BODY_BYTES},
    description="Self-billed, scheduled and provider-submitted invoices, checked by three-way match.",
)
