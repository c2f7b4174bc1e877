"""When payment runs happen, and the Bacs three-day cycle behind each pay date.

Weekly runs (on a configured weekday, Wednesday by default) pay actuals-based services and
weekly direct payments; four-weekly runs pay scheduled (plan-based) services and four-weekly
direct payments; ad hoc runs pay what finance chooses. A pay date that falls on a weekend or bank
holiday in England moves to the working day before it, so a provider is never paid later than
the calendar promised.

Bacs three-day cycle, counted in working days: day 1 the file is submitted (input day), day 2
Bacs processes it (the *processing day*, the date UHL1 carries), day 3 the money reaches the
payee's account (the *entry day*, which is our pay date).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from contracts.common import Cycle, ServiceType
from shared.calendar import is_working_day
from services.payments.domain.errors import PaymentRefused

BACS_CYCLE_WORKING_DAYS = 3
FOUR_WEEKS = timedelta(days=28)
HOLIDAY_SHIFT = timedelta(days=14)  # far past how far back a weekend and bank holidays move a pay date

ACTUALS_BASED = frozenset({ServiceType.HOME_CARE, ServiceType.DAY_CARE, ServiceType.EXTRA_CARE})
PLAN_BASED = frozenset({ServiceType.RESIDENTIAL, ServiceType.NURSING, ServiceType.SUPPORTED_LIVING,
                        ServiceType.SHARED_LIVES})


class RunKind(StrEnum):
    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"
    AD_HOC = "ad_hoc"


def working_days_before(day: date, n: int) -> date:
    """The date `n` working days before `day` (`day` itself does not count)."""
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def on_or_before_working_day(day: date) -> date:
    return day if is_working_day(day) else working_days_before(day, 1)


@dataclass(frozen=True, slots=True)
class BacsDates:
    """The three days of the Bacs cycle that end with money in the payee's account on `pay_date`."""

    submit_by: date
    processing_day: date
    pay_date: date

    @classmethod
    def for_pay_date(cls, pay_date: date) -> BacsDates:
        if not is_working_day(pay_date):
            raise PaymentRefused("pay_date", f"{pay_date} is not a working day in England; Bacs pays "
                                             f"only on working days (try {on_or_before_working_day(pay_date)})")
        return cls(submit_by=working_days_before(pay_date, BACS_CYCLE_WORKING_DAYS - 1),
                   processing_day=working_days_before(pay_date, BACS_CYCLE_WORKING_DAYS - 2),
                   pay_date=pay_date)


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """One run in the calendar: its kind, the services it pays and its Bacs dates."""

    kind: RunKind
    bacs: BacsDates
    service_types: frozenset[ServiceType]
    include_direct_payments: bool

    @property
    def pay_date(self) -> date:
        return self.bacs.pay_date

    @property
    def direct_payment_cycle(self) -> Cycle | None:
        """The direct payments it pays: those paid weekly in a weekly run, four-weekly in a four-weekly run;
        None in an ad hoc run, which pays each period on its own cycle."""
        return {RunKind.WEEKLY: Cycle.WEEKLY, RunKind.FOUR_WEEKLY: Cycle.FOUR_WEEKLY}.get(self.kind)


