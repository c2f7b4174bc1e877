"""Planned visits from an agreement's weekly schedule, and matching attendances to them.

Inputs are plain values (known_agreements.py builds them from the agreements contract): the
agreement's dates, schedule versions (a variation takes effect from a date) and suspensions (hospital).
A record that matches no planned visit is *unallocated*: held for an officer, never paid
automatically. A planned visit with no record by its cut-off is *missed*.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from services.delivery.domain.attendance import AttendanceRecord
from shared.clock import LONDON, london_date, london_local

MATCH_WINDOW = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    """One visit in the weekly schedule: weekday 0 = Monday, start in London wall-clock time."""

    weekday: int
    start: time
    minutes: int
    carers_required: int = 1


@dataclass(frozen=True, slots=True)
class ScheduleVersion:
    """The weekly schedule of one version of the terms.

    On a day D the version in force is the highest `version` whose `effective_from` <= D (the
    agreements contract): a later variation supersedes every earlier one from its own date on, even
    when back-dated. Versions left at 0 fall back to the latest `effective_from`.
    """

    effective_from: date
    visits: tuple[ScheduledVisit, ...]
    version: int = 0
    by_weekday: tuple[tuple[ScheduledVisit, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_weekday", tuple(
            tuple(v for v in self.visits if v.weekday == d) for d in range(7)))


@dataclass(frozen=True, slots=True)
class Suspension:
    """No visits are planned on days `first_day` <= d < `resumed_on` (open-ended when None)."""

    first_day: date
    resumed_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.first_day <= day and (self.resumed_on is None or day < self.resumed_on)


@dataclass(frozen=True, slots=True)
class AgreementSchedule:
    """What the delivery service needs of an agreement to plan its visits. Dates are inclusive."""

    agreement_id: str
    service_user_ref: str
    provider_ref: str
    start_date: date
    end_date: date | None
    versions: tuple[ScheduleVersion, ...]
    suspensions: tuple[Suspension, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    agreement_id: str
    service_user_ref: str
    provider_ref: str
    local_date: date
    planned_start: datetime  # UTC
    planned_end: datetime  # UTC: start + planned minutes of real time, also across a DST change
    planned_minutes: int
    carers_required: int
    # Stable identity: agreement, local date and local start time, e.g. "AGR-1/2024-03-04/09:00".
    # Made from the other fields when not given (`planned_visits_on` gives it, made the same way).
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            local = self.planned_start.astimezone(LONDON)
            object.__setattr__(self, "key", f"{self.agreement_id}/{self.local_date.isoformat()}/{local:%H:%M}")

    @property
    def local_start(self) -> time:
        """London wall-clock start: rates by time band are chosen by it."""
        return _london_time(self.planned_start)


@lru_cache(maxsize=1 << 14)
def _london_time(instant: datetime) -> time:
    return instant.astimezone(LONDON).time()


def schedule_on(agreement: AgreementSchedule, day: date) -> ScheduleVersion | None:
    """The schedule version in force on `day`, or None before the first one."""
    best = None
    for v in agreement.versions:
        if v.effective_from <= day and (
                best is None or (v.version, v.effective_from) > (best.version, best.effective_from)):
            best = v
    return best


def suspended_on(agreement: AgreementSchedule, day: date) -> bool:
    """Whether a suspension (a hospital stay) covers the local day."""
    return any(s.covers(day) for s in agreement.suspensions)


def planned_visits_on(agreement: AgreementSchedule, day: date) -> list[PlannedVisit]:
    """The visits an agreement plans on one local day: none outside its dates or while suspended."""
    if suspended_on(agreement, day):
        return []
    return scheduled_visits_on(agreement, day)


def scheduled_visits_on(agreement: AgreementSchedule, day: date) -> list[PlannedVisit]:
    """The schedule's slots on one local day within the agreement's dates, suspended or not (a
    suspended day plans none of them: `planned_visits_on`)."""
    if day < agreement.start_date or (agreement.end_date is not None and day > agreement.end_date):
        return []
    version = schedule_on(agreement, day)
    if version is None:
        return []
    out = []
    for slot in version.by_weekday[day.weekday()]:
        start, end, key = _slot_on(day, slot.start, slot.minutes)
        out.append(PlannedVisit(agreement.agreement_id, agreement.service_user_ref, agreement.provider_ref, day,
                                start, end, slot.minutes, slot.carers_required, agreement.agreement_id + key))
    if len(out) > 1:
        out.sort(key=lambda v: v.planned_start)
    return out


@lru_cache(maxsize=1 << 14)
def _slot_on(day: date, at: time, minutes: int) -> tuple[datetime, datetime, str]:
    """A slot's UTC start and end on a day, and its key after the agreement id (the same for every
    agreement: thousands share each). A wall-clock time in the spring gap keys by where it really is."""
    start = london_local(datetime.combine(day, at))
    return start, start + timedelta(minutes=minutes), f"/{day.isoformat()}/{start.astimezone(LONDON):%H:%M}"


def planned_visits(agreement: AgreementSchedule, first_day: date, last_day: date) -> list[PlannedVisit]:
    """The visits an agreement plans on each local day from `first_day` to `last_day` inclusive."""
    out: list[PlannedVisit] = []
    day = max(first_day, agreement.start_date)
    while day <= last_day:
        out.extend(planned_visits_on(agreement, day))
        day += timedelta(days=1)
    return out


@dataclass(frozen=True, slots=True)
class Unallocated:
    record: AttendanceRecord
    reason: str  # no_planned_visit_that_day | no_planned_visit_within_2_hours
    message: str


@dataclass(slots=True)
class Allocation:
    matched: dict[str, list[AttendanceRecord]]  # planned visit key -> its records, in arrival order
    unallocated: list[Unallocated]


class PlannedVisitIndex:
    """Planned visits by (person, provider, local day), for matching many records quickly."""

    def __init__(self, visits: Iterable[PlannedVisit]):
        self.by_key: dict[str, PlannedVisit] = {}
        self._by_day: dict[tuple[str, str, date], list[PlannedVisit]] = defaultdict(list)
        for v in visits:
            self.by_key[v.key] = v
            self._by_day[(v.service_user_ref, v.provider_ref, v.local_date)].append(v)

    def candidates(self, record: AttendanceRecord) -> Sequence[PlannedVisit]:
        return self._by_day.get((record.service_user_ref, record.provider_ref, london_date(record.planned_start)), ())


def match_attendance(record: AttendanceRecord, index: PlannedVisitIndex) -> PlannedVisit | Unallocated:
    """The planned visit a record belongs to, or why it is unallocated.

    Same person and provider, same local day, planned start within ±2 hours; the nearest wins.
    The record's own planned start is compared, not its check-in, so a late visit still finds its
    visit (and is flagged late) instead of falling out. A matching agreement_ref breaks ties.
    """
    candidates = index.candidates(record)
    if not candidates:
        return Unallocated(record, "no_planned_visit_that_day",
                           "no active agreement plans a visit for this person with this provider that day")

    # Nearest planned start; a matching agreement_ref, then the earlier visit, breaks a tie.
    best, best_rank = None, None
    for v in candidates:
        rank = (abs(v.planned_start - record.planned_start), v.agreement_id != record.agreement_ref, v.planned_start)
        if best_rank is None or rank < best_rank:
            best, best_rank = v, rank
    assert best is not None and best_rank is not None
    if best_rank[0] > MATCH_WINDOW:
        return Unallocated(record, "no_planned_visit_within_2_hours",
                           "no planned visit that day starts within 2 hours of the record's planned start")
    return best


def allocate(records: Iterable[AttendanceRecord], index: PlannedVisitIndex) -> Allocation:
    """Match every record: each lands in `matched` under its planned visit or in `unallocated`."""
    matched: dict[str, list[AttendanceRecord]] = defaultdict(list)
    unallocated: list[Unallocated] = []
    for record in records:
        found = match_attendance(record, index)
        if isinstance(found, Unallocated):
            unallocated.append(found)
        else:
            matched[found.key].append(record)
    return Allocation(dict(matched), unallocated)


def visit_cutoff(visit: PlannedVisit, after_end: timedelta | None = None, at: time | None = None) -> datetime:
    """When a visit with no record becomes missed: by default the end of its local day (midnight
    London, in UTC); with `after_end`, that long after its planned end; with `at` (an agreement's
    `missed_cut_off`), that London time on its day, or the next day when the visit has not ended by then."""
    if after_end is not None:
        return visit.planned_end + after_end
    if at is not None:
        cutoff = london_local(datetime.combine(visit.local_date, at))
        return cutoff if cutoff >= visit.planned_end else london_local(
            datetime.combine(visit.local_date + timedelta(days=1), at))
    return london_local(datetime.combine(visit.local_date + timedelta(days=1), time()))


def missed_visits(visits: Iterable[PlannedVisit], recorded_keys: set[str] | dict[str, object], now: datetime,
                  after_end: timedelta | None = None) -> list[PlannedVisit]:
    """Planned visits with no record at all whose cut-off has passed at `now` (any record, even an
    exception such as a cancellation, accounts for the visit)."""
    return [v for v in visits if v.key not in recorded_keys and visit_cutoff(v, after_end) <= now]
