"""The one way the agreements domain refuses a change: which field, and which rule it breaks."""
from __future__ import annotations

from shared.errors import RuleBroken


class Rejected(RuleBroken):
    """A change the rules do not allow. The API answers 422 naming `field` and `rule`."""
