"""Wiring of the requests service (no logic here)."""
from pathlib import Path

from contracts import requests as contract
from shared.service import create_service
from services.requests import api, api_lifecycle
from services.requests.handlers import CONSUMERS

app = create_service(
    "requests",
    service_dir=Path(__file__).parent,
    routers=[api.router, api_lifecycle.router],
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [contract.ServiceRequested, contract.RequestAssessed, contract.BudgetAgreed,
                                contract.MechanismChosen, contract.RequestApproved, contract.RequestActivated,
                                contract.RequestCancelled, contract.RequestClosed]},
    description="A person's request for service, from submission to closure.",
)
