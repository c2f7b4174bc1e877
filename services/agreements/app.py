"""Wiring of the agreements service (no logic here)."""
from pathlib import Path

from contracts import agreements as contract
from shared.service import create_service
from services.agreements import api, api_agreement_changes, api_agreements, api_commitments, api_direct_payments
from services.agreements import api_providers
from services.agreements.handlers import CONSUMERS

app = create_service(
    "agreements",
    service_dir=Path(__file__).parent,
    routers=[api.router, api_providers.router, api_agreements.router, api_agreement_changes.router,
             api_direct_payments.router, api_commitments.router],
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [
        contract.ProviderRegistered, contract.ProviderBankDetailsChanged, contract.ProviderBankDetailsVerified,
        contract.ProviderBankDetailsRejected, contract.RateCardPublished, contract.AgreementActivated,
        contract.AgreementVaried, contract.AgreementSuspended, contract.AgreementResumed, contract.AgreementEnded,
        contract.DirectPaymentAgreed, contract.DirectPaymentEnded, contract.CommitmentChanged,
    ]},
    description="Providers, rate cards, care agreements, direct payments and commitments.",
)
