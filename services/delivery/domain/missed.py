"""Which planned visits are newly missed: no attendance by their cut-off (a safeguarding alert).

The check runs every `every_seconds` and looks only at visits whose cut-off passed since its last run,
so its cost does not grow with history. A visit is raised only when it was planned
- at or after the agreement's activation (its earliest event), and
- at or after delivery first stored the agreement, less an hour's grace for consumer lag: records
  sent before delivery knew the agreement could not be verified, and a service deployed onto years
  of agreements history must not flood safeguarding with alerts for visits it never watched;
- within the last `horizon_days` (14): after an outage, only the recent past is raised.
An agreement first seen since the last run gets the whole horizon on its first check.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from services.delivery.domain.known_agreements import AgreementBook, KnownAgreement
from services.delivery.domain.matching import PlannedVisit, visit_cutoff
from shared.clock import london_date, london_local

# An agreement stored this close to the last check may not have been visible to it yet.
_NEWLY_SEEN = timedelta(minutes=10)
# How far before delivery stored an agreement its visits may still be raised (consumer lag).
LAG_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class MissedPolicy:
    every_seconds: float = 30.0
    horizon_days: int = 14


def due_missed(book: AgreementBook, *, since: datetime | None, now: datetime, horizon_days: int = 14,
               agreements: Iterable[KnownAgreement] | None = None) -> list[PlannedVisit]:
    """Planned visits of actuals agreements whose cut-off fell in (since, now] (or, on a first check or
    for an agreement first seen since, within the horizon). Whether anyone attended is the caller's
    question: these are the candidates."""
    earliest = now - timedelta(days=horizon_days)
    oldest_day = london_date(earliest)
    today = london_date(now)
    out: list[PlannedVisit] = []
    for agreement in book.actuals_agreements() if agreements is None else agreements:
        seen_before = since is not None and agreement.first_seen_at is not None and (
            agreement.first_seen_at <= since - _NEWLY_SEEN)
        start = max(since, earliest) if seen_before else earliest  # type: ignore[type-var]
        floor = alert_floor(agreement)
        # A visit's cut-off can fall on the day after it (end of its day, or a cut-off before it ends).
        day = max(london_date(start) - timedelta(days=1), oldest_day, london_date(floor))
        while day <= today:
            terms = agreement.terms_on(day)
            cut_off_at = terms.missed_cut_off if terms is not None else None
            # Every visit of a day is cut off at one of two instants: most runs skip the day unread.
            if any(start < c <= now for c in _day_cut_offs(day, cut_off_at)):
                for visit in book.planned_on(agreement.agreement_id, day):
                    if visit.planned_start >= floor and (
                            start < visit_cutoff(visit, at=cut_off_at) <= now):
                        out.append(visit)
            day += timedelta(days=1)
    return out


def alert_floor(agreement: KnownAgreement) -> datetime:
    """The earliest planned start that can be raised as missed for this agreement."""
    if agreement.first_seen_at is None:
        return agreement.known_since
    return max(agreement.known_since, agreement.first_seen_at - LAG_GRACE)


@lru_cache(maxsize=4096)
def _day_cut_offs(day: date, at: time | None) -> tuple[datetime, ...]:
    """The instants a visit on `day` can be cut off: midnight after it, or `at` that day or the next."""
    if at is None:
        return (london_local(datetime.combine(day + timedelta(days=1), time())),)
    return (london_local(datetime.combine(day, at)), london_local(datetime.combine(day + timedelta(days=1), at)))
