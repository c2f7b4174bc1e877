"""How the payments domain refuses: which field, and which rule it breaks.

Each extends the shared refusal the runtime already answers: `PaymentRefused` (a rule) 422,
`NotPermitted` (role or identity) 403, `RunConflict` (the run's state) 409. All carry
`field` and `rule`.
"""
from __future__ import annotations

from shared.errors import IllegalState, NotEntitled, RuleBroken


class PaymentRefused(RuleBroken):
    """A request the payment rules do not allow; `field` names what was wrong, `rule` what to do."""


class NotPermitted(NotEntitled):
    """The caller's role or identity may not do this (e.g. approving their own run)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


class RunConflict(IllegalState):
    """The run's state forbids it (e.g. changing or approving an approved run)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule
