"""Wiring of the agreements service (no logic here)."""
from pathlib import Path

from shared.service import create_service
from services.agreements.api import router
from services.agreements.handlers import CONSUMERS

app = create_service(
    "agreements",
    service_dir=Path(__file__).parent,
    routers=[router],
    consumers=CONSUMERS,
    publishes={},
    description="Providers, rate cards, care agreements, direct payments and commitments.",
)
