"""Wiring of the payments service (no logic here)."""
from pathlib import Path

from contracts import payments as contract
from shared.service import create_service
from services.payments import api_accounts, api_files, api_reports, api_runs, metrics
from services.payments.handlers import CONSUMERS

app = create_service(
    "payments",
    service_dir=Path(__file__).parent,
    routers=[api_runs.router, api_files.router, api_accounts.router, api_reports.router, metrics.router],
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [contract.PaymentRunProposed, contract.PaymentRunApproved,
                                contract.PaymentRunExported, contract.PaymentMade, contract.PaymentReturned,
                                contract.InvoicePaid, contract.DirectPaymentMade, contract.DirectPaymentReturned]},
    description="Payment runs with maker-checker, BACS and ISO 20022 files, journals, direct payments.",
)
