"""The delivery events (contracts/delivery.py) made from what a batch did to its records, and the answer
to a query's re-verification."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contracts import delivery as contract
from contracts import queries
from services.delivery.domain.planned_outcomes import PlannedOutcome
from services.delivery.domain.sorting import Held, Refused
from services.delivery.domain.visit_changes import VisitChange
from shared.outbox import EventFields

UNKNOWN_PROVIDER = "unknown"  # the key of rejects whose provider cannot be told


def change_events(changes: Iterable[VisitChange]) -> list[contract.DeliveryEvent]:
    """VisitVerified for every new revision, and VisitCorrected when what is payable changed."""
    out: list[contract.DeliveryEvent] = []
    for c in changes:
        a = c.after
        week = a.week
        out.append(contract.VisitVerified(
            agreement_id=a.agreement_id, person_ref=a.service_user_ref, provider_id=a.provider_ref,
            visit_key=a.visit_key, visit_id=a.visit_id, carer_id=a.carer_id, revision=c.revision,
            local_date=a.local_date, week_start=week, planned_start=c.visit.planned_start,
            planned_minutes=a.planned_minutes, actual_minutes=a.actual_minutes, payable_minutes=a.payable_minutes,
            rate_pence_per_hour=a.rate_pence_per_hour, amount_pence=a.amount_pence,
            flags=[contract.VisitFlag(code=f.code.value, reason=f.reason) for f in a.flags]))
        if c.is_correction:
            out.append(contract.VisitCorrected(
                agreement_id=a.agreement_id, person_ref=a.service_user_ref, provider_id=a.provider_ref,
                visit_key=a.visit_key, carer_id=a.carer_id, revision=c.revision, week_start=week,
                payable_minutes_before=c.minutes_before, payable_minutes_after=a.payable_minutes,
                amount_pence_before=c.amount_before, amount_pence_after=a.amount_pence,
                amount_pence_delta=c.amount_delta, week_already_confirmed=c.week_confirmed))
    return out


def change_event_fields(changes: Iterable[VisitChange]) -> list[contract.DeliveryEvent | EventFields]:
    """`change_events` for the stream: each VisitVerified as its fields (`verified_fields`), without
    building the model (most of an event's cost); the rare VisitCorrected as the model, in the same order."""
    out: list[contract.DeliveryEvent | EventFields] = []
    for c in changes:
        out.append(EventFields(contract.VisitVerified, c.after.agreement_id, verified_fields(c)))
        if c.is_correction:
            out.extend(change_events([c])[1:])
    return out


def verified_fields(c: VisitChange) -> dict[str, Any]:
    """VisitVerified's fields, in the contract's order: its JSON is the model's (a unit test holds them equal)."""
    a = c.after
    return {"agreement_id": a.agreement_id, "person_ref": a.service_user_ref, "provider_id": a.provider_ref,
            "visit_key": a.visit_key, "visit_id": a.visit_id, "carer_id": a.carer_id, "revision": c.revision,
            "local_date": a.local_date, "week_start": a.week, "planned_start": c.visit.planned_start,
            "planned_minutes": a.planned_minutes, "actual_minutes": a.actual_minutes,
            "payable_minutes": a.payable_minutes, "rate_pence_per_hour": a.rate_pence_per_hour,
            "amount_pence": a.amount_pence, "flags": [{"code": f.code.value, "reason": f.reason} for f in a.flags]}


def rejected_event(refused: Refused, record_id: str, source: str, location: str) -> contract.VisitRejected:
    why = refused.reject
    named = refused.record.provider_ref if refused.record is not None else (
        why.raw.get("provider_ref") if isinstance(why.raw, dict) else None)
    return contract.VisitRejected(
        provider_id=refused.provider_id or UNKNOWN_PROVIDER, record_id=record_id, source=source, location=location,
        field=why.field, reason=why.reason, message=why.message,
        provider_ref=named if isinstance(named, str) else None)


def unallocated_event(held: Held, record_id: str) -> contract.VisitUnallocated:
    r = held.record
    return contract.VisitUnallocated(provider_id=held.provider_id, record_id=record_id, person_ref=r.service_user_ref,
                                     visit_id=r.visit_id, carer_id=r.carer_id, reason=held.reason)


def received_event(intake_id: str, source: str, provider_id: str | None, counts: Mapping[str, int],
                   file_reference: str | None = None) -> contract.AttendancesReceived:
    """How many records an intake received and where they ended (`counts` by outcome)."""
    return contract.AttendancesReceived(
        provider_id=provider_id or UNKNOWN_PROVIDER, intake_id=intake_id, source=source,
        file_reference=file_reference, received=sum(counts.values()), verified=counts.get("verified", 0),
        unallocated=counts.get("unallocated", 0), rejected=counts.get("rejected", 0))


def received_by_provider(intake_id: str, source: str,
                         outcomes: Iterable[tuple[str | None, str]]) -> list[contract.AttendancesReceived]:
    """One AttendancesReceived per provider of a batch: `outcomes` is (provider_id, outcome) per record."""
    by_provider: dict[str | None, Counter] = {}
    for provider_id, outcome in outcomes:
        by_provider.setdefault(provider_id, Counter())[outcome] += 1
    return [received_event(intake_id, source, provider_id, counts)
            for provider_id, counts in sorted(by_provider.items(), key=lambda kv: kv[0] or "")]


def answered(changes: Sequence[VisitChange], carer: str, request: queries.VisitReverificationRequested,
             ) -> list[contract.DeliveryEvent]:
    """The change's events, with the carer's VisitCorrected carrying the query's ids (made when the pay
    did not change, right after that carer's VisitVerified)."""
    ids = {"query_id": request.query_id, "effect_id": request.effect_id}
    out: list[contract.DeliveryEvent] = []
    for event in change_events(changes):
        if isinstance(event, contract.VisitCorrected) and event.carer_id == carer:
            continue  # replaced below, with the query's ids
        out.append(event)
        if isinstance(event, contract.VisitVerified) and event.carer_id == carer:
            [change] = [c for c in changes if c.after.carer_id == carer]
            a = change.after
            out.append(contract.VisitCorrected(
                agreement_id=a.agreement_id, person_ref=a.service_user_ref, provider_id=a.provider_ref,
                visit_key=a.visit_key, carer_id=carer, revision=change.revision, week_start=a.week,
                payable_minutes_before=change.minutes_before, payable_minutes_after=a.payable_minutes,
                amount_pence_before=change.amount_before, amount_pence_after=a.amount_pence,
                amount_pence_delta=change.amount_delta, week_already_confirmed=change.week_confirmed, **ids))
    return out


def planned_visit_outcomes(outcomes: Iterable[PlannedOutcome]) -> list[contract.PlannedVisitOutcome]:
    """PeriodActualsConfirmed.planned: each planned visit of the week with its outcome."""
    return [contract.PlannedVisitOutcome(visit_key=o.visit_key, local_date=o.local_date, planned_start=o.planned_start,
                                         planned_minutes=o.planned_minutes, carers_required=o.carers_required,
                                         outcome=o.outcome) for o in outcomes]
