"""What providers' call-monitoring (ECM) systems send: one record per carer attendance.

Published by providers on the Kafka topic `ecm.visits` as one plain JSON object per message (no
envelope), keyed by `provider_ref`: the provider's CQC provider or location ID, as its own system knows
it. The same object, in a JSON array, is the body of delivery's `POST /providers/{provider_id}/visits`,
whose path names the provider by its `provider_id` (PRV-…, the agreements register's id) and whose
records must name one of that provider's CQC IDs; the CSV export has one column per field (header names,
any order) and the XML service delivery file carries the same fields as attributes.

A two-carer visit is two records with the same `visit_id` and different `carer_id`. A later record
with the same `provider_ref`, `visit_id` and `carer_id` is a correction of the earlier one: it
replaces it and is never paid twice. Every record is verified, held as unallocated for an officer,
or rejected with a machine-readable reason (published as `VisitRejected` on `delivery.events`).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TOPIC = "ecm.visits"

TIME_FORMATS = "ISO 8601 (e.g. 2024-03-04T09:00:00Z, or without offset for London time) or dd/mm/yyyy HH:MM"
_EXAMPLES = ["2024-03-04T09:00:00Z", "2024-03-04T09:00", "04/03/2024 09:00"]


class EcmAttendance(BaseModel):
    """One carer's attendance at one visit, as a provider's ECM system reports it."""

    model_config = ConfigDict(extra="allow", title="EcmAttendance")

    provider_ref: str = Field(min_length=1, description="The provider's CQC provider ID, e.g. 1-123456789 "
                                                        "(the Kafka key too).")
    service_user_ref: str = Field(min_length=1, description="The council's reference for the person visited.")
    visit_id: str = Field(min_length=1,
                          description="The provider system's visit ID, shared by the carers of one visit.")
    carer_id: str = Field(min_length=1, description="The provider's ID of the carer who attended.")
    planned_start: str = Field(description=TIME_FORMATS, examples=_EXAMPLES)
    planned_end: str = Field(description=TIME_FORMATS, examples=_EXAMPLES)
    check_in: str | None = Field(default=None, examples=_EXAMPLES, description=(
        f"Arrival: {TIME_FORMATS}. May be empty only with an exception_code."))
    check_out: str | None = Field(default=None, examples=_EXAMPLES, description=(
        f"Departure, not before check_in: {TIME_FORMATS}. May be empty only with an exception_code."))
    check_in_method: Literal["app", "landline", "manual"] = Field(
        description="How the times were captured; manual entries are flagged for review.")
    exception_code: Literal["NOACCESS", "CANCELLED_SHORT_NOTICE", "HOSPITAL"] | None = Field(
        default=None, description="NOACCESS: the carer came but could not get in; CANCELLED_SHORT_NOTICE: "
                                  "cancelled under 24 h before; HOSPITAL: the person was admitted to hospital.")
    agreement_ref: str | None = Field(default=None, description="The council's agreement reference, when "
                                                                "the provider knows it (breaks ties in matching).")


def ecm_record_schema() -> dict[str, Any]:
    """The standalone JSON schema of one `ecm.visits` record (for the AsyncAPI document)."""
    return EcmAttendance.model_json_schema()
