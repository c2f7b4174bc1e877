"""Verified visits: planned visits, their matched records, the rules and the rate, put together.

Each carer's attendance becomes one `VerifiedVisit` (a two-carer visit is two), priced at the
rate in force on the visit's local date. Period actuals total them per agreement and
Monday–Sunday week. A correction re-verifies a visit; `verification_difference` is what changed.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.matching import (
    PlannedVisit, PlannedVisitIndex, Unallocated, allocate, missed_visits)
from services.delivery.domain.rates import RateOn
from services.delivery.domain.visit_rules import DEFAULT_RULES, Flag, FlagCode, VisitRules, assess_attendance, price
from shared.clock import week_start

# Asked several times for every record of the stream (its period, its event, its row): remembered per date.
week_of = lru_cache(maxsize=1 << 12)(week_start)


@dataclass(frozen=True, slots=True)
class AgreementTerms:
    """What verification needs of an agreement: its visit rules and its hourly rate by local date and start."""

    rate_on: RateOn
    rules: VisitRules = DEFAULT_RULES


@dataclass(frozen=True, slots=True)
class VerifiedVisit:
    """One carer's verified attendance at one planned visit, priced."""

    visit_key: str
    agreement_id: str
    service_user_ref: str
    provider_ref: str
    local_date: date
    visit_id: str
    carer_id: str
    planned_minutes: int
    actual_minutes: int | None
    payable_minutes: int
    rate_pence_per_hour: int
    amount_pence: int
    flags: tuple[Flag, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.visit_key, self.carer_id)

    @property
    def week(self) -> date:
        return week_of(self.local_date)


def latest_records(records: Iterable[AttendanceRecord]) -> list[AttendanceRecord]:
    """One record per attendance (provider, visit_id, carer_id): a later record is a correction and
    replaces the earlier one, so nothing is counted twice. Keeps arrival order of the survivors."""
    if isinstance(records, Sequence) and len(records) < 2:
        return list(records)  # the common case: nothing to correct
    latest: dict[tuple[str, str, str], AttendanceRecord] = {}
    for r in records:
        key = (r.provider_ref, r.visit_id, r.carer_id)
        latest.pop(key, None)  # re-insert so the survivor sits where it last arrived
        latest[key] = r
    return list(latest.values())


def verify_visit(visit: PlannedVisit, records: Sequence[AttendanceRecord], terms: AgreementTerms) -> list[VerifiedVisit]:
    """Verify the records matched to one planned visit, one `VerifiedVisit` per carer.

    At most `carers_required` carers are paid: records with real times come first, then by
    check-in; any extra carer is kept (flagged, paid nothing) so the evidence is never dropped.
    """
    records = latest_records(records)
    ordered = records if len(records) < 2 else sorted(
        records, key=lambda r: (r.exception_code is not None, r.check_in or r.planned_start, r.carer_id))
    carers = {r.carer_id for r in records}
    short_of_carers = len(carers) < visit.carers_required
    rate = terms.rate_on(visit.local_date, visit.local_start)
    out = []
    for position, r in enumerate(ordered):
        a = assess_attendance(check_in=r.check_in, check_out=r.check_out, check_in_method=r.check_in_method,
                              exception_code=r.exception_code, planned_start=visit.planned_start,
                              planned_minutes=visit.planned_minutes, rules=terms.rules)
        flags, payable = a.flags, a.payable_minutes
        if position >= visit.carers_required:
            flags += (Flag(FlagCode.EXCESS_CARER, f"visit needs {visit.carers_required} carer(s): "
                                                  f"carer {position + 1} is not paid"),)
            payable = 0
        elif short_of_carers:
            flags += (Flag(FlagCode.FEWER_CARERS_THAN_REQUIRED,
                           f"{len(carers)} of {visit.carers_required} carers recorded: only those recorded are paid"),)
        out.append(VerifiedVisit(
            visit.key, visit.agreement_id, visit.service_user_ref, visit.provider_ref, visit.local_date,
            r.visit_id, r.carer_id, visit.planned_minutes, a.actual_minutes, payable, rate,
            price(payable, rate), flags))
    return out


