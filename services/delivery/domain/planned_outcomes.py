"""What became of each planned visit of an agreement-week, as at its confirmation.

The week's visits are the schedule's slots on each day within the agreement's dates (the terms version
in force that day), plus any visit a record was verified at that the schedule no longer holds (a
variation since). Each visit's outcome, from the carers' latest records still at it (withdrawn ones
are not):
- `delivered`: at least one carer's verified attendance that is not an exception record, paid or not
  (a two-carer visit with one carer is delivered);
- `cancelled`, `no_access`, `hospital`: only exception records (CANCELLED_SHORT_NOTICE, NOACCESS,
  HOSPITAL; when carers' codes differ, hospital before no_access before cancelled);
- `suspended`: no record, on a day the agreement was suspended (delivery plans no visit then);
- `missed`: no record at all by confirmation (an unallocated record does not count).
It does not depend on when delivery learned of the agreement or the records: a week entered after the
fact lists its missed visits even though no live alert was raised for them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from services.delivery.domain.attendance import ExceptionCode
from services.delivery.domain.matching import AgreementSchedule, scheduled_visits_on, suspended_on

Outcome = Literal["delivered", "missed", "cancelled", "no_access", "hospital", "suspended"]
_EXCEPTION_OUTCOME: dict[ExceptionCode, Outcome] = {
    ExceptionCode.HOSPITAL: "hospital", ExceptionCode.NOACCESS: "no_access",
    ExceptionCode.CANCELLED_SHORT_NOTICE: "cancelled"}
_EXCEPTION_ORDER = tuple(_EXCEPTION_OUTCOME)  # the first code any carer recorded names the outcome


@dataclass(frozen=True, slots=True)
class CarerAttendance:
    """One carer's latest verified record at a visit of the week (not withdrawn)."""

    visit_key: str
    local_date: date
    planned_start: datetime
    planned_minutes: int
    carers_required: int
    exception_code: ExceptionCode | None


@dataclass(frozen=True, slots=True)
class PlannedOutcome:
    visit_key: str
    local_date: date
    planned_start: datetime
    planned_minutes: int
    carers_required: int
    outcome: Outcome


def outcome_of(records: Iterable[CarerAttendance], *, suspended: bool) -> Outcome:
    """A visit's outcome from its carers' records (see the module's rules)."""
    codes = {r.exception_code for r in records}
    if None in codes:
        return "delivered"
    for code in _EXCEPTION_ORDER:
        if code in codes:
            return _EXCEPTION_OUTCOME[code]
    return "suspended" if suspended else "missed"


def planned_outcomes(schedule: AgreementSchedule | None, week: date,
                     records: Iterable[CarerAttendance]) -> list[PlannedOutcome]:
    """Every planned visit of the Monday–Sunday `week` with its outcome, in planned-start order.
    `schedule` None (an agreement not paid on actuals, or unknown): only the visits records were verified at."""
    by_key: dict[str, list[CarerAttendance]] = {}
    for r in records:
        by_key.setdefault(r.visit_key, []).append(r)
    out: dict[str, PlannedOutcome] = {}
    for day in (week + timedelta(days=i) for i in range(7)) if schedule is not None else ():
        suspended = suspended_on(schedule, day)
        for v in scheduled_visits_on(schedule, day):
            out[v.key] = PlannedOutcome(v.key, v.local_date, v.planned_start, v.planned_minutes, v.carers_required,
                                        outcome_of(by_key.get(v.key, ()), suspended=suspended))
    for key, found in by_key.items():
        if key not in out:  # verified at a visit the schedule has since dropped: still planned then
            first = found[0]
            out[key] = PlannedOutcome(key, first.local_date, first.planned_start, first.planned_minutes,
                                      first.carers_required, outcome_of(found, suspended=False))
    return sorted(out.values(), key=lambda o: (o.planned_start, o.visit_key))
