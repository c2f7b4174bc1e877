"""Delivered care: each carer's attendance at a visit at its latest revision, and missed visits.

A correction arrives as VisitVerified with a higher revision for the same visit_key and carer: it
replaces the earlier attendance (its amount, and its late/short flags), it never adds to it. A
revision that is not newer than the one held (a replay, or an older event) changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.delivery import VisitMissed, VisitVerified
from services.reporting.domain.aggregates import Contribution, Dims, spend, visit_quality

LATE, SHORT = "late", "short"


@dataclass(frozen=True)
class Attendance:
    visit_key: str
    carer_id: str
    revision: int
    agreement_id: str
    local_date: date
    amount_pence: int
    late: bool
    short: bool


def verified(held: Attendance | None, event: VisitVerified) -> Attendance | None:
    """The attendance after `event`, or None when `event` is not newer than what is held."""
    if held is not None and event.revision <= held.revision:
        return None
    codes = {flag.code for flag in event.flags}
    return Attendance(event.visit_key, event.carer_id, event.revision, event.agreement_id, event.local_date,
                      event.amount_pence, LATE in codes, SHORT in codes)


def attendance_contributions(attendance: Attendance | None, dims: Dims) -> list[Contribution]:
    if attendance is None:
        return []
    return (spend(dims, attendance.local_date, delivered=attendance.amount_pence)
            + visit_quality(dims.provider_id, attendance.local_date, attendances=1,
                            late=int(attendance.late), short=int(attendance.short)))


@dataclass(frozen=True)
class MissedVisit:
    """A planned visit nobody attended; counted once per carer it needed (a missed double-up is two)."""

    visit_key: str
    agreement_id: str
    local_date: date
    carers: int


def missed(event: VisitMissed) -> MissedVisit:
    return MissedVisit(event.visit_key, event.agreement_id, event.local_date, max(event.carers_required, 1))


def missed_contributions(visit: MissedVisit | None, dims: Dims) -> list[Contribution]:
    if visit is None:
        return []
    return visit_quality(dims.provider_id, visit.local_date, missed=visit.carers)
