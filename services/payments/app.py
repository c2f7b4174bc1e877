"""Wiring of the payments service (no logic here)."""
from pathlib import Path

from contracts import payments as contract
from shared.service import create_service
from services.payments.api import ROUTERS
from services.payments.api.files import MAX_CONFIRMATION_BYTES
from services.payments.handlers import CONSUMERS
from services.payments.jobs import JOBS

app = create_service(
    "payments",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    background=JOBS,
    # The bank's confirmation file may pass the 1 MiB default body cap, up to its own limit.
    body_caps={"/payment-runs/{run_id}/confirmations": MAX_CONFIRMATION_BYTES},
    publishes={contract.TOPIC: [contract.PaymentRunProposed, contract.PaymentRunApproved,
                                contract.PaymentRunExported, contract.PaymentMade, contract.PaymentReturned,
                                contract.InvoicePaid, contract.DirectPaymentMade, contract.DirectPaymentReturned,
                                contract.ManagedAccountDebited, contract.DirectPaymentReturnAudited,
                                contract.DirectPaymentReclaimRaised, contract.PaymentReturnRecorded,
                                contract.PaymentReturnApproved, contract.PaymentHoldReleaseRecorded,
                                contract.PaymentHoldReleased]},
    description="Payment runs with maker-checker, BACS and ISO 20022 files, journals, direct payments.",
)
