"""The ways the queries domain says no (each with a message a user can act on), and input checks."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from shared.errors import IllegalState, RuleBroken
from shared.errors import NotEntitled as SharedNotEntitled

MAX_TEXT = 10_000


class InvalidQuery(RuleBroken):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""


class NotEntitled(SharedNotEntitled):
    """The party may not do this to this query or subject (HTTP 403); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotKnown(LookupError):
    """The request names something this service has not heard of (HTTP 404 naming `field` of the body, with a
    specific `code`): it may be known later, once its owning service has published it."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field, self.code = field, code


class UnknownSubject(NotKnown):
    """A query about a subject this service has not heard of from its owning service."""

    def __init__(self, kind: str, subject_id: str) -> None:
        super().__init__("subject_id", "subject_not_found",
                         f"no {kind} {subject_id} is known to queries: check the id and kind (a subject is known once"
                         f" its own service has published {a(kind)})")
        self.kind, self.subject_id = kind, subject_id


class IllegalTransition(IllegalState):
    """A step the query's state does not allow (HTTP 409): names the state and what may come next."""

    def __init__(self, query_id: str, status: str, attempted: str, allowed: Iterable[str], why: str = "") -> None:
        self.query_id, self.status, self.attempted = query_id, status, attempted
        self.allowed = tuple(allowed)
        self.why = why
        options = " or ".join(self.allowed) or "nothing"
        because = f" because {why}" if why else ""
        super().__init__(f"query {query_id} is {status}, so it cannot be {attempted}{because};"
                         f" from {status} it can move to {options}")


def utc(at: datetime, what: str = "at") -> datetime:
    """An aware instant in UTC; a naive one is refused rather than guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidQuery(what, "must carry a timezone (UTC, or an offset); a naive time is ambiguous")
    return at.astimezone(timezone.utc)


def required_text(value: str | None, what: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidQuery(what, "required: must not be blank")
    if len(text) > limit:
        raise InvalidQuery(what, f"at most {limit} characters (got {len(text)})")
    return text


def a(word: str) -> str:
    """'a visit', 'an invoice': for messages about subjects."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
