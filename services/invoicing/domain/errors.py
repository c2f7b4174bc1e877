"""How the invoicing domain refuses: a step the state does not allow, or input it cannot use.

Both extend the shared refusals, so the runtime answers them 409 / 422 with no handler of ours.
"""
from __future__ import annotations

from shared.errors import IllegalState, RuleBroken


class IllegalTransition(IllegalState):
    """A step the invoice's current state does not allow (HTTP 409); the message says why and what can be done."""


class InvalidInvoiceInput(RuleBroken):
    """Input that breaks a rule (HTTP 422): names the field and the rule."""


class NothingToInvoice(Exception):
    """The agreement has nothing payable in the period, so no invoice is raised (not an error to the provider)."""
