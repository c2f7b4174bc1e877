"""Plain objects for the delivery unit tests: a record or a planned visit in one line."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from contracts import agreements as contracts
from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.known_agreements import AgreementBook, known_agreement
from services.delivery.domain.matching import AgreementSchedule, PlannedVisit, ScheduledVisit, ScheduleVersion
from shared.clock import london_local

PROVIDER = "1-123456789"
PERSON = "SU-0001"
AGREEMENT = "AGR-1"
MONDAY = date(2024, 3, 4)  # a GMT week: London local time equals UTC


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=timezone.utc)


def raw(**over: Any) -> dict[str, Any]:
    """A valid raw record (as a CSV row or JSON object) for a 09:00–09:30 visit on MONDAY."""
    base = {"provider_ref": PROVIDER, "service_user_ref": PERSON, "visit_id": "V-1", "carer_id": "C-1",
            "planned_start": "2024-03-04T09:00:00Z", "planned_end": "2024-03-04T09:30:00Z",
            "check_in": "2024-03-04T09:00:00Z", "check_out": "2024-03-04T09:30:00Z", "check_in_method": "app"}
    base.update(over)
    return base


def record(*, minutes: int | None = 30, late_by: int = 0, day: date = MONDAY, at: time = time(9),
           **over: Any) -> AttendanceRecord:
    """An attendance at the visit planned at `at` London time on `day`, `late_by` minutes late,
    staying `minutes` (None: no times, for exception records)."""
    start = london_local(datetime.combine(day, at))
    fields: dict[str, Any] = {"provider_ref": PROVIDER, "service_user_ref": PERSON, "visit_id": "V-1",
                              "carer_id": "C-1", "planned_start": start,
                              "planned_end": start + timedelta(minutes=30), "check_in_method": "app"}
    if minutes is not None:
        check_in = start + timedelta(minutes=late_by)
        fields.update(check_in=check_in, check_out=check_in + timedelta(minutes=minutes))
    fields.update(over)
    return AttendanceRecord(**fields)


def planned(*, minutes: int = 30, carers: int = 1, day: date = MONDAY, at: time = time(9),
            agreement: str = AGREEMENT, person: str = PERSON) -> PlannedVisit:
    start = london_local(datetime.combine(day, at))
    return PlannedVisit(agreement, person, PROVIDER, day, start, start + timedelta(minutes=minutes), minutes, carers)


def schedule(*slots: ScheduledVisit, start: date = MONDAY, end: date | None = None, **over: Any) -> AgreementSchedule:
    fields: dict[str, Any] = {"agreement_id": AGREEMENT, "service_user_ref": PERSON, "provider_ref": PROVIDER,
                              "start_date": start, "end_date": end,
                              "versions": (ScheduleVersion(start, tuple(slots)),)}
    fields.update(over)
    return AgreementSchedule(**fields)


def agreement_event(*slots: tuple[str, str, int, int], agreement_id: str = AGREEMENT, person: str = PERSON,
                    provider_id: str = "PRV-1", start: date = MONDAY, pence: int = 2400, basis: str = "actuals",
                    suspensions=(), end: date | None = None, versions=None) -> contracts.AgreementActivated:
    """An AgreementActivated as the agreements service publishes it; slots are (weekday, HH:MM, minutes, carers)."""
    schedule_ = [contracts.ScheduledVisit(weekday=w, start_time=time.fromisoformat(s), duration_minutes=m,
                                          carers_required=c) for w, s, m, c in slots]
    terms = versions or [contracts.AgreementTerms(version=1, effective_from=start, schedule=schedule_,
                                                  rates=[contracts.Rate(unit="hour", amount_pence=pence)])]
    return contracts.AgreementActivated(
        agreement_id=agreement_id, person_ref=person, provider_id=provider_id, service_type="home_care",
        payment_basis=basis, cycle="weekly", start=start, end=end, terms=terms, suspensions=list(suspensions))


def book_with(*events: contracts.AgreementEvent, refs: tuple[str, ...] = (PROVIDER,), provider_id: str = "PRV-1",
              known_since: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc)) -> AgreementBook:
    """A book that knows the provider (by its CQC IDs) and the agreements."""
    book = AgreementBook()
    book.put_provider(provider_id, refs)
    for event in events:
        book.put_agreement(known_agreement(event, known_since, known_since))
    return book
