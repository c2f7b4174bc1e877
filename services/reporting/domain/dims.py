"""What an agreement or direct payment is about, as far as reporting has heard, and the dims its facts
report under."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.reporting.domain.aggregates import NO_PROVIDER, UNASSIGNED, UNKNOWN_MECHANISM, UNKNOWN_SERVICE, Dims

MechanismSince = tuple[tuple[date, str], ...]  # (from day, mechanism), oldest first


@dataclass(frozen=True)
class AgreementDim:
    """An agreement's person, provider, service type and mechanism. Any of them may arrive after facts that
    need them (a visit consumed before its agreement); those facts are then moved to them.

    An agreement has one mechanism (its latest event's). A direct payment's can change with a variation
    (its nominee), so it is kept from each day (`since`); `mechanism` is then the latest."""

    agreement_id: str
    person_ref: str
    provider_id: str = NO_PROVIDER
    service_type: str | None = None
    mechanism: str | None = None  # None until an event says it
    funded_by: str | None = None  # the council-managed direct payment whose account pays for this agreement
    since: MechanismSince = ()
    cost_centre: str | None = None  # None until an agreement event says it ('unassigned' meanwhile)

    def mechanism_on(self, day: date) -> str:
        """The mechanism in force on `day` (a direct payment's first one before it starts)."""
        if not self.since:
            return self.mechanism or UNKNOWN_MECHANISM
        current = self.since[0][1]
        for first, mechanism in self.since:
            if first > day:
                break
            current = mechanism
        return current

    @property
    def dims(self) -> Dims:
        return Dims(self.service_type or UNKNOWN_SERVICE, self.provider_id, self.person_ref,
                    cost_centre=self.cost_centre or UNASSIGNED, mechanism=self.mechanism or UNKNOWN_MECHANISM)


def from_day(since: MechanismSince, day: date, mechanism: str) -> MechanismSince:
    """`since` with `mechanism` in force from `day` on (what was said for later days is replaced)."""
    kept = [entry for entry in since if entry[0] < day]
    if kept and kept[-1][1] == mechanism:
        return tuple(kept)
    return (*kept, (day, mechanism))


def heard(held: AgreementDim | None, told: AgreementDim) -> AgreementDim:
    """The dim after an event that names the agreement: what the event says wins, gaps keep what was held.

    `told.since` (one entry: a direct payment's terms from a day) is laid over the held history; a
    `told.mechanism` without it (an agreement event) replaces the mechanism and its funding together."""
    if held is None:
        return told
    mechanism, funded_by, since = held.mechanism, held.funded_by, held.since
    if told.since:
        since = from_day(since, *told.since[0])
        mechanism, funded_by = since[-1][1], None
    elif told.mechanism is not None:
        mechanism, funded_by = told.mechanism, told.funded_by
    return AgreementDim(told.agreement_id, told.person_ref or held.person_ref, told.provider_id or held.provider_id,
                        told.service_type or held.service_type, mechanism, funded_by, since,
                        told.cost_centre or held.cost_centre)
