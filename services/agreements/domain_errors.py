"""The one way the agreements domain refuses a change: which field, and which rule it breaks."""
from __future__ import annotations


class Rejected(Exception):
    """A change the rules do not allow. The API answers 422 naming `field` and `rule`."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
