"""What a query is: who raised it, about which subject, and everything that has happened to it.

Plain data. The steps that change a query are in `lifecycle` and `effects`; who may
take them is in `entitlement`; its clocks are in `sla`. Times are aware datetimes,
held in UTC; the caller passes "now" in, so every rule can be tested at any instant.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from contracts.queries import PartyRole, QueryCategory, QueryEvent, SubjectKind
from services.queries.domain.errors import InvalidQuery, a, required_text
from services.queries.domain.outcomes import Effect, Outcome
from services.queries.domain.sla import SlaPolicy

MAX_ATTACHMENTS = 20


class QueryStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    # Resolved by a finance officer with a money-moving outcome above the second-person threshold:
    # nothing is requested until a different finance approver approves it.
    AWAITING_APPROVAL = "awaiting_approval"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


@dataclass(frozen=True)
class Party:
    """Someone acting on a query: the side they act for and the identity that side is limited to.

    The API maps its principal here: a `provider` token -> provider(provider_id); a `person`
    token -> person or representative(person_ref); any officer role -> officer, keeping the login
    role (`login_role`, e.g. finance_approver): outcomes that move money are decided by it.
    """

    role: PartyRole
    user_id: str
    provider_id: str | None = None
    person_ref: str | None = None
    login_role: str | None = None  # an officer's login role (shared.auth.ROLES); None: not known

    def __post_init__(self) -> None:
        required_text(self.user_id, "user_id", 200)
        if self.role == PartyRole.PROVIDER and not self.provider_id:
            raise InvalidQuery("provider_id", "a provider acts only as a named provider")
        if self.role in (PartyRole.PERSON, PartyRole.REPRESENTATIVE) and not self.person_ref:
            raise InvalidQuery("person_ref", f"{a(self.role.value)} acts only for a named person")

    @classmethod
    def person(cls, user_id: str, person_ref: str) -> "Party":
        return cls(PartyRole.PERSON, user_id, person_ref=person_ref)

    @classmethod
    def representative(cls, user_id: str, person_ref: str) -> "Party":
        return cls(PartyRole.REPRESENTATIVE, user_id, person_ref=person_ref)

    @classmethod
    def provider(cls, user_id: str, provider_id: str) -> "Party":
        return cls(PartyRole.PROVIDER, user_id, provider_id=provider_id)

    @classmethod
    def officer(cls, user_id: str, login_role: str | None = None) -> "Party":
        return cls(PartyRole.OFFICER, user_id, login_role=login_role)

    @classmethod
    def system(cls, name: str) -> "Party":
        return cls(PartyRole.SYSTEM, f"system:{name}")

    @property
    def acts_for_person(self) -> bool:
        return self.role in (PartyRole.PERSON, PartyRole.REPRESENTATIVE)


# Which owner facts each kind of subject always has (supplied by the caller, who looked it up).
OWNERS_REQUIRED: dict[SubjectKind, tuple[str, ...]] = {
    SubjectKind.VISIT: ("provider_id", "person_ref"),
    SubjectKind.AGREEMENT: ("person_ref",),  # a direct-payment agreement has no provider
    SubjectKind.INVOICE: ("provider_id",),
    SubjectKind.PAYMENT: ("provider_id",),
    SubjectKind.DIRECT_PAYMENT: ("person_ref",),
    SubjectKind.PERIOD_ACTUALS: ("provider_id",),
}


@dataclass(frozen=True)
class Subject:
    """The one thing a query is about, with the owner facts entitlement is decided on."""

    kind: SubjectKind
    subject_id: str
    provider_id: str | None = None
    person_ref: str | None = None

    def __post_init__(self) -> None:
        required_text(self.subject_id, "subject_id", 200)
        for owner in OWNERS_REQUIRED[self.kind]:
            if not getattr(self, owner):
                raise InvalidQuery(owner, f"required for {a(self.kind.value)} subject: whose it is decides"
                                          " who may query it")


@dataclass(frozen=True)
class Attachment:
    """A document held elsewhere (document store), by reference only."""

    ref: str
    media_type: str | None = None

    def __post_init__(self) -> None:
        required_text(self.ref, "attachments.ref", 500)


@dataclass(frozen=True)
class Note:
    note_id: str
    author: Party
    at: datetime
    text: str


@dataclass(frozen=True)
class Assignment:
    team: str | None = None
    officer_id: str | None = None

    def __post_init__(self) -> None:
        if not (self.team or "").strip() and not (self.officer_id or "").strip():
            raise InvalidQuery("assignment", "name a team, an officer, or both")


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded step: what, who (role and user id), when, and the status either side."""

    action: str
    before: QueryStatus | None
    after: QueryStatus
    actor_role: PartyRole
    actor_id: str
    at: datetime
    detail: str | None = None


@dataclass(frozen=True)
class Proposal:
    """A money-moving outcome one finance officer chose, awaiting a different finance approver."""

    outcome: Outcome
    summary: str
    proposed_by: Party
    proposed_at: datetime


@dataclass(frozen=True)
class Query:
    query_id: str
    subject: Subject
    category: QueryCategory
    description: str
    raised_by: Party
    raised_at: datetime
    sla: SlaPolicy  # fixed when raised, so a later policy change never moves a running deadline
    status: QueryStatus = QueryStatus.OPEN
    disputes_invoice: bool = False
    dispute_open: bool = False
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[Note, ...] = ()
    assignment: Assignment | None = None
    acknowledged_at: datetime | None = None
    clock_started_at: datetime | None = None  # raised_at, or the latest reopening (resolve SLA)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    resolution_summary: str | None = None
    effect: Effect | None = None
    earlier_effects: tuple[Effect, ...] = ()
    proposal: Proposal | None = None  # set while awaiting_approval
    rating: int | None = None
    flagged_breaches: frozenset[tuple[str, datetime]] = frozenset()
    history: tuple[HistoryEntry, ...] = field(default=())

    @property
    def resolve_clock_start(self) -> datetime:
        return self.clock_started_at or self.raised_at


@dataclass(frozen=True)
class Step:
    """A query after one step, and the events the caller publishes in the same transaction."""

    query: Query
    events: tuple[QueryEvent, ...] = ()