@dataclass(slots=True)
class DeliveryOutcome:
    verified: list[VerifiedVisit]
    unallocated: list[Unallocated]
    missed: list[PlannedVisit]


def verify_deliveries(planned: Iterable[PlannedVisit], records: Iterable[AttendanceRecord],
                      terms: Mapping[str, AgreementTerms], *, now: datetime | None = None,
                      missed_after_end: timedelta | None = None) -> DeliveryOutcome:
    """Match and verify a set of records against planned visits.

    Corrections are applied first (latest per attendance), so a corrected record may move to
    another planned visit. `terms` maps agreement_id to its terms. Missed visits are reported
    only when `now` is given (a visit is missed once its cut-off has passed).
    """
    index = planned if isinstance(planned, PlannedVisitIndex) else PlannedVisitIndex(planned)
    allocation = allocate(latest_records(records), index)
    verified: list[VerifiedVisit] = []
    for key, matched in allocation.matched.items():
        visit = index.by_key[key]
        try:
            agreement_terms = terms[visit.agreement_id]
        except KeyError:
            raise KeyError(f"no terms (rules, rates) for agreement {visit.agreement_id}") from None
        verified.extend(verify_visit(visit, matched, agreement_terms))
    missed = [] if now is None else missed_visits(index.by_key.values(), allocation.matched, now, missed_after_end)
    return DeliveryOutcome(verified, allocation.unallocated, missed)


@dataclass(frozen=True, slots=True)
class PeriodActuals:
    """Verified totals of one agreement for one Monday–Sunday week (Europe/London)."""

    agreement_id: str
    week_start: date
    attendances: int
    payable_minutes: int
    amount_pence: int


def period_actuals(verified: Iterable[VerifiedVisit]) -> list[PeriodActuals]:
    """Totals per agreement and week, ordered by agreement then week."""
    totals: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for v in verified:
        t = totals[(v.agreement_id, v.week)]
        t[0] += 1
        t[1] += v.payable_minutes
        t[2] += v.amount_pence
    return [PeriodActuals(a, w, *t) for (a, w), t in sorted(totals.items())]


@dataclass(frozen=True, slots=True)
class VisitDifference:
    """How one carer's verified visit changed; `old` or `new` is None when it appeared or went."""

    old: VerifiedVisit | None
    new: VerifiedVisit | None
    payable_minutes_delta: int
    amount_pence_delta: int


def verification_difference(old: Iterable[VerifiedVisit], new: Iterable[VerifiedVisit]) -> list[VisitDifference]:
    """What a re-verification changed, per (planned visit, carer): only real changes are listed.

    Summing `amount_pence_delta` gives the adjustment to pay, so a correction is never double-counted.
    """
    before = {v.key: v for v in old}
    after = {v.key: v for v in new}
    out = []
    for key in before.keys() | after.keys():
        o, n = before.get(key), after.get(key)
        if o == n:
            continue
        out.append(VisitDifference(o, n, (n.payable_minutes if n else 0) - (o.payable_minutes if o else 0),
                                   (n.amount_pence if n else 0) - (o.amount_pence if o else 0)))
    out.sort(key=lambda d: (d.new or d.old).key)  # type: ignore[union-attr]
    return out


def period_actuals_difference(old: Iterable[VerifiedVisit], new: Iterable[VerifiedVisit]) -> list[PeriodActuals]:
    """Per agreement and week, new totals minus old (the adjustment a correction makes to a period)."""
    before = {(p.agreement_id, p.week_start): p for p in period_actuals(old)}
    after = {(p.agreement_id, p.week_start): p for p in period_actuals(new)}
    out = []
    for key in sorted(before.keys() | after.keys()):
        o, n = before.get(key), after.get(key)
        delta = PeriodActuals(key[0], key[1],
                              (n.attendances if n else 0) - (o.attendances if o else 0),
                              (n.payable_minutes if n else 0) - (o.payable_minutes if o else 0),
                              (n.amount_pence if n else 0) - (o.amount_pence if o else 0))
        if (delta.attendances, delta.payable_minutes, delta.amount_pence) != (0, 0, 0):
            out.append(delta)
    return out
