"""Field types of the queries API's request bodies: each takes exactly what its JSON Schema says, no more.

pydantic's lax mode would take a number of seconds as a time, "true" or 1 as a boolean, "5" as a number and
"2026-04-06T00:00:00" as a date, all of which the document calls invalid; and its strict mode would refuse
5.0, which JSON Schema calls an integer. These refuse what the document refuses (422 naming the field).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator

from shared.bounds import text
from shared.clock import PlausibleDate

# Text a client writes: it must say something (not only spaces) and hold no NUL (shared.bounds).
Prose = text(10_000, 1, says_something=True)  # a description, a note, a resolution's summary
ReasonText = text(1000, 1, says_something=True)
DocumentRef = text(500, 1, says_something=True)  # where a document is held
SubjectId = text(200, 1, says_something=True)
TeamName = text(100, 1, says_something=True)
OfficerId = text(200, 1, says_something=True)
MediaType = text(100)  # a document's, e.g. application/pdf: may be left empty
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")


def whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number (a JSON number, not text or true/false)")
    return value  # 5.0 is 5; 5.5 is refused as not whole


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date as yyyy-mm-dd")


def _instant(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and RFC3339.fullmatch(value)):
        return value
    raise ValueError("must be a date and time with its offset, e.g. 2026-03-02T09:00:00Z (RFC 3339)")


WholeNumber = Annotated[int, BeforeValidator(whole_number)]
# A date within shared.clock's plausible window of today, as yyyy-mm-dd.
PlausibleDay = Annotated[PlausibleDate, BeforeValidator(_iso_date)]
# An instant with its offset (a naive time is refused: it is ambiguous).
Instant = Annotated[AwareDatetime, BeforeValidator(_instant)]
