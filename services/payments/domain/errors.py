"""How the payments domain refuses: which field, and which rule it breaks.

The wiring maps the three kinds to HTTP: `PaymentRefused` 422, `NotPermitted` 403, `RunConflict` 409.
"""
from __future__ import annotations


class PaymentRefused(Exception):
    """A request the payment rules do not allow; `field` names what was wrong, `rule` what to do."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NotPermitted(PaymentRefused):
    """The caller's role or identity may not do this (e.g. approving their own run)."""


class RunConflict(PaymentRefused):
    """The run's state forbids it (e.g. changing or approving an approved run)."""
