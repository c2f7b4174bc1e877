"""How the agreements domain refuses: a change that breaks a rule (which field, which rule), or a caller
who may not make it."""
from __future__ import annotations

from shared.errors import NotEntitled, RuleBroken


class Rejected(RuleBroken):
    """A change the rules do not allow. The API answers 422 naming `field` and `rule`."""


class NotAllowed(NotEntitled):
    """The caller may not do this to this record, e.g. approve their own request (HTTP 403, saying why)."""
