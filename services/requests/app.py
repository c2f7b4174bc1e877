"""Wiring of the requests service (no logic here)."""
from pathlib import Path

from contracts import requests as contract
from shared.service import create_service
from services.requests.api import router

app = create_service(
    "requests",
    service_dir=Path(__file__).parent,
    routers=[router],
    publishes={contract.TOPIC: [contract.ServiceRequested]},
    description="A person's request for service, from submission to closure.",
)
