"""How the agreements domain refuses:
- `Rejected`: the request itself breaks a rule, whatever is stored (which field, which rule): HTTP 422;
- `Conflict`: a well-formed request that what is stored does not allow now (the record's status, its dates,
  a record it names that is not there, a duplicate): HTTP 409, naming the field when one is concerned;
- `NotAllowed`: the caller may not make the change: HTTP 403."""
from __future__ import annotations

from shared.errors import IllegalState, NotEntitled, RuleBroken


class Rejected(RuleBroken):
    """A change the rules do not allow, whatever is stored. The API answers 422 naming `field` and `rule`."""


class Conflict(IllegalState):
    """A change the current state does not allow. The API answers 409 with `code`, naming `field` (the part of
    the request concerned; None when it is the record's own state, e.g. its status) and `rule`."""

    def __init__(self, field: str | None, rule: str, *, code: str = "conflict") -> None:
        super().__init__(f"{field}: {rule}" if field else rule, code=code)
        self.field = field
        self.rule = rule


class NotAllowed(NotEntitled):
    """The caller may not do this to this record, e.g. approve their own request (HTTP 403, saying why)."""
