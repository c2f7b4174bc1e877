"""What delivery knows of agreements and providers, held in memory to match and verify quickly.

Built from the agreements contract: each agreement event carries the whole agreement, so the latest
one replaces what was known. On a local date D the terms in force are those of the highest version
whose effective_from <= D; nothing is planned before start, after end or inside a suspension.
Only agreements paid on actuals plan visits (and so can be matched, verified and missed).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from contracts import agreements as contract
from contracts.common import PaymentBasis, RateUnit
from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.matching import (
    AgreementSchedule, PlannedVisit, ScheduledVisit, ScheduleVersion, Suspension, Unallocated, planned_visits_on)
from services.delivery.domain.rates import rates_on
from services.delivery.domain.verification import AgreementTerms, week_of
from services.delivery.domain.visit_rules import VisitRules
from shared.clock import london_date

WEEKDAY_INDEX = {day: i for i, day in enumerate(contract.Weekday)}
# Planned visits are cached per agreement for the latest weeks asked for (feeds run roughly in time order),
# so the cache is bounded by the number of agreements, never by the length of the stream.
WEEKS_CACHED = 2
_london_day = lru_cache(maxsize=1 << 16)(london_date)  # feeds repeat the same planned starts


@dataclass(frozen=True, slots=True)
class TermsInForce:
    """One version of an agreement's terms, as verification and the missed-visit check need it."""

    version: int
    effective_from: date
    terms: AgreementTerms
    missed_cut_off: time | None
    always_priced: bool = False  # a standard hourly rate: every visit has a rate, no need to look first


@dataclass(frozen=True, slots=True)
class KnownAgreement:
    agreement_id: str
    person_ref: str
    provider_id: str
    pays_on_actuals: bool
    schedule: AgreementSchedule
    versions: tuple[TermsInForce, ...]
    known_since: datetime  # visits planned before this instant are never raised as missed
    first_seen_at: datetime | None = None  # when delivery first stored it (the missed-visit check's window)

    def terms_on(self, day: date) -> TermsInForce | None:
        """The highest version whose effective_from <= day (a back-dated variation wins from its date)."""
        best = None
        for v in self.versions:
            if v.effective_from <= day and (best is None or v.version > best.version):
                best = v
        return best


def visit_rules(rules: contract.VisitRules) -> VisitRules:
    return VisitRules(rounding=rules.rounding, late_after_minutes=rules.late_after_minutes,
                      short_below_percent=rules.short_below_percent, pay_frustrated=rules.pay_frustrated,
                      pay_short_notice_cancellation=rules.pay_short_notice_cancellation)


def known_agreement(agreement: contract.AgreementEvent, known_since: datetime,
                    first_seen_at: datetime | None = None) -> KnownAgreement:
    """Delivery's view of an agreement event (any of Activated/Varied/Suspended/Resumed/Ended)."""
    versions = tuple(
        TermsInForce(t.version, t.effective_from, AgreementTerms(rates_on(t.rates), visit_rules(t.visit_rules)),
                     t.visit_rules.missed_cut_off, any(r.unit is RateUnit.HOUR and r.time_band is None
                                                       and r.day_category is None for r in t.rates))
        for t in agreement.terms)
    schedule = AgreementSchedule(
        agreement.agreement_id, agreement.person_ref, agreement.provider_id, agreement.start, agreement.end,
        tuple(ScheduleVersion(t.effective_from, tuple(
            ScheduledVisit(WEEKDAY_INDEX[s.weekday], s.start_time, s.duration_minutes, s.carers_required)
            for s in t.schedule), t.version) for t in agreement.terms),
        tuple(Suspension(s.suspended_from, s.resumed_on) for s in agreement.suspensions))
    return KnownAgreement(agreement.agreement_id, agreement.person_ref, agreement.provider_id,
                          agreement.payment_basis is PaymentBasis.ACTUALS, schedule, versions, known_since,
                          first_seen_at)


