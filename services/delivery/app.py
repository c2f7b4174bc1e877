"""Wiring of the delivery monitoring service (no logic here)."""
from pathlib import Path

from shared.service import create_service

app = create_service(
    "delivery",
    service_dir=Path(__file__).parent,
    description="Provider call-monitoring feeds in; verified visits and confirmed actuals out.",
)
