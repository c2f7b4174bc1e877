"""Wiring of the agreements service (no logic here)."""
from pathlib import Path

from contracts import agreements as contract, payee_accounts
from shared.service import create_service
from services.agreements.api import ROUTERS
from services.agreements.handlers import CONSUMERS
from services.agreements.jobs import JOBS

app = create_service(
    "agreements",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    background=JOBS,
    publishes={contract.TOPIC: [
        contract.ProviderRegistered, contract.ProviderBankDetailsChanged, contract.ProviderBankDetailsVerified,
        contract.ProviderBankDetailsRejected, contract.RateCardPublished, contract.AgreementActivated,
        contract.AgreementVaried, contract.AgreementSuspended, contract.AgreementResumed, contract.AgreementEnded,
        contract.DirectPaymentAgreed, contract.DirectPaymentVaried, contract.DirectPaymentEnded,
        contract.DirectPaymentReviewed, contract.CommitmentChanged, contract.PersonalAssistantRegistered,
    ], payee_accounts.TOPIC: [
        payee_accounts.PayeeBankDetailsEntered, payee_accounts.PayeeBankDetailsVerified,
        payee_accounts.PayeeBankDetailsRejected, payee_accounts.DirectPaymentPayeeAccountSet,
    ]},
    description="Providers, rate cards, care agreements, direct payments and commitments.",
)
