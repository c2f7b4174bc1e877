"""The query clocks: acknowledge within 2 working days, resolve within 20 (per category if set).

Conventions (decided here, relied on by views, metrics and the breach scheduler):

- Working days are England's (weekends and bank holidays excluded; `shared.calendar`).
- The day a query is raised never counts, whatever the hour: raised on Thursday 2 April 2026 at
  16:00, "2 working days" are Tuesday 7 and Wednesday 8 April (Good Friday and Easter Monday are
  bank holidays). A query raised on a weekend or holiday starts on the next working day.
- A deadline is an instant: the end of the due day in Europe/London, i.e. 00:00 London time on
  the following day, in UTC. The SLA is breached at that instant and from then on (`now >= due`);
  one microsecond earlier it is not.
- The clocks never pause (not while waiting on a provider or a person, not while an effect is
  pending with another service): the SLA is the council's promise to answer. The resolve clock
  stops at resolution; an effect still pending afterwards is the owning service's time, not ours.
- Reopening starts a fresh resolve clock from the instant of reopening; acknowledgement is not
  asked for again. A late acknowledgement stays a breach on the query's record.
- A query keeps the policy it was raised under: changing the policy moves no running deadline.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import TYPE_CHECKING

from contracts.queries import QueryCategory, SlaKind
from services.queries.domain.errors import InvalidQuery, utc
from shared.calendar import add_working_days, working_days_between
from shared.clock import LONDON, london_date

if TYPE_CHECKING:
    from services.queries.domain.query import Query

AT_RISK_WORKING_DAYS = 1


@dataclass(frozen=True)
class SlaPolicy:
    acknowledge_within: int = 2  # working days
    resolve_within: int = 20  # working days

    def __post_init__(self) -> None:
        for name in ("acknowledge_within", "resolve_within"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidQuery(name, "must be a whole number of working days, 1 or more")
        if self.acknowledge_within > self.resolve_within:
            raise InvalidQuery("acknowledge_within", f"must not exceed resolve_within ({self.resolve_within})")


@dataclass(frozen=True)
class SlaPolicies:
    """The council's SLA: one default and optional overrides by category."""

    default: SlaPolicy = SlaPolicy()
    by_category: Mapping[QueryCategory, SlaPolicy] = field(default_factory=dict)

    def for_category(self, category: QueryCategory) -> SlaPolicy:
        return self.by_category.get(category, self.default)


STANDARD = SlaPolicies()


def end_of_london_day(day: date) -> datetime:
    """The instant `day` ends in Europe/London (00:00 local on the next day), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), LONDON).astimezone(timezone.utc)


def due_on(start: datetime, working_days: int) -> date:
    """The London date by whose end a clock started at `start` must be met."""
    return add_working_days(london_date(start), working_days)


def deadline(start: datetime, working_days: int) -> datetime:
    """The instant a clock of `working_days` started at `start` is breached."""
    return end_of_london_day(due_on(start, working_days))


def working_days_taken(start: datetime, end: datetime) -> int:
    """Working days after the London date of `start` up to and including that of `end`."""
    return working_days_between(london_date(start), london_date(end))


def acknowledge_due_at(query: "Query") -> datetime:
    return deadline(query.raised_at, query.sla.acknowledge_within)


def resolve_due_at(query: "Query") -> datetime:
    return deadline(query.resolve_clock_start, query.sla.resolve_within)


@dataclass(frozen=True)
class Breach:
    sla: SlaKind
    due_at: datetime

    @property
    def since(self) -> datetime:
        """A breach begins at the deadline itself."""
        return self.due_at


def breaches(query: "Query", now: datetime) -> list[Breach]:
    """The SLAs this query has missed as of `now`: acknowledge first, then the current resolve clock."""
    now = utc(now, "now")
    found = []
    for sla, due, met_at in ((SlaKind.ACKNOWLEDGE, acknowledge_due_at(query), query.acknowledged_at),
                             (SlaKind.RESOLVE, resolve_due_at(query), query.resolved_at)):
        if (met_at or now) >= due:
            found.append(Breach(sla, due))
    return found


def unflagged_breaches(query: "Query", now: datetime) -> list[Breach]:
    """Breaches not yet announced: what the scheduler flags (publishes) on this pass."""
    return [b for b in breaches(query, now) if (b.sla.value, b.due_at) not in query.flagged_breaches]


def next_breach_check(query: "Query") -> datetime | None:
    """The earliest deadline that is (or will be, if nothing is done) a breach not yet announced;
    None when no clock can breach any more. The breach job looks at a query only from this instant."""
    candidates = []
    for sla, due, met_at in ((SlaKind.ACKNOWLEDGE, acknowledge_due_at(query), query.acknowledged_at),
                             (SlaKind.RESOLVE, resolve_due_at(query), query.resolved_at)):
        if (sla.value, due) not in query.flagged_breaches and (met_at is None or met_at >= due):
            candidates.append(due)
    return min(candidates, default=None)


def running_clock(query: "Query") -> tuple[SlaKind, datetime] | None:
    """The SLA the council is working against now, and its deadline; None once resolved."""
    if query.acknowledged_at is None:
        return SlaKind.ACKNOWLEDGE, acknowledge_due_at(query)
    if query.resolved_at is None:
        return SlaKind.RESOLVE, resolve_due_at(query)
    return None


class SlaState(StrEnum):
    ON_TIME = "on_time"
    AT_RISK = "at_risk"  # a running clock has at most 1 working day left
    BREACHED = "breached"


def sla_state(query: "Query", now: datetime) -> SlaState:
    if breaches(query, now):
        return SlaState.BREACHED
    running = running_clock(query)
    if running is not None:
        due_day = london_date(running[1]) - timedelta(days=1)  # the deadline is the end of this day
        if working_days_between(london_date(utc(now, "now")), due_day) <= AT_RISK_WORKING_DAYS:
            return SlaState.AT_RISK
    return SlaState.ON_TIME


class AgeBand(StrEnum):
    """Working days since a query was raised."""

    UP_TO_2 = "0-2"
    UP_TO_5 = "3-5"
    UP_TO_10 = "6-10"
    UP_TO_20 = "11-20"
    OVER_20 = "20+"


# The most working days of each band but the last (20+), ascending.
BAND_LIMITS = ((2, AgeBand.UP_TO_2), (5, AgeBand.UP_TO_5), (10, AgeBand.UP_TO_10), (20, AgeBand.UP_TO_20))


def age_in_working_days(query: "Query", now: datetime) -> int:
    """Working days from raising to `now`, or to closing once closed (a closed query stops ageing)."""
    return working_days_taken(query.raised_at, query.closed_at or utc(now, "now"))


def age_band_of(working_days: int) -> AgeBand:
    for limit, band in BAND_LIMITS:
        if working_days <= limit:
            return band
    return AgeBand.OVER_20


def age_band(query: "Query", now: datetime) -> AgeBand:
    return age_band_of(age_in_working_days(query, now))
