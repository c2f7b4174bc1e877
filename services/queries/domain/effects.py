"""Recording what came of a query's effect, and flagging SLA breaches as they happen.

The owning service answers an effect request with an event carrying query_id and effect_id; the
consumer turns it into `complete_effect` (with the id of what was produced) or `fail_effect` (with
the reason, shown on the query). Results are idempotent: a repeat of the recorded result, or a
result for an effect an earlier resolution asked for, changes nothing and publishes nothing, so a
redelivered message is harmless. A failed effect blocks closing until an officer retries it (a new
request with a new effect_id) or reopens the query and resolves it another way.

`flag_breaches` is what a periodic job runs over open work: each SLA deadline that has passed is
announced once (QuerySlaBreached) and remembered on the query.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from contracts.queries import OutcomeKind, QueryEffectCompleted, QueryEffectFailed, QuerySlaBreached
from services.queries.domain.entitlement import Action, may_take
from services.queries.domain.errors import InvalidQuery, NotKnown, required_text, utc
from services.queries.domain.lifecycle import record, refuse
from services.queries.domain.outcomes import Effect, EffectStatus, effect_request
from services.queries.domain.query import Party, Query, Step, new_id
from services.queries.domain.sla import unflagged_breaches

SLA_CLOCK = Party.system("queries-sla")


def _current_effect(query: Query, effect_id: str | None) -> Effect | None:
    """The effect a result is about; None when it is for an earlier one (to be ignored)."""
    effect = query.effect
    if effect is None:
        if any(e.effect_id == effect_id for e in query.earlier_effects):
            return None
        raise refuse(query, "given an effect result", "it has no effect awaiting a result")
    if effect_id is not None and effect_id != effect.effect_id:
        if any(e.effect_id == effect_id for e in query.earlier_effects):
            return None
        raise refuse(query, f"given a result for effect {effect_id}", f"its effect is {effect.effect_id}")
    return effect


def complete_effect(query: Query, by: Party, at: datetime, result_ref: str, effect_id: str | None = None) -> Step:
    """The effect happened; `result_ref` is the credit note, invoice, visit or variation it produced."""
    at = utc(at)
    may_take(by, Action.RECORD_EFFECT_RESULT, query).enforce()
    result_ref = required_text(result_ref, "result_ref", 200)
    effect = _current_effect(query, effect_id)
    if effect is None or (effect.status == EffectStatus.COMPLETED and effect.result_ref == result_ref):
        return Step(query)
    if effect.status == EffectStatus.COMPLETED:
        raise refuse(query, f"given result {result_ref}",
                     f"effect {effect.effect_id} already completed with {effect.result_ref}")
    # A late success after a recorded failure is still a success: the money did move.
    done = replace(effect, status=EffectStatus.COMPLETED, settled_at=at, result_ref=result_ref, failure_reason=None)
    after = record(query, "effect_completed", by, at, f"{effect.kind.value} {result_ref}", effect=done)
    return Step(after, (QueryEffectCompleted(query_id=query.query_id, effect_id=effect.effect_id,
                                             outcome=effect.kind, result_ref=result_ref),))


def complete_variation(query: Query, by: Party, at: datetime, version: int, effective_from: date | None) -> Step:
    """An officer records the variation a vary_agreement effect asked for, by the version of the terms it made.

    agreements' AgreementVaried does not echo query ids, so no event can be linked to the effect
    safely (another variation of the same agreement may arrive first); the officer who drafted it
    links it. `effective_from` is that version's date as published (None: not published yet)."""
    may_take(by, Action.RECORD_EFFECT_RESULT, query).enforce()
    effect = query.effect
    if effect is None or effect.kind != OutcomeKind.VARY_AGREEMENT:
        what = "it has no effect" if effect is None else f"its effect is {effect.kind.value}, reported by its owning service"
        raise refuse(query, "given an agreement variation", what)
    agreement_id, asked_from = query.outcome.agreement_id, query.outcome.effective_from
    if effective_from is None:
        raise NotKnown("agreement_version", "agreement_version_not_found",
                       f"agreement {agreement_id} has no version {version} published yet; record it once agreements"
                       " has published the variation")
    if effective_from != asked_from:
        raise InvalidQuery("agreement_version", f"version {version} of agreement {agreement_id} takes effect from"
                                                f" {effective_from}, but the resolution asked for {asked_from};"
                                                " name the version that does, or reopen and resolve again")
    return complete_effect(query, by, at, f"{agreement_id}/v{version}", effect.effect_id)


def fail_effect(query: Query, by: Party, at: datetime, reason: str, effect_id: str | None = None) -> Step:
    """The owning service could not do it; the reason is kept on the query for people to read."""
    at = utc(at)
    may_take(by, Action.RECORD_EFFECT_RESULT, query).enforce()
    reason = required_text(reason, "reason", 1000)
    effect = _current_effect(query, effect_id)
    if effect is None or effect.status != EffectStatus.PENDING:
        return Step(query)  # a repeat, or a failure reported after success: what happened stands
    failed = replace(effect, status=EffectStatus.FAILED, settled_at=at, failure_reason=reason)
    after = record(query, "effect_failed", by, at, reason, effect=failed)
    return Step(after, (QueryEffectFailed(query_id=query.query_id, effect_id=effect.effect_id, outcome=effect.kind),))


def retry_effect(query: Query, by: Party, at: datetime, effect_id: str | None = None) -> Step:
    """Ask again for a failed effect, as a new request the owning service has not seen."""
    at = utc(at)
    may_take(by, Action.RETRY_EFFECT, query).enforce()
    failed = query.effect
    if failed is None or failed.status != EffectStatus.FAILED:
        why = "it has no failed effect" if failed is None else f"its effect is {failed.status.value}"
        raise refuse(query, Action.RETRY_EFFECT, why)
    fresh = Effect(effect_id or new_id("EFF"), failed.kind, at, retry_of=failed.effect_id)
    after = record(query, "effect_retried", by, at, fresh.effect_id, effect=fresh,
                   earlier_effects=query.earlier_effects + (failed,))
    return Step(after, (effect_request(query.query_id, fresh.effect_id, query.outcome),))


def flag_breaches(query: Query, now: datetime, by: Party = SLA_CLOCK) -> Step:
    """Announce each SLA deadline that has passed and was not announced yet (none: no events)."""
    now = utc(now, "now")
    may_take(by, Action.FLAG_BREACHES, query).enforce()
    events, after = [], query
    for breach in unflagged_breaches(query, now):
        after = record(after, "sla_breached", by, now, f"{breach.sla.value} due {breach.due_at.isoformat()}",
                       flagged_breaches=after.flagged_breaches | {(breach.sla.value, breach.due_at)})
        events.append(QuerySlaBreached(query_id=query.query_id, sla=breach.sla, due_at=breach.due_at,
                                       category=query.category,
                                       team=query.assignment.team if query.assignment else None))
    return Step(after, tuple(events))
