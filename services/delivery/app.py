"""Wiring of the delivery monitoring service (no logic here)."""
from pathlib import Path

from contracts import delivery as contract
from services.delivery import api_feeds, api_periods, api_visits, jobs
from services.delivery.handlers import CONSUMERS
from services.delivery.reverification import QUERIES
from shared.service import create_service

app = create_service(
    "delivery",
    service_dir=Path(__file__).parent,
    routers=[api_feeds.router, api_visits.router, api_periods.router, jobs.router],
    consumers=[*CONSUMERS, QUERIES],
    publishes={contract.TOPIC: [
        contract.VisitVerified, contract.VisitCorrected, contract.VisitMissed, contract.VisitUnallocated,
        contract.UnallocatedVisitResolved, contract.VisitRejected, contract.AttendancesReceived,
        contract.PeriodActualsConfirmed, contract.VisitReverificationRefused,
    ]},
    description="Provider call-monitoring feeds in; verified visits and confirmed actuals out.",
)
