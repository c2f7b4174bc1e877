"""Wiring of the queries service (no logic here)."""
from pathlib import Path

from contracts import queries as contract
from services.queries import api_queries, api_steps
from services.queries.handlers_delivery import DELIVERY
from services.queries.handlers_invoicing import INVOICING
from services.queries.handlers_subjects import AGREEMENTS, PAYMENTS
from services.queries.sla_watch import sla_watch
from shared.service import create_service

app = create_service(
    "queries",
    service_dir=Path(__file__).parent,
    routers=[api_queries.router, api_steps.router],
    consumers=[AGREEMENTS, DELIVERY, INVOICING, PAYMENTS],
    publishes={contract.TOPIC: [
        contract.QueryRaised, contract.QueryAcknowledged, contract.QueryAssigned, contract.QueryInvestigationStarted,
        contract.QueryNoteAdded, contract.QueryResolved, contract.QueryEffectCompleted, contract.QueryEffectFailed,
        contract.QueryClosed, contract.QueryReopened, contract.QueryRated, contract.QuerySlaBreached,
        contract.DisputeOpened, contract.DisputeClosed, contract.CreditNoteRequested,
        contract.SupplementaryPaymentRequested, contract.VisitReverificationRequested,
        contract.AgreementVariationRequested,
    ]},
    background=[sla_watch],
    description="Queries and disputes about visits, invoices and payments, resolved on time with effects that happen.",
)
