"""agreements.events -> commitments (weekly cost per agreement by business date), dims and provider names.

A commitment line's rates (`CommitmentLine.rates`: one weekly cost per version of its terms, each from
its own date) are the agreement's whole history and replace what was held for it; a line without
rates (published before they were said) is in force from the forecast's `as_of`. A line gone from the
person's forecast commits nothing from its `as_of`. The agreement's window (start, end, suspensions)
clips them all.

When an agreement's or direct payment's dims change (most often: its service type or mechanism arrives
after visits, invoices or payments already counted under 'unknown'; or a variation changes a direct
payment's nominee), the facts counted under the old dims are moved to the new ones.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import asyncpg

from contracts import agreements as contract
from contracts.common import ServiceType, direct_payment_mechanism
from contracts.envelope import Envelope
from services.reporting.domain.aggregates import NO_PROVIDER, Deltas
from services.reporting.domain.commitments import Window, agreement_commitment, intervals
from services.reporting.domain.dims import AgreementDim, heard
from services.reporting.domain.direct_payments import contributions as dp_contributions
from services.reporting.domain.invoices import contributions as invoice_contributions
from services.reporting.domain.visits import attendance_contributions, missed_contributions
from services.reporting.metrics import FACTS_MOVED
from services.reporting.steps.apply_batch import batch_consumer
from services.reporting.store import commitments as store_commitments, dims as store_dims, facts as store_facts

DP = ServiceType.DIRECT_PAYMENT.value


def _named(event: Any) -> list[AgreementDim]:
    """What the event says about the agreements it names (person, provider, service type, mechanism)."""
    if isinstance(event, contract.AgreementEvent):
        return [AgreementDim(event.agreement_id, event.person_ref, event.provider_id, event.service_type.value,
                             event.mechanism.value, event.direct_payment_id, cost_centre=event.cost_centre)]
    if isinstance(event, contract.DirectPaymentTerms):  # agreed or varied: its mechanism from a day on
        since = event.effective_from if isinstance(event, contract.DirectPaymentVaried) else event.start
        mechanism = event.mechanism.value
        return [AgreementDim(event.agreement_id, event.person_ref, NO_PROVIDER, DP, mechanism,
                             since=((since, mechanism),))]
    if isinstance(event, contract.DirectPaymentAgreedV1):  # records from before: the mechanism of its nominee
        mechanism = direct_payment_mechanism(event.nominee).value
        return [AgreementDim(event.agreement_id, event.person_ref, NO_PROVIDER, DP, mechanism,
                             since=((event.start, mechanism),))]
    if isinstance(event, contract.DirectPaymentEvent):
        return [AgreementDim(event.agreement_id, event.person_ref, NO_PROVIDER, DP)]
    if isinstance(event, contract.CommitmentChanged):
        return [AgreementDim(line.agreement_id, event.person_ref, line.provider_id or NO_PROVIDER,
                             line.service_type.value) for line in event.lines]
    return []


def _window(held: Window | None, event: Any) -> Window | None:
    if isinstance(event, contract.AgreementEvent):
        return Window(event.start, event.end, tuple((s.suspended_from, s.resumed_on) for s in event.suspensions))
    if isinstance(event, (contract.DirectPaymentAgreed, contract.DirectPaymentAgreedV1)):
        return Window(event.start, held.end if held else None)
    if isinstance(event, contract.DirectPaymentEnded):
        return replace(held or Window(), end=event.end)
    return held


def line_rates(event: contract.CommitmentChanged, held_snapshot: dict[str, Any]) -> dict[str, dict[date, int] | None]:
    """Each agreement the forecast changes: its whole rate history when the line says it (rates), else
    None (one rate from `as_of`: the line's weekly cost, or nothing for a line gone from the forecast)."""
    now: dict[str, dict[date, int] | None] = {
        line.agreement_id: ({r.from_date: r.weekly_pence for r in line.rates} if line.rates else None)
        for line in event.lines}
    gone = {line["agreement_id"]: None for line in held_snapshot["lines"] if line["agreement_id"] not in now}
    return now | gone


def _as_of_rate(event: contract.CommitmentChanged, agreement_id: str) -> int:
    return next((line.weekly_pence for line in event.lines if line.agreement_id == agreement_id), 0)


def _commitment_json(event: contract.CommitmentChanged) -> dict[str, Any]:
    return event.model_dump(mode="json")


async def apply(conn: asyncpg.Connection, envelopes: list[Envelope], deltas: Deltas) -> None:
    events = [e.payload for e in envelopes]
    await store_dims.save_provider_names(conn, {e.provider_id: e.name for e in events
                                                if isinstance(e, contract.ProviderRegistered)})
    changes = [e for e in envelopes if isinstance(e.payload, contract.CommitmentChanged)]
    people = await store_commitments.person_commitments(conn, [e.payload.person_ref for e in changes])
    previously = {line["agreement_id"]: AgreementDim(line["agreement_id"], person, line["provider_id"] or NO_PROVIDER,
                                                     line["service_type"])
                  for person, (_at, snap) in people.items() for line in snap["lines"]}
    named = [d for e in events for d in _named(e)] + list(previously.values())
    dims = await store_dims.lock(conn, named, for_update=True)
    ids = sorted(dims)
    windows = await store_commitments.windows(conn, ids)
    rates = await store_commitments.rates(conn, ids)
    before = (dict(dims), dict(windows), {a: dict(r) for a, r in rates.items()})
    new_rates: set[str] = set()
    changed_people: dict[str, tuple[datetime, dict]] = {}
    for env in envelopes:
        event = env.payload
        for said in _named(event):
            dims[said.agreement_id] = heard(dims.get(said.agreement_id), said)
        if isinstance(event, (contract.AgreementEvent, contract.DirectPaymentEvent)):
            windows[event.agreement_id] = _window(windows.get(event.agreement_id), event)
        if isinstance(event, contract.CommitmentChanged):
            held_at, held_snap = people.get(event.person_ref, (None, {"lines": []}))
            if held_at is not None and env.occurred_at < held_at:
                continue  # an older forecast read late: the newer one stands
            for agreement_id, points in line_rates(event, held_snap).items():
                rates[agreement_id] = points if points is not None else {
                    **rates.get(agreement_id, {}), event.as_of: _as_of_rate(event, agreement_id)}
                new_rates.add(agreement_id)
            people[event.person_ref] = changed_people[event.person_ref] = (env.occurred_at, _commitment_json(event))
    await _count_changes(conn, deltas, before, dims, windows, rates)
    await store_dims.save(conn, [d for a, d in dims.items() if before[0].get(a) != d])
    await store_commitments.save_windows(conn, {a: w for a, w in windows.items()
                                                if w is not None and before[1].get(a) != w})
    await store_commitments.save_rates(conn, {a: rates[a] for a in new_rates})
    await store_commitments.save_person_commitments(conn, changed_people)


async def _count_changes(conn, deltas: Deltas, before, dims, windows, rates) -> None:
    old_dims, old_windows, old_rates = before
    for agreement_id in sorted(dims):
        old_d, new_d = old_dims[agreement_id], dims[agreement_id]
        old_spans = intervals(store_commitments.as_rates(old_rates.get(agreement_id, {})),
                              old_windows.get(agreement_id))
        new_spans = intervals(store_commitments.as_rates(rates.get(agreement_id, {})), windows.get(agreement_id))
        if old_d != new_d or old_spans != new_spans:
            deltas.replace(agreement_commitment(old_spans, old_d), agreement_commitment(new_spans, new_d))
        if old_d != new_d:
            await _move_facts(conn, deltas, old_d, new_d)


async def _move_facts(conn, deltas: Deltas, old: AgreementDim, new: AgreementDim) -> None:
    """Facts already counted under the agreement's old dims now count under the new ones."""
    visits, missed, invoices, payments = await store_facts.facts_of_agreement(conn, old.agreement_id)
    for visit in visits:
        deltas.replace(attendance_contributions(visit, old.dims), attendance_contributions(visit, new.dims))
    for visit in missed:
        deltas.replace(missed_contributions(visit, old.dims), missed_contributions(visit, new.dims))
    for invoice in invoices:
        # only this agreement's part of an invoice split between several moves
        deltas.replace(invoice_contributions(invoice, {old.agreement_id: old}),
                       invoice_contributions(invoice, {new.agreement_id: new}))
    for payment in payments:
        deltas.replace(dp_contributions(payment, old), dp_contributions(payment, new))
    FACTS_MOVED.inc(len(visits) + len(missed) + len(invoices) + len(payments))


AGREEMENTS = batch_consumer(
    "reporting.agreements", contract.TOPIC,
    [contract.ProviderRegistered, contract.AgreementActivated, contract.AgreementVaried, contract.AgreementSuspended,
     contract.AgreementResumed, contract.AgreementEnded, contract.DirectPaymentAgreed, contract.DirectPaymentVaried,
     contract.DirectPaymentEnded, contract.CommitmentChanged,
     contract.DirectPaymentAgreedV1],  # version 1 (with the payee account, unread) only in records from before
    apply, "Agreements and direct payments (what each is about, when payable) and commitments over time.")
