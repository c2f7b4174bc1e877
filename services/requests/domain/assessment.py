"""The needs assessment of a request: eligibility, the kind of care, the needs and the outcomes."""
from __future__ import annotations

from dataclasses import dataclass

from contracts.common import ServiceType
from services.requests.domain.errors import InvalidInput


@dataclass(frozen=True)
class Assessment:
    """The outcome of the needs assessment. The needs and outcomes text never leave this service."""

    eligible: bool
    service_type: ServiceType
    needs: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("needs", "outcomes"):
            if any(not text.strip() for text in getattr(self, name)):
                raise InvalidInput(name, "each entry must be text, not blank")
        if self.service_type == ServiceType.DIRECT_PAYMENT:
            raise InvalidInput("service_type", "direct_payment is a way of paying, not a kind of care:"
                                               " assess the care needed and choose direct_payment as the mechanism")
        if self.eligible and not self.needs:
            raise InvalidInput("needs", "an eligible assessment must record at least one need")
        if self.eligible and not self.outcomes:
            raise InvalidInput("outcomes", "an eligible assessment must record at least one outcome")
