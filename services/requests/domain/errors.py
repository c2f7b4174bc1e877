"""How a request's rules refuse: a broken rule names its field (HTTP 422), a step the state does not
allow says what state the request is in and what it can do from there (HTTP 409)."""
from __future__ import annotations

from shared.errors import IllegalState, RuleBroken


class InvalidInput(RuleBroken):
    """Input that breaks a rule: names the field and the rule (HTTP 422)."""


class IllegalTransition(IllegalState):
    """A step the request's current state does not allow (HTTP 409, code `request_step_not_allowed`); the
    message says the state and what the request can do from it."""

    code = "request_step_not_allowed"
