"""The ways a domain says no, shared by every service, and how the HTTP layer answers them.

Domains raise these (they are pure: nothing here imports HTTP); `shared.http.install_error_handlers`
turns them into 422 / 409 / 403 answers that say what was wrong and where.
"""
from __future__ import annotations


class RuleBroken(ValueError):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class IllegalState(Exception):
    """A step the current state does not allow (HTTP 409); the message says the state and what is allowed."""


class NotEntitled(Exception):
    """The caller may not do this to this record (HTTP 403); the message says why."""