class AgreementBook:
    """Agreements and provider references by what a feed record names: its provider reference, the
    person it was for, and the local day of its planned start. `candidates` serves `match_attendance`.

    `seq` is the last change (delivery's change_seq) applied, so a refresh reads only what is newer.
    """

    def __init__(self) -> None:
        self.seq = 0
        self.agreements: dict[str, KnownAgreement] = {}
        self._provider_of_ref: dict[str, str] = {}
        self._refs_of_provider: dict[str, tuple[str, ...]] = {}
        self._people: dict[str, set[str]] = defaultdict(set)
        self._by_person_provider: dict[tuple[str, str], set[str]] = defaultdict(set)
        # agreement -> Monday -> day -> planned visits, for the latest WEEKS_CACHED weeks asked for
        self._weeks: dict[str, dict[date, dict[date, list[PlannedVisit]]]] = {}

    # --- keeping up to date ------------------------------------------------------------------------
    def put_provider(self, provider_id: str, refs: tuple[str, ...]) -> None:
        for ref in self._refs_of_provider.get(provider_id, ()):
            self._provider_of_ref.pop(ref, None)
        self._refs_of_provider[provider_id] = refs
        for ref in refs:
            self._provider_of_ref[ref] = provider_id

    def put_agreement(self, agreement: KnownAgreement) -> None:
        old = self.agreements.get(agreement.agreement_id)
        if old is not None:
            self._people[old.person_ref].discard(old.agreement_id)
            self._by_person_provider[(old.person_ref, old.provider_id)].discard(old.agreement_id)
            self._weeks.pop(old.agreement_id, None)
        self.agreements[agreement.agreement_id] = agreement
        self._people[agreement.person_ref].add(agreement.agreement_id)
        self._by_person_provider[(agreement.person_ref, agreement.provider_id)].add(agreement.agreement_id)

    # --- reading -----------------------------------------------------------------------------------
    def knows_provider(self, provider_id: str) -> bool:
        """Whether `provider_id` (PRV-…, the agreements register's id) is a provider delivery has been told of."""
        return provider_id in self._refs_of_provider

    def provider_id_for(self, ref: str) -> str | None:
        """The provider a record names by CQC provider or location ID (or by its own provider_id)."""
        found = self._provider_of_ref.get(ref)
        if found is None and ref in self._refs_of_provider:
            return ref
        return found

    def refs_of(self, provider_id: str) -> tuple[str, ...]:
        return self._refs_of_provider.get(provider_id, ())

    def refs_named(self, provider_id: str, most: int = 5) -> str:
        """The provider's CQC IDs for a message: at most `most` of them, then how many more."""
        refs = self.refs_of(provider_id)
        if not refs:
            return "no CQC ID known"
        more = f" and {len(refs) - most} more" if len(refs) > most else ""
        return ", ".join(refs[:most]) + more

    def knows_person(self, person_ref: str) -> bool:
        return bool(self._people.get(person_ref))

    def planned_on(self, agreement_id: str, day: date) -> list[PlannedVisit]:
        weeks = self._weeks.get(agreement_id)
        if weeks is None:
            weeks = self._weeks[agreement_id] = {}
        monday = week_of(day)
        days = weeks.get(monday)
        if days is None:
            if len(weeks) >= WEEKS_CACHED:
                del weeks[next(iter(weeks))]  # the week first asked for
            days = weeks[monday] = {}
        found = days.get(day)
        if found is None:
            agreement = self.agreements[agreement_id]
            found = days[day] = planned_visits_on(agreement.schedule, day) if agreement.pays_on_actuals else []
        return found

    def agreements_for(self, person_ref: str, provider_id: str) -> list[KnownAgreement]:
        return [self.agreements[a] for a in sorted(self._by_person_provider.get((person_ref, provider_id), ()))]

    def candidates(self, record: AttendanceRecord, provider_id: str | None = None) -> list[PlannedVisit]:
        """Planned visits of the record's person with its provider on its planned local day."""
        provider_id = provider_id or self.provider_id_for(record.provider_ref)
        ids = self._by_person_provider.get((record.service_user_ref, provider_id or ""))
        if not ids:
            return []
        day = _london_day(record.planned_start)
        out: list[PlannedVisit] = []
        for agreement_id in ids:
            out.extend(self.planned_on(agreement_id, day))
        return out

    def explain(self, unmatched: Unallocated, provider_id: str) -> Unallocated:
        """A more useful reason than 'no planned visit that day' when the agreement says why."""
        if unmatched.reason != "no_planned_visit_that_day":
            return unmatched
        record = unmatched.record
        day = london_date(record.planned_start)
        agreements = self.agreements_for(record.service_user_ref, provider_id)
        if not agreements:
            return Unallocated(record, "no_agreement_with_provider",
                               "this person has no agreement with this provider: an officer can allocate it")
        if not any(a.pays_on_actuals for a in agreements):
            return Unallocated(record, "agreement_paid_on_plan",
                               "the person's agreement with this provider is paid on plan, not on visits")
        schedules = [a.schedule for a in agreements if a.pays_on_actuals]
        if all(day < s.start_date or (s.end_date is not None and day > s.end_date) for s in schedules):
            return Unallocated(record, "outside_agreement_dates",
                               f"{day.isoformat()} is outside the dates of the person's agreement with this provider")
        if any(any(x.covers(day) for x in s.suspensions) for s in schedules):
            return Unallocated(record, "agreement_suspended",
                               f"the agreement is suspended on {day.isoformat()} (e.g. a hospital stay): not paid")
        return unmatched

    def actuals_agreements(self) -> list[KnownAgreement]:
        return [a for a in self.agreements.values() if a.pays_on_actuals]
