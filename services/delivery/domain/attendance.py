"""One carer's attendance at a visit, as a provider's call-monitoring system reports it.

The public shape providers integrate from is `contracts.ecm.EcmAttendance` (in the AsyncAPI
document); this model is the validating reader of it, with a machine-readable reason per problem.
The same record arrives on the Kafka topic `ecm.visits` (one JSON object per message), in the HTTP
batch (a JSON array), as a CSV row and as a `<Carer>` of the XML service delivery file. Times are
accepted as ISO 8601 with an offset, ISO 8601 without one (Europe/London wall-clock time) or
`dd/mm/yyyy HH:MM[:SS]` (Europe/London), and are held as UTC-aware datetimes.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from contracts.ecm import TIME_FORMATS
from services.delivery.domain.rejects import Reason, quoted
from shared.bounds import NO_NUL
from shared.clock import london_local

UTC = timezone.utc
# Far above any real reference; an ID past Postgres's index row limit (~2,700 bytes) would fail the batch.
MAX_ID_LENGTH = 200
# A time as any feed writes it is under 40 characters (2024-03-04T09:00:00.123456+01:00): a longer string is no
# time (and is never kept in the parse cache below).
MAX_TIME_LENGTH = 64
_UK_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


class CheckInMethod(StrEnum):
    APP = "app"
    LANDLINE = "landline"
    MANUAL = "manual"


class ExceptionCode(StrEnum):
    NOACCESS = "NOACCESS"  # the carer came but could not get in (a frustrated visit)
    CANCELLED_SHORT_NOTICE = "CANCELLED_SHORT_NOTICE"  # cancelled under 24 h before the visit
    HOSPITAL = "HOSPITAL"  # the person was admitted to hospital: the agreement is suspended


# Feeds repeat the same few thousand time strings (quarter-hour planned times, minutes of a day),
# so a bounded cache turns most parses into a dict lookup: this is the hot path at 20,000+ rows/s.
@lru_cache(maxsize=1 << 16)
def parse_feed_time(text: str) -> datetime:
    """A feed time as a UTC-aware datetime; ValueError when it is none of the accepted formats (or longer than
    MAX_TIME_LENGTH characters).

    Wall-clock times are Europe/London. On the autumn change day an ambiguous time (01:00–01:59)
    is read as the first occurrence (BST); a time in the spring gap is read with the GMT offset.
    """
    if len(text) > MAX_TIME_LENGTH:
        raise ValueError(f"longer than {MAX_TIME_LENGTH} characters")
    s = text.strip()
    m = _UK_TIME.fullmatch(s)
    if m:
        day, month, year, hour, minute, second = m.groups()
        return london_local(datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0)))
    if len(s) < 13 or s[10] not in "T ":  # a date alone is not a time of attendance
        raise ValueError(s)
    parsed = datetime.fromisoformat(s)
    return london_local(parsed) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _time(value: Any, field: str) -> datetime | None:
    # Strings first and without a separate blank check: this runs four times per record.
    if value.__class__ is str:
        try:
            return parse_feed_time(value)
        except ValueError:
            if not value.strip():
                return None
    elif value is None:
        return None
    elif isinstance(value, datetime):
        return london_local(value) if value.tzinfo is None else value.astimezone(UTC)
    raise PydanticCustomError(
        Reason.TIME_UNPARSEABLE, "{field} {value} is not a time: use {formats}",
        {"field": field, "value": quoted(value), "formats": TIME_FORMATS})


def _required_time(field: str):
    def validate(value: Any) -> datetime:
        parsed = _time(value, field)
        if parsed is None:
            raise PydanticCustomError(Reason.MISSING_FIELD, "{field} is required", {"field": field})
        return parsed
    return BeforeValidator(validate)


def _optional_time(field: str):
    return BeforeValidator(lambda value: _time(value, field))


def _optional_text(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError(Reason.INVALID_VALUE, "agreement_ref contains a NUL character: remove it",
                                  {"field": "agreement_ref"})
    if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
        raise PydanticCustomError(Reason.INVALID_VALUE, "agreement_ref is longer than {limit} characters",
                                  {"field": "agreement_ref", "limit": MAX_ID_LENGTH})
    return None if _blank(value) else value


_METHODS = {m.value: m for m in CheckInMethod}
_CODES = {c.value: c for c in ExceptionCode}


def _check_in_method(value: Any) -> CheckInMethod:
    method = _METHODS.get(value.strip().lower()) if isinstance(value, str) else None
    if method is not None:
        return method
    if _blank(value):
        raise PydanticCustomError(Reason.MISSING_FIELD, "check_in_method is required", {"field": "check_in_method"})
    raise PydanticCustomError(
        Reason.UNKNOWN_CHECK_IN_METHOD, "check_in_method {value} is not one of app, landline, manual",
        {"value": quoted(value)})


def _exception_code(value: Any) -> ExceptionCode | None:
    if _blank(value):
        return None
    code = _CODES.get(value.strip().upper()) if isinstance(value, str) else None
    if code is None:
        raise PydanticCustomError(
            Reason.UNKNOWN_EXCEPTION_CODE,
            "exception_code {value} is not one of NOACCESS, CANCELLED_SHORT_NOTICE, HOSPITAL (or empty)",
            {"value": quoted(value)})
    return code


class AttendanceRecord(BaseModel):
    """One carer's attendance at one visit (a two-carer visit is two records with one visit_id).

    A later record with the same provider_ref, visit_id and carer_id corrects the earlier one.
    check_in/check_out may be empty only on an exception record (no access, cancelled, hospital).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    # Required text is checked in Rust (min_length after stripping): an empty cell is a missing
    # field, and validation.py names it so (missing_carer_id for carer_id). A NUL (JSON "\u0000")
    # is refused: it cannot be stored, and an ID with one is not an ID.
    provider_ref: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_NUL,
                              description="The provider's CQC ID (the provider the feed is for).")
    service_user_ref: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_NUL,
                                  description="The council's reference for the person visited.")
    visit_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_NUL,
                          description="The provider system's visit ID, shared by the carers of one visit.")
    carer_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_NUL,
                          description="The provider's ID of the carer who attended.")
    planned_start: Annotated[datetime, _required_time("planned_start")] = Field(description=TIME_FORMATS)
    planned_end: Annotated[datetime, _required_time("planned_end")] = Field(description=TIME_FORMATS)
    check_in: Annotated[datetime | None, _optional_time("check_in")] = Field(default=None, description=TIME_FORMATS)
    check_out: Annotated[datetime | None, _optional_time("check_out")] = Field(default=None, description=TIME_FORMATS)
    check_in_method: Annotated[CheckInMethod, BeforeValidator(_check_in_method)]
    exception_code: Annotated[ExceptionCode | None, BeforeValidator(_exception_code)] = None
    agreement_ref: Annotated[str | None, BeforeValidator(_optional_text)] = Field(
        default=None, description="The council's agreement (order) reference, when the provider knows it.")

    @model_validator(mode="after")
    def _times_make_sense(self) -> AttendanceRecord:
        if self.exception_code is None:
            # Without an exception code the record is evidence of attendance: both times are needed.
            for field in ("check_in", "check_out"):
                if getattr(self, field) is None:
                    raise PydanticCustomError(
                        Reason.MISSING_FIELD, "{field} is required unless exception_code is given",
                        {"field": field})
        if self.check_in is not None and self.check_out is not None and self.check_out < self.check_in:
            raise PydanticCustomError(
                Reason.CHECK_OUT_BEFORE_CHECK_IN, "check_out {out} is before check_in {in_}",
                {"field": "check_out", "out": self.check_out.isoformat(), "in_": self.check_in.isoformat()})
        return self

    @property
    def attendance_key(self) -> tuple[str, str, str]:
        """Records with the same key are one attendance: the latest is the correction that counts."""
        return (self.provider_ref, self.visit_id, self.carer_id)
