"""Where each record of a feed batch goes: rejected, held as unallocated, or matched to a planned visit.

Pure: it reads the in-memory `AgreementBook` only. Every record ends in exactly one place. Records
the validator refused are rejected with its reasons; a valid record is rejected when it names another
provider than the feed's (by any of its CQC IDs), or a provider or person delivery has no agreement
for; otherwise it is matched to a planned visit of
the person's actuals agreement with that provider (same local day, planned start within ±2 hours)
or held for an officer. Within a batch, a later record for the same provider + visit_id + carer_id
supersedes an earlier one (a correction), so only the latest is matched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from services.delivery.domain.attendance import AttendanceRecord
from services.delivery.domain.known_agreements import AgreementBook
from services.delivery.domain.matching import PlannedVisit, Unallocated, match_attendance
from services.delivery.domain.rejects import Reason, Reject, quoted, reject
from services.delivery.domain.validation import ValidatedBatch


@dataclass(frozen=True, slots=True)
class Arrival:
    """A valid record matched to a planned visit, waiting to be verified."""

    row: int
    record: AttendanceRecord
    provider_id: str


@dataclass(frozen=True, slots=True)
class Held:
    """A valid record that matches no planned visit: unallocated until an officer decides."""

    row: int
    record: AttendanceRecord
    provider_id: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Refused:
    """A rejected record: why and where (`reject`), and for a valid record refused against what
    delivery knows (unknown provider or person), the record and its provider."""

    reject: Reject
    record: AttendanceRecord | None = None
    provider_id: str | None = None


@dataclass(slots=True)
class SortedBatch:
    refused: list[Refused] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    matched: dict[str, tuple[PlannedVisit, list[Arrival]]] = field(default_factory=dict)
    # row of an earlier record -> row of the later record in the same batch that corrected it
    superseded: dict[int, int] = field(default_factory=dict)

    @property
    def arrivals(self) -> list[Arrival]:
        return [a for _, arrivals in self.matched.values() for a in arrivals]


def sort_batch(batch: ValidatedBatch, book: AgreementBook, *, feed_provider_id: str | None = None) -> SortedBatch:
    """Sort a validated batch. `feed_provider_id` is the provider an HTTP batch or file is for."""
    out = SortedBatch()
    for r in batch.rejects:
        out.refused.append(Refused(r, None, feed_provider_id or _named_provider(book, r.raw)))
    latest: dict[tuple[str, str, str], tuple[int, AttendanceRecord, str]] = {}
    for row, record in zip(batch.rows, batch.records):
        provider_id = book.provider_id_for(record.provider_ref)
        if feed_provider_id is not None and provider_id != feed_provider_id:
            # A feed may name its provider by any of its CQC IDs, but never another provider.
            out.refused.append(Refused(reject(
                row, "provider_ref", Reason.PROVIDER_MISMATCH, f"provider_ref {quoted(record.provider_ref)} is not "
                f"a CQC ID of {feed_provider_id} ({book.refs_named(feed_provider_id)}), the provider this feed was "
                "sent for: send each provider's visits under its own provider_id"),
                record, feed_provider_id))
            continue
        if provider_id is None:
            out.refused.append(Refused(reject(
                row, "provider_ref", Reason.UNKNOWN_PROVIDER, f"provider_ref {quoted(record.provider_ref)} is not "
                "a provider on the council's register: send the CQC provider ID the council holds"), record))
            continue
        if not book.knows_person(record.service_user_ref):
            out.refused.append(Refused(reject(
                row, "service_user_ref", Reason.UNKNOWN_SERVICE_USER, f"service_user_ref "
                f"{quoted(record.service_user_ref)} is not a person with an agreement: check the council's "
                "reference for the person"), record, provider_id))
            continue
        key = (provider_id, record.visit_id, record.carer_id)
        earlier = latest.pop(key, None)
        if earlier is not None:
            out.superseded[earlier[0]] = row
        latest[key] = (row, record, provider_id)
    for row, record, provider_id in latest.values():
        found = match_attendance(record, _Candidates(book, provider_id))
        if isinstance(found, Unallocated):
            found = book.explain(found, provider_id)
            out.held.append(Held(row, record, provider_id, found.reason, found.message))
            continue
        priced = _price_check(book, found)
        if priced is not None:
            out.held.append(Held(row, record, provider_id, *priced))
            continue
        out.matched.setdefault(found.key, (found, []))[1].append(Arrival(row, record, provider_id))
    # Chains (a corrected correction) point at the record that finally counts.
    for row, later in list(out.superseded.items()):
        while later in out.superseded:
            later = out.superseded[later]
        out.superseded[row] = later
    return out


def _named_provider(book: AgreementBook, raw: object) -> str | None:
    """The registered provider a record that failed validation names (a Kafka record has no feed
    provider), so the provider finds its own bad records among its rejects."""
    ref = raw.get("provider_ref") if isinstance(raw, dict) else None
    return book.provider_id_for(ref) if isinstance(ref, str) else None


class _Candidates:
    """The book seen through one provider, as `match_attendance` asks for it."""

    __slots__ = ("book", "provider_id")

    def __init__(self, book: AgreementBook, provider_id: str) -> None:
        self.book, self.provider_id = book, provider_id

    def candidates(self, record: AttendanceRecord) -> list[PlannedVisit]:
        return self.book.candidates(record, self.provider_id)


def _price_check(book: AgreementBook, visit: PlannedVisit) -> tuple[str, str] | None:
    """(reason, message) when the visit cannot be priced: no hourly rate in force for it."""
    terms = book.agreements[visit.agreement_id].terms_on(visit.local_date)
    if terms is not None and terms.always_priced:
        return None
    try:
        if terms is None:
            raise LookupError(f"no terms in force on {visit.local_date.isoformat()}")
        terms.terms.rate_on(visit.local_date, visit.local_start)
    except LookupError as e:
        return "no_rate_in_force", f"the agreement has no hourly rate for this visit ({e}): an officer must decide"
    return None
