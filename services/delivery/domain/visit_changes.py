"""Re-verifying a planned visit when records for it arrive: what changed, carer by carer.

A visit is always verified whole (every carer's latest record together), because one carer's record
changes another's pay: a second carer clears 'fewer carers than required', an earlier check-in makes
another carer the excess one. The stored verification is compared with the new one; only real
changes become a new revision, so a record sent twice is never counted twice. A carer whose record
was corrected onto another visit (or now matches none) is withdrawn from this one: paid 0.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.matching import PlannedVisit
from services.delivery.domain.verification import AgreementTerms, VerifiedVisit, verify_visit
from services.delivery.domain.visit_rules import Flag, FlagCode

AttendanceKey = tuple[str, str, str]  # provider_id, visit_id, carer_id


@dataclass(frozen=True, slots=True)
class StoredVisit:
    """One carer's verified visit as stored: the latest verification, the record behind it, its revision."""

    verified: VerifiedVisit
    record: AttendanceRecord
    record_id: str
    revision: int
    withdrawn: bool

    @property
    def attendance_key(self) -> AttendanceKey:
        return (self.verified.provider_ref, self.record.visit_id, self.verified.carer_id)


@dataclass(frozen=True, slots=True)
class VisitChange:
    """A new revision of one carer's verified visit."""

    visit: PlannedVisit
    before: StoredVisit | None
    after: VerifiedVisit
    record: AttendanceRecord
    record_id: str
    revision: int
    withdrawn: bool
    week_confirmed: bool  # the visit's week was confirmed already: the difference is an adjustment

    @property
    def minutes_before(self) -> int:
        return self.before.verified.payable_minutes if self.before else 0

    @property
    def amount_before(self) -> int:
        return self.before.verified.amount_pence if self.before else 0

    @property
    def amount_delta(self) -> int:
        return self.after.amount_pence - self.amount_before

    @property
    def is_correction(self) -> bool:
        """A later revision that changed what is payable (flags alone are not a correction)."""
        return self.before is not None and (self.after.payable_minutes != self.minutes_before
                                            or self.amount_delta != 0)


def departures(stored: Iterable[StoredVisit], destinations: Mapping[AttendanceKey, str | None]) -> dict[str, set[str]]:
    """visit_key -> carers leaving it: stored attendances whose latest record now belongs to another
    visit (`destinations` gives the new visit key, or None when the record is now unallocated)."""
    out: dict[str, set[str]] = defaultdict(set)
    for s in stored:
        key = s.attendance_key
        if not s.withdrawn and key in destinations and destinations[key] != s.verified.visit_key:
            out[s.verified.visit_key].add(s.verified.carer_id)
    return dict(out)


def reverify(visit: PlannedVisit, stored: Sequence[StoredVisit], arrivals: Sequence[tuple[str, AttendanceRecord]],
             terms: AgreementTerms | None, *, leaving: set[str] = frozenset(),
             week_confirmed: bool = False) -> list[VisitChange]:
    """The changes to a visit when `arrivals` (record_id, record) come and `leaving` carers go.

    With no `terms` (none in force that day any more) nothing is re-verified: only leavers are withdrawn."""
    if not stored and not leaving and len(arrivals) == 1 and terms is not None:
        # The stream's usual case, a first record for a visit: its first revision, nothing to compare.
        record_id, record = arrivals[0]
        return [VisitChange(visit, None, after, record, record_id, 1, False, week_confirmed)
                for after in verify_visit(visit, [record], terms)]
    arriving = {r.carer_id for _, r in arrivals}
    leaving = set(leaving) - arriving
    current: dict[str, tuple[str, AttendanceRecord]] = {}
    for s in stored:
        if not s.withdrawn and s.verified.carer_id not in leaving:
            current[s.verified.carer_id] = (s.record_id, s.record)
    for record_id, record in arrivals:  # arrival order: a later record for the same carer replaces
        current.pop(record.carer_id, None)
        current[record.carer_id] = (record_id, record)
    before = {s.verified.carer_id: s for s in stored}
    changes = []
    verified = verify_visit(visit, [r for _, r in current.values()], terms) if current and terms else []
    for after in verified:
        was = before.get(after.carer_id)
        if was is not None and not was.withdrawn and was.verified == after:
            continue
        record_id, record = current[after.carer_id]
        changes.append(VisitChange(visit, was, after, record, record_id, was.revision + 1 if was else 1,
                                   False, week_confirmed))
    for carer in sorted(leaving):
        was = before.get(carer)
        if was is None or was.withdrawn:
            continue
        gone = replace(was.verified, payable_minutes=0, amount_pence=0, flags=was.verified.flags + (
            Flag(FlagCode.WITHDRAWN, "a later record for this carer belongs to another visit or none: not paid here"),))
        changes.append(VisitChange(visit, was, gone, was.record, was.record_id, was.revision + 1, True, week_confirmed))
    return changes
