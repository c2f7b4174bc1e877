"""Payroll for personal assistants: gross pay per pay period, the export for the employer's payroll
bureau, and the net pay a run pays each PA from a council-managed account.

- A pay period is a week, Monday to Sunday (business dates). A shift belongs to the week of its work
  date (the day it starts). A PA's gross pay for a week is the sum of their approved shifts' pay
  (each shift priced by band and rate, rounded once per band and rate: `shift_pay`).
- The export has one row per PA with approved hours in the week: hours by band (two decimals), the
  hourly rate(s) each band was paid at (in pence; several are listed lowest first, joined by `|`, when
  a kind-of-day rate such as a bank holiday's applied), and gross pence. Tax and NI are the bureau's:
  Carepay exports gross.
- Net pay recorded for a PA's week (council-managed direct payments only) is paid in the next weekly
  payment run: one payment per PA into their verified account, a `payroll` line per week
  (`PAY/<pa_id>/<week_start>`) funded by the direct payment's managed account. A PA without bank
  details, or whose details await verification, is left out with that reason; a week whose payment the
  bank returned from the PA's current account waits, on hold, for new details.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from contracts.agreements import TimeBand
from contracts.common import ServiceType
from shared.money import format_gbp
from shared.spreadsheet import safe_row
from services.payments.domain.inputs import ProviderPayee
from services.payments.domain.run_lines import (Exclusion, ExclusionReason, LineKind, PayeeKind, Payment,
                                                RemittanceLine)
from services.payments.domain.shift_pay import BANDS, BandPay

EXPORT_COLUMNS = ("employee_ref", "pa_id", "period_start", "period_end", "hours_day", "hours_evening", "hours_night",
                  "rate_day_pence", "rate_evening_pence", "rate_night_pence", "gross_pence")


def week_end(week_start: date) -> date:
    return week_start + timedelta(days=6)


def payroll_line_id(pa_id: str, week_start: date) -> str:
    """The document a PA's net pay for a week is: paid at most once (settlements)."""
    return f"PAY/{pa_id}/{week_start.isoformat()}"


@dataclass(frozen=True, slots=True)
class ApprovedShift:
    pa_id: str
    work_date: date
    bands: tuple[BandPay, ...]


@dataclass(frozen=True, slots=True)
class WeekPay:
    """One PA's approved hours and gross pay for one week."""

    pa_id: str
    employee_ref: str
    week_start: date
    minutes: dict[TimeBand, int]
    rates: dict[TimeBand, tuple[int, ...]]  # the hourly pence each band was paid at, lowest first
    gross_pence: int
    shifts: int

    @property
    def week_end(self) -> date:
        return week_end(self.week_start)


def hours(minutes: int) -> str:
    """Minutes as hours to two decimal places, half up ('7.50')."""
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def payroll_week(week_start: date, employee_refs: dict[str, str], shifts: Iterable[ApprovedShift]) -> list[WeekPay]:
    """Each PA's week from their approved shifts dated in it, by employee reference."""
    end = week_end(week_start)
    by_pa: dict[str, list[ApprovedShift]] = defaultdict(list)
    for shift in shifts:
        if week_start <= shift.work_date <= end:
            by_pa[shift.pa_id].append(shift)
    weeks = []
    for pa_id, worked in by_pa.items():
        minutes = {band: 0 for band in BANDS}
        rates: dict[TimeBand, set[int]] = {band: set() for band in BANDS}
        for shift in worked:
            for b in shift.bands:
                minutes[b.band] += b.minutes
                rates[b.band].add(b.hourly_pence)
        gross = sum(b.pence for shift in worked for b in shift.bands)
        weeks.append(WeekPay(pa_id, employee_refs.get(pa_id, ""), week_start, minutes,
                             {band: tuple(sorted(r)) for band, r in rates.items()}, gross, len(worked)))
    return sorted(weeks, key=lambda w: (w.employee_ref, w.pa_id))


def write_payroll_csv(weeks: Sequence[WeekPay]) -> str:
    """The payroll export for the bureau: `EXPORT_COLUMNS`, one row per PA."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for w in weeks:
        writer.writerow(safe_row([w.employee_ref, w.pa_id, w.week_start.isoformat(), w.week_end.isoformat(),
                                  *(hours(w.minutes[band]) for band in BANDS),
                                  *("|".join(str(r) for r in w.rates[band]) for band in BANDS),
                                  str(w.gross_pence)]))
    return out.getvalue()


# --- paying net pay in a run ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NetPayDue:
    """A PA's recorded net pay for a week, not yet paid, and where it would go."""

    pa_id: str
    week_start: date
    net_pence: int
    direct_payment_id: str
    person_ref: str
    employee_ref: str
    cost_centre: str
    payee: ProviderPayee | None  # the PA's account in payees (None: no bank details)
    returned_from: tuple[tuple[str, str], ...] = ()  # (sort code, account) a payment of it came back from

    @property
    def line_id(self) -> str:
        return payroll_line_id(self.pa_id, self.week_start)

    def line(self) -> RemittanceLine:
        return RemittanceLine(self.line_id, LineKind.PAYROLL, self.line_id,
                              f"Net pay, week from {self.week_start:%d %b %Y} ({self.employee_ref})", self.person_ref,
                              ServiceType.DIRECT_PAYMENT, self.cost_centre, self.week_start,
                              week_end(self.week_start), self.net_pence, funded_by=self.direct_payment_id)


def payroll_payments(due: Iterable[NetPayDue], reference: Callable[[int], str],
                     first_sequence: int) -> list[Payment | Exclusion]:
    """One payment per PA of every week of net pay due, or the reason it is left out. `reference(n)` is
    the payment reference of the run's n-th payment; the first one made here is `first_sequence`."""
    by_pa: dict[str, list[NetPayDue]] = defaultdict(list)
    for d in due:
        by_pa[d.pa_id].append(d)
    outcomes: list[Payment | Exclusion] = []
    sequence = first_sequence
    for pa_id in sorted(by_pa):
        weeks = sorted(by_pa[pa_id], key=lambda d: d.week_start)
        payee = weeks[0].payee
        total = sum(d.net_pence for d in weeks)
        settles = tuple(d.line_id for d in weeks)
        if payee is None:
            outcomes.append(Exclusion(pa_id, pa_id, ExclusionReason.NO_BANK_DETAILS,
                                      "no bank details are recorded for this personal assistant", total, settles))
            continue
        if not payee.bank_verified:
            outcomes.append(Exclusion(pa_id, pa_id, ExclusionReason.UNVERIFIED_BANK_DETAILS,
                                      f"bank details are not verified: {format_gbp(total)} of net pay waits until "
                                      "they are", total, settles))
            continue
        account = (payee.account.sort_code, payee.account.account_number)
        held = [d for d in weeks if account in d.returned_from]
        outcomes += [Exclusion(d.line_id, pa_id, ExclusionReason.ON_HOLD,
                               "a payment of this net pay was returned by the bank from the PA's current account: "
                               "it waits for new bank details", d.net_pence, (d.line_id,)) for d in held]
        lines = tuple(d.line() for d in weeks if d not in held)
        if lines:
            outcomes.append(Payment.of(reference(sequence), PayeeKind.PERSONAL_ASSISTANT, pa_id,
                                       payee.account.account_name, payee.account, True, lines))
            sequence += 1
    return outcomes
