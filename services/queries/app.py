"""Wiring of the queries service (no logic here)."""
from pathlib import Path

from contracts import queries as contract
from services.queries.api import ROUTERS
from services.queries.handlers import CONSUMERS
from services.queries.jobs import JOBS
from shared.service import create_service

app = create_service(
    "queries",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [
        contract.QueryRaised, contract.QueryAcknowledged, contract.QueryAssigned, contract.QueryInvestigationStarted,
        contract.QueryNoteAdded, contract.QueryOutcomeProposed, contract.QueryOutcomeApproved,
        contract.QueryOutcomeRejected, contract.QueryResolved, contract.QueryEffectCompleted, contract.QueryEffectFailed,
        contract.QueryClosed, contract.QueryReopened, contract.QueryRated, contract.QuerySlaBreached,
        contract.DisputeOpened, contract.DisputeClosed, contract.CreditNoteRequested,
        contract.SupplementaryPaymentRequested, contract.VisitReverificationRequested,
        contract.AgreementVariationRequested,
    ]},
    background=JOBS,
    description="Queries and disputes about visits, invoices and payments, resolved on time with effects that happen.",
)
