"""Wiring of the reporting service (no logic here)."""
from pathlib import Path

from shared.service import create_service
from services.reporting import api_missed, api_operations, api_people, api_pipeline, api_spend, dashboard
from services.reporting.handlers import CONSUMERS

app = create_service(
    "reporting",
    service_dir=Path(__file__).parent,
    routers=[api_spend.router, api_people.router, api_operations.router, api_pipeline.router, api_missed.router,
             dashboard.router],
    consumers=CONSUMERS,
    description="Read models of spend and operations, built from every service's events.",
)
