"""Wiring of the queries service (no logic here)."""
from pathlib import Path

from shared.service import create_service

app = create_service(
    "queries",
    service_dir=Path(__file__).parent,
    description="Queries and disputes about visits, invoices and payments, resolved on time.",
)
