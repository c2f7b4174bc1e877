"""What an agreement is about, as far as reporting has heard, and the dims its facts report under."""
from __future__ import annotations

from dataclasses import dataclass

from services.reporting.domain.aggregates import NO_PROVIDER, UNKNOWN_SERVICE, Dims


@dataclass(frozen=True)
class AgreementDim:
    """An agreement's person, provider and service type. The service type may arrive after facts that
    need it (a visit consumed before its agreement); those facts are then moved to it."""

    agreement_id: str
    person_ref: str
    provider_id: str = NO_PROVIDER
    service_type: str | None = None

    @property
    def dims(self) -> Dims:
        return Dims(self.service_type or UNKNOWN_SERVICE, self.provider_id, self.person_ref)


def heard(held: AgreementDim | None, agreement_id: str, person_ref: str, provider_id: str | None,
          service_type: str | None) -> AgreementDim:
    """The dim after an event that names the agreement: what the event says wins, gaps keep what was held."""
    if held is None:
        return AgreementDim(agreement_id, person_ref, provider_id or NO_PROVIDER, service_type)
    return AgreementDim(agreement_id, person_ref or held.person_ref, provider_id or held.provider_id,
                        service_type or held.service_type)
