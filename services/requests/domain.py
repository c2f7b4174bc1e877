"""Rules of a request for service. Pure: no database, no Kafka, no HTTP."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class RequestedBy(StrEnum):
    PERSON = "person"
    REPRESENTATIVE = "representative"
    SOCIAL_WORKER = "social_worker"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class ServiceRequest:
    request_id: str
    person_ref: str
    requested_by: RequestedBy
    requested_start: date
    needs: tuple[str, ...] = field(default_factory=tuple)
    status: RequestStatus = RequestStatus.SUBMITTED

    @classmethod
    def submit(cls, person_ref: str, requested_by: RequestedBy, requested_start: date,
               needs: tuple[str, ...] = ()) -> "ServiceRequest":
        """A new request, submitted now."""
        return cls(f"REQ-{uuid.uuid4().hex[:12].upper()}", person_ref, requested_by, requested_start, needs)
