"""The team or locality a request names: where the person is cared for from, which the council's
cost-centre rule (agreements) turns into the cost centre their care is charged to."""
from __future__ import annotations

import re

from services.requests.domain.errors import InvalidInput

MAX_LOCALITY = 40
_LOCALITY = re.compile(r"[A-Za-z0-9 \-]{1,40}")
LOCALITY_RULE = ("must be 1-40 letters, digits, spaces or hyphens, with a letter or digit (a team or locality "
                 "name such as 'North' or 'East-2')")


def clean_locality(value: str | None) -> str | None:
    """None when not given; otherwise 1-40 letters, digits, spaces or hyphens once the outer spaces
    are trimmed, with at least one letter or digit (else InvalidInput naming `locality`)."""
    if value is None:
        return None
    text = value.strip()
    if not _LOCALITY.fullmatch(text) or not any(ch.isalnum() for ch in text):
        raise InvalidInput("locality", f"{LOCALITY_RULE}; got {len(value)} characters")
    return text
