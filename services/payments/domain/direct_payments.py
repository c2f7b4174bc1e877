"""Direct payments: paid in advance, four-weekly or weekly, net of the person's contribution.

Periods run in steps of the cycle (28 or 7 days) from the agreement's start, or from the day a
variation changed the cycle (`dp_terms`). A run pays every unpaid period of its cycle that starts
before the next run of that cycle (so money is in the account before the period begins), stopping
at the agreement's end; a shorter period (the last, or one cut by a change of terms) is paid pro
rata by day. A change to the amount corrects the periods already paid in advance through the next
payment; ending the agreement stops future periods and works out what was paid for unused days.
An approved reclaim is netted from the next payments (`dp_reclaims.netting_lines`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from contracts.common import Cycle, ServiceType
from shared.money import format_gbp, round_half_up
from services.payments.domain.dp_reclaims import netting_lines
from services.payments.domain.dp_terms import CYCLE_DAYS, grid_end, stretch_at, terms_of
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import DirectPaymentAgreement, PaidPeriod, PaymentSettings
from services.payments.domain.run_lines import (Exclusion, ExclusionReason, LineKind, PayeeKind, Payment,
                                                RemittanceLine, carried_forward)

PERIOD_DAYS = 28
ONE_DAY = timedelta(days=1)


def pro_rata(amount_per_four_weeks: int, days: int) -> int:
    """The part of a four-weekly amount that pays for `days` days, to the penny."""
    return amount_per_four_weeks if days == PERIOD_DAYS else round_half_up(amount_per_four_weeks * days, PERIOD_DAYS)


def periods_due(agreement: DirectPaymentAgreement, pay_date: date, cycle: Cycle | None = None) -> list[PaidPeriod]:
    """The unpaid periods a run of `cycle` paying on `pay_date` must pay: from the first unpaid day, those
    starting before the next run of that cycle, stopping at the end (`cycle` None, an ad hoc run: each
    period's own cycle). Days under the other cycle are left to its runs, unless they end before this
    run's next one (after a change of cycle, so no day waits a whole cycle unpaid)."""
    terms = terms_of(agreement)
    day = agreement.paid_up_to or agreement.start
    periods = []
    while agreement.end is None or day <= agreement.end:
        stretch = stretch_at(terms, day)
        in_force = stretch.terms
        next_run = pay_date + timedelta(days=CYCLE_DAYS[cycle or in_force.cycle])
        if day >= next_run:
            break
        if cycle is not None and in_force.cycle is not cycle and (stretch.last is None or stretch.last >= next_run):
            break
        end = min(d for d in (grid_end(in_force, day), stretch.last, agreement.end) if d is not None)
        periods.append(PaidPeriod(day, end, pro_rata(in_force.net_per_four_weeks_pence, (end - day).days + 1)))
        day = end + ONE_DAY
    return periods


def first_unpaid_day(start: date, paid: list[PaidPeriod]) -> date | None:
    """Where the next payment starts: the first day from `start` not covered by a paid period
    (None when nothing is paid yet). A returned period leaves a gap, which is paid again first."""
    day = start
    for period in sorted(paid, key=lambda p: p.start):
        if period.start > day:
            break
        day = max(day, period.end + ONE_DAY)
    return None if day == start else day


def direct_payment_due(agreement: DirectPaymentAgreement, pay_date: date, settings: PaymentSettings,
                       reference: str, cycle: Cycle | None = None) -> Payment | Exclusion | None:
    """The payment a run of `cycle` (None: ad hoc) makes for one agreement; an exclusion with its reason; or None."""
    periods = periods_due(agreement, pay_date, cycle)
    if not periods:
        return None  # nothing due yet, or ended: a pending adjustment waits for the next period or the ending
    if agreement.council_managed:
        account, verified = settings.managed_account, True
        missing = "no council-managed account is configured in the payment settings"
    else:
        account, verified = agreement.payee_account, agreement.payee_verified
        missing = f"no account is recorded for the {agreement.nominee} receiving this direct payment"
    lines = [_period_line(agreement, p) for p in periods]
    if agreement.adjustment_pence:
        lines.append(_adjustment_line(agreement, periods[0]))
    lines += netting_lines(agreement, sum(line.amount_pence for line in lines), periods[0].start)
    total = sum(line.amount_pence for line in lines)
    if account is None:
        return Exclusion(agreement.id, agreement.id, ExclusionReason.NO_BANK_DETAILS, missing, total, (agreement.id,))
    if not verified:
        return Exclusion(agreement.id, agreement.id, ExclusionReason.UNVERIFIED_BANK_DETAILS,
                         "the payee's bank details are not verified: verify them before this direct payment is made",
                         total, (agreement.id,))
    if total <= 0:
        return carried_forward(agreement.id, lines)
    return Payment.of(reference, PayeeKind.DIRECT_PAYMENT, agreement.id, account.account_name, account, verified,
                      tuple(lines))


def _period_line(agreement: DirectPaymentAgreement, period: PaidPeriod) -> RemittanceLine:
    return RemittanceLine(f"{agreement.id}/{period.start.isoformat()}", LineKind.DIRECT_PAYMENT, agreement.id,
                          f"Direct payment {period.start:%d %b %Y} to {period.end:%d %b %Y}", agreement.person_ref,
                          ServiceType.DIRECT_PAYMENT, agreement.cost_centre, period.start, period.end,
                          period.amount_pence, agreement.end)


def _adjustment_line(agreement: DirectPaymentAgreement, first: PaidPeriod) -> RemittanceLine:
    return RemittanceLine(f"{agreement.id}/adjustment", LineKind.ADJUSTMENT, agreement.id,
                          "Adjustment for a change to the direct payment", agreement.person_ref,
                          ServiceType.DIRECT_PAYMENT, agreement.cost_centre, first.start, first.start,
                          agreement.adjustment_pence, agreement.end)


def periods_paid_by(payment: Payment) -> list[PaidPeriod]:
    """The periods a direct payment paid for (store them: changes and endings are worked out from them)."""
    return [PaidPeriod(line.period_start, line.period_end, line.amount_pence)
            for line in payment.lines if line.kind is LineKind.DIRECT_PAYMENT]


def adjustment_for_change(paid: list[PaidPeriod], effective_from: date, new_net_per_four_weeks: int) -> int:
    """What the next payment must add (or, if negative, take back) when the amount changes from
    `effective_from` for days already paid in advance at the old amount."""
    if new_net_per_four_weeks < 0:
        raise PaymentRefused("amount_per_four_weeks_pence", "the net amount cannot be negative")
    adjustment = 0
    for period in paid:
        first = max(period.start, effective_from)
        if first > period.end:
            continue
        days = (period.end - first).days + 1
        already = period.amount_pence if days == period.days else round_half_up(period.amount_pence * days, period.days)
        adjustment += pro_rata(new_net_per_four_weeks, days) - already
    return adjustment


def correction(paid: list[PaidPeriod], first: date, last: date | None, from_net: int, to_net: int) -> int:
    """A change's correction for the days from `first` to `last` (None: every later day) already paid:
    each paid period's days in that stretch re-priced from `from_net` to `to_net`, pro rata by day."""
    clipped = [PaidPeriod(max(p.start, first), p.end if last is None else min(p.end, last), 0) for p in paid
               if p.end >= first and (last is None or p.start <= last)]
    return adjustment_for_change(repriced(clipped, from_net), first, to_net)


def repriced(paid: list[PaidPeriod], net_per_four_weeks: int) -> list[PaidPeriod]:
    """The same periods priced at `net_per_four_weeks`: what they were worth just before a change,
    so a second change to days already paid corrects only the difference the first one left."""
    return [PaidPeriod(p.start, p.end, pro_rata(net_per_four_weeks, p.days)) for p in paid]


def paid_until(paid: list[PaidPeriod], last_day: date) -> list[PaidPeriod]:
    """The parts of paid periods up to `last_day` (inclusive), each priced pro rata by day."""
    kept = []
    for p in paid:
        if p.start > last_day:
            continue
        end = min(p.end, last_day)
        days = (end - p.start).days + 1
        kept.append(PaidPeriod(p.start, end, p.amount_pence if end == p.end
                               else round_half_up(p.amount_pence * days, p.days)))
    return kept


@dataclass(frozen=True, slots=True)
class DirectPaymentEnding:
    """An ended agreement (no period after `end` is paid) and what was paid for days after it."""

    agreement: DirectPaymentAgreement
    recovery_pence: int
    detail: str


def end_direct_payment(agreement: DirectPaymentAgreement, end: date, paid: list[PaidPeriod]) -> DirectPaymentEnding:
    """End the agreement on `end` (its last paid-for day) and compute the amount to recover:
    for each period paid in advance, its amount pro rata by day for the days after `end`,
    less any adjustment still owed to the person (for days up to `end` only: see `paid_until`)."""
    if end < agreement.start - ONE_DAY:
        raise PaymentRefused("end", f"cannot end before the day before the start ({agreement.start - ONE_DAY})")
    if agreement.end is not None and end > agreement.end:
        raise PaymentRefused("end", f"the agreement already ends on {agreement.end}; an ending cannot extend it")
    unused_pence, unused_days = 0, 0
    for period in paid:
        first = max(period.start, end + ONE_DAY)
        if first > period.end:
            continue
        days = (period.end - first).days + 1
        unused_days += days
        unused_pence += period.amount_pence if days == period.days else round_half_up(period.amount_pence * days,
                                                                                      period.days)
    recovery = unused_pence - agreement.adjustment_pence
    detail = f"{unused_days} day(s) paid in advance after {end:%d %b %Y}: {format_gbp(unused_pence)}"
    if agreement.adjustment_pence:
        detail += f", less {format_gbp(agreement.adjustment_pence)} adjustment owed"
    ended = replace(agreement, end=end, adjustment_pence=0)
    return DirectPaymentEnding(ended, recovery, detail)
