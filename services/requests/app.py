"""Wiring of the requests service (no logic here)."""
from pathlib import Path

from contracts import requests as contract
from shared.service import create_service
from services.requests.api import ROUTERS
from services.requests.handlers import CONSUMERS

app = create_service(
    "requests",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [contract.ServiceRequested, contract.RequestAssessed, contract.BudgetAgreed,
                                contract.BudgetReassessed, contract.MechanismChosen, contract.RequestApproved,
                                contract.RequestActivated, contract.RequestCancelled, contract.RequestClosed,
                                contract.PersonAllocated, contract.PersonDeallocated]},
    description="A person's request for service, from submission to closure.",
)
