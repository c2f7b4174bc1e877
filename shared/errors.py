"""The ways a domain says no, shared by every service, and how the HTTP layer answers them.

Domains raise these (they are pure: nothing here imports HTTP); `shared.error_handlers.install_error_handlers`
turns them into 422 / 409 / 403 problems (shared.problems) that say what was wrong and where. Each takes an
optional `code=`, the stable snake_case code of the problem answered (else the status's default:
invalid_request, conflict, forbidden); a subclass may set `code` as a class attribute instead.
"""
from __future__ import annotations


class RuleBroken(ValueError):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""

    code: str | None = None

    def __init__(self, field: str, rule: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
        if code is not None:
            self.code = code


class IllegalState(Exception):
    """A step the current state does not allow (HTTP 409); the message says the state and what is allowed.
    `field` names the part of the request that met the state (`agreement_id`, `planned_start`), if one did."""

    code: str | None = None
    field: str | None = None

    def __init__(self, *args: object, code: str | None = None, field: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field


class NotEntitled(Exception):
    """The caller may not do this to this record (HTTP 403); the message says why."""

    code: str | None = None

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code
