"""A query as JSON and back: how the store keeps the whole aggregate in one `state` column.

Pure (no database). Times are ISO 8601 with their offset (UTC); enums by value; an outcome is
tagged by its `kind`. `query_from_json(query_to_json(q)) == q` for every query the domain builds,
which the unit tests check at each point of the lifecycle.
"""
from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

from contracts.queries import OutcomeKind, PartyRole, QueryCategory, SubjectKind
from services.queries.domain.outcomes import (CreditNote, Effect, EffectStatus, NoChange, Outcome, ReverifyVisit,
                                              SupplementaryPayment, VaryAgreement)
from services.queries.domain.query import (Assignment, Attachment, HistoryEntry, Note, Party, Proposal, Query,
                                           QueryStatus, Subject)
from services.queries.domain.sla import SlaPolicy

OUTCOMES: dict[OutcomeKind, type] = {
    OutcomeKind.NO_CHANGE: NoChange, OutcomeKind.CREDIT_NOTE: CreditNote,
    OutcomeKind.SUPPLEMENTARY_PAYMENT: SupplementaryPayment, OutcomeKind.REVERIFY_VISIT: ReverifyVisit,
    OutcomeKind.VARY_AGREEMENT: VaryAgreement,
}
_INSTANTS = ("corrected_check_in", "corrected_check_out")


def _t(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def party_to_json(p: Party) -> dict[str, Any]:
    return {"role": p.role.value, "user_id": p.user_id, "provider_id": p.provider_id, "person_ref": p.person_ref,
            "login_role": p.login_role}


def party_from_json(d: dict[str, Any]) -> Party:
    return Party(PartyRole(d["role"]), d["user_id"], d.get("provider_id"), d.get("person_ref"), d.get("login_role"))


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": outcome.kind.value}
    for f in fields(outcome):
        value = getattr(outcome, f.name)
        out[f.name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return out


def outcome_from_json(d: dict[str, Any]) -> Outcome:
    kind = OutcomeKind(d["kind"])
    args = {k: v for k, v in d.items() if k != "kind"}
    for name in _INSTANTS:
        if name in args:
            args[name] = datetime.fromisoformat(args[name])
    if "effective_from" in args:
        args["effective_from"] = date.fromisoformat(args["effective_from"])
    return OUTCOMES[kind](**args)


def effect_to_json(e: Effect) -> dict[str, Any]:
    return {"effect_id": e.effect_id, "kind": e.kind.value, "requested_at": _t(e.requested_at),
            "status": e.status.value, "settled_at": _t(e.settled_at), "result_ref": e.result_ref,
            "failure_reason": e.failure_reason, "retry_of": e.retry_of}


def effect_from_json(d: dict[str, Any]) -> Effect:
    return Effect(d["effect_id"], OutcomeKind(d["kind"]), _dt(d["requested_at"]), EffectStatus(d["status"]),
                  _dt(d["settled_at"]), d["result_ref"], d["failure_reason"], d.get("retry_of"))


def proposal_to_json(p: Proposal) -> dict[str, Any]:
    return {"outcome": outcome_to_json(p.outcome), "summary": p.summary, "proposed_by": party_to_json(p.proposed_by),
            "proposed_at": _t(p.proposed_at)}


def proposal_from_json(d: dict[str, Any]) -> Proposal:
    return Proposal(outcome_from_json(d["outcome"]), d["summary"], party_from_json(d["proposed_by"]),
                    _dt(d["proposed_at"]))


def query_to_json(q: Query) -> dict[str, Any]:
    s = q.subject
    return {
        "query_id": q.query_id,
        "subject": {"kind": s.kind.value, "subject_id": s.subject_id, "provider_id": s.provider_id,
                    "person_ref": s.person_ref},
        "category": q.category.value, "description": q.description, "raised_by": party_to_json(q.raised_by),
        "raised_at": _t(q.raised_at),
        "sla": {"acknowledge_within": q.sla.acknowledge_within, "resolve_within": q.sla.resolve_within},
        "status": q.status.value, "disputes_invoice": q.disputes_invoice, "dispute_open": q.dispute_open,
        "attachments": [{"ref": a.ref, "media_type": a.media_type} for a in q.attachments],
        "notes": [{"note_id": n.note_id, "author": party_to_json(n.author), "at": _t(n.at), "text": n.text}
                  for n in q.notes],
        "assignment": ({"team": q.assignment.team, "officer_id": q.assignment.officer_id}
                       if q.assignment else None),
        "acknowledged_at": _t(q.acknowledged_at), "clock_started_at": _t(q.clock_started_at),
        "resolved_at": _t(q.resolved_at), "closed_at": _t(q.closed_at),
        "outcome": outcome_to_json(q.outcome) if q.outcome else None,
        "resolution_summary": q.resolution_summary,
        "effect": effect_to_json(q.effect) if q.effect else None,
        "earlier_effects": [effect_to_json(e) for e in q.earlier_effects],
        "proposal": proposal_to_json(q.proposal) if q.proposal else None,
        "rating": q.rating,
        "flagged_breaches": sorted([sla, _t(due)] for sla, due in q.flagged_breaches),
        "history": [{"action": h.action, "before": h.before.value if h.before else None, "after": h.after.value,
                     "actor_role": h.actor_role.value, "actor_id": h.actor_id, "at": _t(h.at), "detail": h.detail}
                    for h in q.history],
    }


def query_from_json(d: dict[str, Any]) -> Query:
    s = d["subject"]
    return Query(
        query_id=d["query_id"],
        subject=Subject(SubjectKind(s["kind"]), s["subject_id"], s["provider_id"], s["person_ref"]),
        category=QueryCategory(d["category"]), description=d["description"],
        raised_by=party_from_json(d["raised_by"]), raised_at=_dt(d["raised_at"]),
        sla=SlaPolicy(d["sla"]["acknowledge_within"], d["sla"]["resolve_within"]),
        status=QueryStatus(d["status"]), disputes_invoice=d["disputes_invoice"], dispute_open=d["dispute_open"],
        attachments=tuple(Attachment(a["ref"], a["media_type"]) for a in d["attachments"]),
        notes=tuple(Note(n["note_id"], party_from_json(n["author"]), _dt(n["at"]), n["text"]) for n in d["notes"]),
        assignment=Assignment(**d["assignment"]) if d["assignment"] else None,
        acknowledged_at=_dt(d["acknowledged_at"]), clock_started_at=_dt(d["clock_started_at"]),
        resolved_at=_dt(d["resolved_at"]), closed_at=_dt(d["closed_at"]),
        outcome=outcome_from_json(d["outcome"]) if d["outcome"] else None,
        resolution_summary=d["resolution_summary"],
        effect=effect_from_json(d["effect"]) if d["effect"] else None,
        earlier_effects=tuple(effect_from_json(e) for e in d["earlier_effects"]),
        proposal=proposal_from_json(d["proposal"]) if d.get("proposal") else None,
        rating=d["rating"],
        flagged_breaches=frozenset((sla, _dt(due)) for sla, due in d["flagged_breaches"]),
        history=tuple(HistoryEntry(h["action"], QueryStatus(h["before"]) if h["before"] else None,
                                   QueryStatus(h["after"]), PartyRole(h["actor_role"]), h["actor_id"], _dt(h["at"]),
                                   h["detail"]) for h in d["history"]),
    )
