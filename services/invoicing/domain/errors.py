"""How the invoicing domain refuses: a step the state does not allow, or input it cannot use."""
from __future__ import annotations


class IllegalTransition(Exception):
    """A step the invoice's current state does not allow (HTTP 409); the message says why and what can be done."""


class InvalidInvoiceInput(ValueError):
    """Input that breaks a rule (HTTP 422): names the field and the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class NothingToInvoice(Exception):
    """The agreement has nothing payable in the period, so no invoice is raised (not an error to the provider)."""
