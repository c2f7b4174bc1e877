"""The rules of docs/domain.md written again, small and on their own, to work out what the month should pay.

Nothing here imports the services or shared code that prices anything: if the services and this file
disagree, one of them is wrong, and the test says where.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# England and Wales bank holidays (gov.uk), for the weekend rate: a bank holiday is not a weekend day.
BANK_HOLIDAYS = frozenset(date.fromisoformat(d) for d in (
    "2025-01-01 2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25 2025-12-25 2025-12-26 "
    "2026-01-01 2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31 2026-12-25 2026-12-28 "
    "2027-01-01 2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30 2027-12-27 2027-12-28 "
    "2028-01-03 2028-04-14 2028-04-17 2028-05-01 2028-05-29 2028-08-28 2028-12-25 2028-12-26").split())
KNOWN_YEARS = range(2025, 2029)

_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})")


def feed_time(text: str | None) -> datetime | None:
    """A time as the feeds write it: ISO 8601 with an offset, without one (London), or dd/mm/yyyy HH:MM (London)."""
    if text is None or not text.strip():
        return None
    m = _UK.fullmatch(text.strip())
    if m:
        day, month, year, hour, minute = map(int, m.groups())
        local = datetime(year, month, day, hour, minute, tzinfo=LONDON)
    else:
        local = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if local.tzinfo is None:
            local = local.replace(tzinfo=LONDON)
    return local.astimezone(timezone.utc)


def local_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def local_time(instant: datetime) -> time:
    return instant.astimezone(LONDON).time()


def attended_minutes(check_in: datetime, check_out: datetime) -> int:
    """Check-out minus check-in, in whole minutes."""
    return int((check_out - check_in).total_seconds()) // 60


def rounded(minutes: int, policy: str) -> int:
    """nearest_15: 15 x floor((d + 7) / 15); up_15: 15 x ceil(d / 15); per_minute: d."""
    if policy == "nearest_15":
        return 15 * ((minutes + 7) // 15)
    if policy == "up_15":
        return 15 * ((minutes + 14) // 15)
    if policy == "per_minute":
        return minutes
    raise ValueError(policy)


def payable_minutes(*, planned: int, check_in: datetime | None, check_out: datetime | None,
                    exception: str | None, rounding: str) -> int:
    """One carer's payable minutes: frustrated (NOACCESS) and cancelled at short notice are paid the
    planned duration (the default terms); a hospital admission nothing; otherwise rounded and capped."""
    if exception in ("NOACCESS", "CANCELLED_SHORT_NOTICE"):
        return planned
    if exception == "HOSPITAL":
        return 0
    assert check_in is not None and check_out is not None
    return min(rounded(attended_minutes(check_in, check_out), rounding), planned)


def round_half_up(numerator: int, denominator: int) -> int:
    """For amounts of zero or more: the nearest whole number, halves up."""
    assert numerator >= 0 and denominator > 0
    return (2 * numerator + denominator) // (2 * denominator)


def visit_amount(minutes: int, pence_per_hour: int) -> int:
    """round-half-up(minutes x rate / 60), to the penny."""
    return round_half_up(minutes * pence_per_hour, 60)


def is_weekend_rate_day(day: date) -> bool:
    if day.year not in KNOWN_YEARS:
        raise ValueError(f"{day}: add that year's bank holidays to BANK_HOLIDAYS")
    return day.weekday() >= 5 and day not in BANK_HOLIDAYS


def hourly_rate(rates: list[dict], day: date) -> int:
    """The scenario's rates have no time bands: a weekend rate on weekends (not bank holidays), else standard."""
    weekend = [r["amount_pence"] for r in rates if r.get("day_category") == "weekend"]
    standard = [r["amount_pence"] for r in rates if not r.get("day_category") and not r.get("time_band")]
    return weekend[0] if weekend and is_weekend_rate_day(day) else standard[0]


def plan_amount(weekly_units: str, rate_pence: int, days: int) -> int:
    """Plan pro rata by day: weekly units x rate x days / 7, rounded half up once."""
    hundredths = int(Decimal(weekly_units) * 100)
    return round_half_up(hundredths * rate_pence * days, 700)


def direct_payment_periods(start: date, pay_date: date) -> int:
    """Four-weekly periods paid in advance from `start`: those beginning before the next run (pay date + 28)."""
    n, day = 0, start
    while day < pay_date + timedelta(days=28):
        n, day = n + 1, day + timedelta(days=28)
    return n


# A personal assistant's pay (docs/domain.md, "Personal assistants"): each hour in the band it is worked
# in, day 07:00-19:00 and evening 19:00-22:00 at the demo's rates; the bureau withholds a fixed sum a week.
PA_DAY_PENCE, PA_EVENING_PENCE, PA_DEDUCTIONS_PENCE = 1350, 1500, 1873
PA_SHIFTS = (("09:00", "13:00"), ("09:00", "13:00"), ("17:00", "21:00"))


def pa_week_gross_pence() -> int:
    """The week's three shifts split at 19:00 into day and evening hours, each priced at its band's rate."""
    day_minutes = evening_minutes = 0
    for start, end in PA_SHIFTS:
        first, last = (int(t[:2]) * 60 + int(t[3:]) for t in (start, end))
        day_minutes += max(0, min(last, 19 * 60) - max(first, 7 * 60))
        evening_minutes += max(0, min(last, 22 * 60) - max(first, 19 * 60))
    return round_half_up(day_minutes * PA_DAY_PENCE, 60) + round_half_up(evening_minutes * PA_EVENING_PENCE, 60)


def pro_rata(amount_per_four_weeks: int, days: int) -> int:
    return amount_per_four_weeks if days == 28 else round_half_up(amount_per_four_weeks * days, 28)


def direct_payment_change(start: date, periods_paid: int, effective_from: date, old_4w: int, new_4w: int) -> int:
    """What a change of a four-weekly amount from `effective_from` adds to the next payment for the days
    already paid in advance (negative: taken back): for each paid period, the days from the change priced
    at the new amount less the same days' share of what was paid."""
    change = 0
    for n in range(periods_paid):
        first = start + timedelta(days=28 * n)
        days = 28 - max(0, (effective_from - first).days)
        if days <= 0:
            continue
        change += pro_rata(new_4w, days) - pro_rata(old_4w, days)
    return change


# Individual service funds and contributions (docs/domain.md, issue 16).
FOUR_WEEKS = timedelta(days=28)


def advances_due_by(first: date, pay_date: date) -> list[date]:
    """An ISF's advance is due on its period's first day: the periods from the month (`first`) to the
    one after the current one whose advances a run paying on `pay_date` pays."""
    return [first + FOUR_WEEKS * n for n in range(3) if first + FOUR_WEEKS * n <= pay_date]


def contribution_due(weekly_pence: int, days: int) -> int:
    """The weekly contribution for each day of care, / 7, rounded half up once for the period."""
    return round_half_up(weekly_pence * days, 7)
