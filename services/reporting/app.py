"""Wiring of the reporting service (no logic here)."""
from pathlib import Path

from shared.service import create_service
from services.reporting.api import ROUTERS
from services.reporting.handlers import CONSUMERS

app = create_service(
    "reporting",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    description="Read models of spend and operations, built from every service's events.",
)
