"""How a request's budget is paid: council arranged, an individual service fund, or a direct payment."""
from __future__ import annotations

from dataclasses import dataclass

from contracts.common import Mechanism, Nominee
from services.requests.domain.errors import InvalidInput


@dataclass(frozen=True)
class MechanismChoice:
    """How the budget is paid: a nominee for a direct payment, a preferred provider otherwise."""

    mechanism: Mechanism
    nominee: Nominee | None = None
    preferred_provider_id: str | None = None

    def __post_init__(self) -> None:
        direct = self.mechanism == Mechanism.DIRECT_PAYMENT
        if direct and self.nominee is None:
            raise InvalidInput("nominee", "required for direct_payment: one of "
                                          + ", ".join(n.value for n in Nominee))
        if not direct and self.nominee is not None:
            raise InvalidInput("nominee", f"only for direct_payment; leave it out for {self.mechanism.value}")
        if direct and self.preferred_provider_id is not None:
            raise InvalidInput("preferred_provider_id", "only for council_arranged or isf: with a direct"
                                                        " payment the person or nominee buys the care")
