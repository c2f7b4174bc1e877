"""Who may raise a query about what, who may see a query, and who may take each step.

- Raising: an officer about anything; a provider only about its own subjects (the subject's
  provider_id is its own); a person, or their representative, only about their own (the subject's
  person_ref is theirs). Only a provider or an officer may dispute an invoice.
- Seeing: officers see every query; a provider sees the queries it raised; a person sees those
  raised by them or by their representative. Queries raised by others about the same subject are
  not shown to them: a person's quality concern is not the provider's to read, and an officer
  mediates.
- Money: an outcome that moves money (credit_note, supplementary_payment) is chosen only by a
  finance officer or finance approver (the officer's login role); above the second-person
  threshold it is only proposed, and a finance approver other than the proposer approves it.
- Steps: officers run the query (acknowledge, assign, investigate, resolve, dispute). The raiser's
  side may add notes, close a resolved query, reopen it and rate it. Effects are reported done or
  failed by the platform (the owning service's event) or by an officer who checked by hand.

Each function answers a `Decision` whose `reason` says why not, in words a user can act on.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.queries import OutcomeKind, PartyRole, SubjectKind
from services.queries.domain.errors import NotEntitled, a
from services.queries.domain.query import Party, Query, Subject


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.allowed

    def enforce(self) -> None:
        """Raise NotEntitled with the reason when not allowed."""
        if not self.allowed:
            raise NotEntitled(self.reason or "not allowed")


ALLOWED = Decision(True)


def refused(reason: str) -> Decision:
    return Decision(False, reason)


def may_raise(party: Party, subject: Subject, disputes_invoice: bool = False) -> Decision:
    """May `party` raise a query about `subject` (and dispute it, when it is an invoice)?"""
    what = f"{subject.kind.value} {subject.subject_id}"
    if party.role == PartyRole.SYSTEM:
        return refused("queries are raised by people: a person, their representative, a provider or an officer")
    if party.role == PartyRole.PROVIDER:
        if subject.provider_id is None:
            return refused(f"provider {party.provider_id} may only raise queries about its own subjects;"
                           f" {what} has no provider")
        if subject.provider_id != party.provider_id:
            return refused(f"provider {party.provider_id} may only raise queries about its own subjects;"
                           f" {what} belongs to another provider")
    if party.acts_for_person and subject.person_ref != party.person_ref:
        return refused(f"{a(party.role.value)} may only raise queries about the person's own care and"
                       f" payments; {what} is not theirs")
    if disputes_invoice and subject.kind == SubjectKind.INVOICE and party.acts_for_person:
        return refused("only the provider or a council officer can dispute an invoice; raise a wrong_charge"
                       " query without disputing it and an officer will decide")
    return ALLOWED


def is_raiser_side(party: Party, query: Query) -> bool:
    """The party is the one who raised the query, or acts for the same provider or person."""
    raiser = query.raised_by
    if raiser.role == PartyRole.PROVIDER:
        return party.role == PartyRole.PROVIDER and party.provider_id == raiser.provider_id
    if raiser.acts_for_person:
        return party.acts_for_person and party.person_ref == raiser.person_ref
    return party.role == raiser.role and party.user_id == raiser.user_id


def may_view(party: Party, query: Query) -> Decision:
    if party.role in (PartyRole.OFFICER, PartyRole.SYSTEM) or is_raiser_side(party, query):
        return ALLOWED
    if party.role == PartyRole.PROVIDER:
        return refused(f"provider {party.provider_id} sees only the queries it raised; query {query.query_id}"
                       " was raised by someone else")
    return refused(f"{a(party.role.value)} sees only the queries they raised (or their representative did);"
                   f" query {query.query_id} was raised by someone else")


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    START_INVESTIGATION = "start_investigation"
    RESOLVE = "resolve"
    APPROVE_OUTCOME = "approve_outcome"
    REJECT_OUTCOME = "reject_outcome"
    DISPUTE_INVOICE = "dispute_invoice"
    ADD_NOTE = "add_note"
    CLOSE = "close"
    REOPEN = "reopen"
    RATE = "rate"
    RECORD_EFFECT_RESULT = "record_effect_result"
    RETRY_EFFECT = "retry_effect"
    FLAG_BREACHES = "flag_breaches"


_OFFICER = frozenset({PartyRole.OFFICER})
# Who may take each step; RAISER means "the raiser's side of this query" (is_raiser_side).
RAISER = "raiser"
PERMITTED: dict[Action, frozenset[object]] = {
    Action.ACKNOWLEDGE: _OFFICER,
    Action.ASSIGN: _OFFICER,
    Action.START_INVESTIGATION: _OFFICER,
    Action.RESOLVE: _OFFICER,
    Action.APPROVE_OUTCOME: _OFFICER,  # and a finance approver other than the proposer: may_approve
    Action.REJECT_OUTCOME: _OFFICER,  # and a finance approver: may_approve
    Action.DISPUTE_INVOICE: _OFFICER,
    Action.ADD_NOTE: frozenset({PartyRole.OFFICER, RAISER}),
    Action.CLOSE: frozenset({PartyRole.OFFICER, RAISER}),
    Action.REOPEN: frozenset({PartyRole.OFFICER, RAISER}),
    Action.RATE: frozenset({RAISER}),
    Action.RECORD_EFFECT_RESULT: frozenset({PartyRole.SYSTEM, PartyRole.OFFICER}),
    Action.RETRY_EFFECT: _OFFICER,
    Action.FLAG_BREACHES: frozenset({PartyRole.SYSTEM}),
}


_WHO = {RAISER: "whoever raised the query", PartyRole.OFFICER: "an officer", PartyRole.SYSTEM: "the platform"}


def may_take(party: Party, action: Action, query: Query) -> Decision:
    allowed = PERMITTED[action]
    if party.role in allowed or (RAISER in allowed and is_raiser_side(party, query)):
        return ALLOWED
    who = " or ".join(sorted(_WHO[w] for w in allowed))
    return refused(f"only {who} may {action.value.replace('_', ' ')} (query {query.query_id});"
                   f" {a(party.role.value)} may not")


# Login roles (shared.auth.ROLES) that may decide a query moves money, and the one that approves.
FINANCE_ROLES = frozenset({"finance_officer", "finance_approver"})
APPROVER_ROLE = "finance_approver"


def may_move_money(party: Party, kind: OutcomeKind, query: Query) -> Decision:
    """Only finance chooses an outcome that moves money (a credit note, a supplementary payment)."""
    if party.role == PartyRole.OFFICER and party.login_role in FINANCE_ROLES:
        return ALLOWED
    who = party.login_role or party.role.value
    return refused(f"only a finance officer or finance approver may resolve query {query.query_id} with"
                   f" {a(kind.value)} outcome: it moves money; {a(who)} may not (choose another outcome,"
                   " or pass the query to finance)")


def may_approve(party: Party, query: Query, *, approving: bool = True) -> Decision:
    """A finance approver decides on a proposed money-moving outcome; approving needs a second person:
    not the finance officer who proposed it."""
    verb = "approve" if approving else "reject"
    if party.role != PartyRole.OFFICER or party.login_role != APPROVER_ROLE:
        who = party.login_role or party.role.value
        return refused(f"only a finance approver may {verb} the outcome proposed on query {query.query_id};"
                       f" {a(who)} may not")
    proposal = query.proposal
    if approving and proposal is not None and proposal.proposed_by.user_id == party.user_id:
        return refused(f"the outcome of query {query.query_id} was proposed by {party.user_id}: a second finance"
                       " approver, not the proposer, must approve it")
    return ALLOWED
