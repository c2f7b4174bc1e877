"""Wiring of the payments service (no logic here)."""
from pathlib import Path

from shared.service import create_service

app = create_service(
    "payments",
    service_dir=Path(__file__).parent,
    description="Payment runs with maker-checker, BACS and ISO 20022 files, journals, direct payments.",
)
