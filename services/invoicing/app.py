"""Wiring of the invoicing service (no logic here)."""
from pathlib import Path

from shared.service import create_service

app = create_service(
    "invoicing",
    service_dir=Path(__file__).parent,
    description="Self-billed, scheduled and provider-submitted invoices, checked by three-way match.",
)