@dataclass(frozen=True, slots=True)
class RunCalendar:
    """The council's run calendar. `four_weekly_anchor` is any nominal four-weekly pay date."""

    four_weekly_anchor: date
    weekly_weekday: int = 2  # Monday is 0: Wednesday
    weekly_services: frozenset[ServiceType] = ACTUALS_BASED
    four_weekly_services: frozenset[ServiceType] = PLAN_BASED
    ad_hoc_services: frozenset[ServiceType] = ACTUALS_BASED | PLAN_BASED

    def __post_init__(self) -> None:
        if not 0 <= self.weekly_weekday <= 6:
            raise PaymentRefused("weekly_weekday", "must be 0 (Monday) to 6 (Sunday)")

    def runs_between(self, first: date, last: date) -> list[ScheduledRun]:
        """Every weekly and four-weekly run whose nominal date falls in [first, last], by pay date."""
        runs = []
        day = first + timedelta(days=(self.weekly_weekday - first.weekday()) % 7)
        while day <= last:
            runs.append(self._run(RunKind.WEEKLY, day))
            day += timedelta(days=7)
        day = first + timedelta(days=(self.four_weekly_anchor - first).days % 28)
        while day <= last:
            runs.append(self._run(RunKind.FOUR_WEEKLY, day))
            day += FOUR_WEEKS
        return sorted(runs, key=lambda r: (r.pay_date, r.kind))

    def page(self, first: date, last: date, after: tuple[date, str] | None, count: int) -> list[ScheduledRun]:
        """Up to `count` runs of `runs_between(first, last)`, in its order (pay date, then kind), strictly after
        `after` (a run's (pay_date, kind)). The work is bounded by `count`, not by the range: the runs are
        found a window of weeks at a time. A run whose Bacs dates fall outside the dates Python can hold
        (the years 1 and 9999) is not in the calendar."""
        # A run pays on or before its nominal date, so every run after `after` has a nominal date from its day on.
        start = first if after is None else max(first, after[0])
        window = timedelta(days=7 * (count + 3))  # enough weeks for `count` weekly runs, and a few to spare
        found: list[ScheduledRun] = []

        def more(since: date, span: timedelta) -> date:
            until = last if (date.max - since) <= span else min(last, since + span)
            found.extend(r for r in self._between(since, until) if after is None or (r.pay_date, r.kind.value) > after)
            return until

        while start <= last:
            end = more(start, window)
            if end >= last:
                break
            if len(found) >= count:  # a holiday moves a run just past the window back into it: take those too
                more(end + timedelta(days=1), HOLIDAY_SHIFT)
                break
            start = end + timedelta(days=1)
        return sorted(found, key=lambda r: (r.pay_date, r.kind))[:count]

    def _between(self, first: date, last: date) -> list[ScheduledRun]:
        """`runs_between`, leaving out the runs whose dates cannot be held (at the ends of the calendar)."""
        runs = []
        for kind, step, day in ((RunKind.WEEKLY, timedelta(days=7),
                                 first + timedelta(days=(self.weekly_weekday - first.weekday()) % 7)
                                 if date.max - first >= timedelta(days=7) else None),
                                (RunKind.FOUR_WEEKLY, FOUR_WEEKS,
                                 first + timedelta(days=(self.four_weekly_anchor - first).days % 28)
                                 if date.max - first >= FOUR_WEEKS else None)):
            while day is not None and day <= last:
                try:
                    runs.append(self._run(kind, day))
                except OverflowError:  # its Bacs dates would fall before 1 January of the year 1
                    pass
                day = day + step if date.max - day >= step else None
        return sorted(runs, key=lambda r: (r.pay_date, r.kind))

    def ad_hoc(self, pay_date: date, *, include_direct_payments: bool = False) -> ScheduledRun:
        """A run finance asks for outside the calendar; the pay date must be a working day."""
        return ScheduledRun(RunKind.AD_HOC, BacsDates.for_pay_date(pay_date), self.ad_hoc_services,
                            include_direct_payments)

    def run_on(self, pay_date: date, kind: RunKind | None = None, *,
               include_direct_payments: bool = False) -> ScheduledRun:
        """The run paying on `pay_date`: the calendar's run of that day (its `kind` when two share
        the day), or an ad hoc run when the calendar has none or `kind` is ad hoc."""
        if kind is RunKind.AD_HOC:
            return self.ad_hoc(pay_date, include_direct_payments=include_direct_payments)
        # A nominal date on a holiday pays on the working day before, so look a little past the pay date.
        that_day = [r for r in self.runs_between(pay_date, pay_date + timedelta(days=10)) if r.pay_date == pay_date]
        if kind is not None:
            matching = [r for r in that_day if r.kind is kind]
            if not matching:
                upcoming = [r.pay_date.isoformat() for r in self.runs_between(pay_date, pay_date + FOUR_WEEKS * 2)
                            if r.kind is kind][:3]
                raise PaymentRefused("pay_date", f"no {kind} run pays on {pay_date}; the next pay on "
                                                 f"{', '.join(upcoming)} (or ask for an ad_hoc run)")
            return matching[0]
        if len(that_day) > 1:
            raise PaymentRefused("kind", f"both a weekly and a four-weekly run pay on {pay_date}: say which kind")
        return that_day[0] if that_day else self.ad_hoc(pay_date, include_direct_payments=include_direct_payments)

    def _run(self, kind: RunKind, nominal: date) -> ScheduledRun:
        bacs = BacsDates.for_pay_date(on_or_before_working_day(nominal))
        if kind is RunKind.WEEKLY:
            return ScheduledRun(kind, bacs, self.weekly_services, include_direct_payments=True)
        return ScheduledRun(kind, bacs, self.four_weekly_services, include_direct_payments=True)
