"""Delivered care: each carer's attendance at a visit at its latest revision, and missed visits.

A correction arrives as VisitVerified with a higher revision for the same visit_key and carer: it
replaces the earlier attendance (its amount, and its late/short flags), it never adds to it. A
revision that is not newer than the one held (a replay, or an older event) changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contracts.delivery import PeriodActualsConfirmed, VisitMissed, VisitVerified
from services.reporting.domain.aggregates import Contribution, Dims, spend, visit_quality

LATE, SHORT = "late", "short"
MISSED = "missed"


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
    """A planned visit nobody attended; counted once per carer it needed (a missed double-up is two).

    Kept once per visit_key, whoever said it: the live alert (VisitMissed), a confirmed week listing it
    as missed, or both. The alert's date and carers stand when there is one."""

    visit_key: str
    agreement_id: str
    local_date: date
    carers: int
    alerted: bool = True  # a live safeguarding alert said it
    confirmed: bool = False  # the confirmation of its week listed it as missed


def missed(event: VisitMissed) -> MissedVisit:
    return MissedVisit(event.visit_key, event.agreement_id, event.local_date, max(event.carers_required, 1))


def confirmed_outcomes(event: PeriodActualsConfirmed) -> list[MissedVisit]:
    """Every planned visit of a confirmed week (delivery confirms each week once), `confirmed` when its
    outcome is missed; False otherwise (attended, cancelled, suspended: not missed, unless an alert said so)."""
    return [MissedVisit(p.visit_key, event.agreement_id, p.local_date, max(p.carers_required, 1), alerted=False,
                        confirmed=p.outcome == MISSED) for p in event.planned]


def heard_missed(held: MissedVisit | None, told: MissedVisit) -> MissedVisit | None:
    """The missed visit after an alert or a confirmation; None when nothing says it was missed."""
    if told.alerted:
        return replace(told, confirmed=held.confirmed if held else False)
    if held is None:
        return told if told.confirmed else None
    if held.alerted:
        return replace(held, confirmed=told.confirmed)
    return told if told.confirmed else None


def missed_contributions(visit: MissedVisit | None, dims: Dims) -> list[Contribution]:
    if visit is None:
        return []
    return visit_quality(dims.provider_id, visit.local_date, missed=visit.carers)
