"""Bounded strings and lists for what a client sends: one vocabulary for every service's request models.

Every string and list an HTTP route accepts carries a bound, so an over-long value is refused at the
edge (422, `loc` naming the field) instead of reaching a row, an outbox event or a log line. The
bounds comfortably fit every genuine value: the platform's own ids are under 30 characters
(`AGR-` + 12 hex), a person_ref at most 40, provider-issued visit and carer ids well under 200.

Every string of the vocabulary also refuses a NUL character (U+0000), which Postgres text cannot hold:
the model refuses it (422 `nul_character` naming the field) and the published schema says so (`pattern`
NO_NUL), so a request the document calls valid is never refused by the database. Text that must say
something (`text(..., says_something=True)`) needs a character `str.strip()` keeps (pattern SAYS_SOMETHING).
A string with a stricter pattern of its own (an id such as `^PRV-…$`, a date, an enum) needs neither.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic_core import PydanticCustomError, core_schema

# Text Postgres can keep: no NUL character.
NO_NUL = r"^[^\x00]*$"
# The characters str.strip() trims (str.isspace()), spelt out: a regex's \s differs between engines (pydantic's
# leaves out \x1c-\x1f, JavaScript's takes \ufeff), so the document's readers and the service would disagree.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text that says something and holds no NUL: a character that is neither NUL nor one str.strip() trims.
SAYS_SOMETHING = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
NUL_RULE = "may not contain a NUL character (\\u0000, %00): remove it"
BLANK_RULE = "must say something: not only spaces"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_RULE)
    return value


def _says_something(value: str) -> str:
    _no_nul(value)
    if not value.strip():
        raise PydanticCustomError("blank", BLANK_RULE)
    return value


class TextRule:
    """Annotated metadata on a `str`: the model checks the text with `check` (a 422 naming the field, type and
    message its own) and the JSON schema states the same rule as `pattern`. A string schema holds one pattern,
    so a type with a pattern of its own takes none of these."""

    def __init__(self, pattern: str, check: Callable[[str], str]) -> None:
        self.pattern = pattern
        self.check = check

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        json_schema = handler(schema)
        if json_schema.get("pattern", self.pattern) != self.pattern:
            raise TypeError(f"a string with the pattern {json_schema['pattern']!r} cannot take {self.pattern!r} too:"
                            " give it one pattern that refuses NUL")
        return {**json_schema, "pattern": self.pattern}


NOT_NUL = TextRule(NO_NUL, _no_nul)
NOT_BLANK = TextRule(SAYS_SOMETHING, _says_something)


def text(max_length: int, min_length: int = 0, *, says_something: bool = False) -> Any:
    """A string of `min_length` to `max_length` characters with no NUL; with `says_something`, not only spaces."""
    return Annotated[str, StringConstraints(min_length=min_length or None, max_length=max_length),
                     NOT_BLANK if says_something else NOT_NUL]


# An id the platform issues or a client's short reference (agreement, invoice, provider, run, rate card).
Reference = text(64, 1)
# A longer key: a query's subject (`<agreement_id>/<week_start>`), a visit key, a provider's visit or carer id.
Key = text(200, 1)
# A name of a person, a provider, a team or a media type.
Name = text(200, 1)
# Why, in the actor's words: kept with the audit record.
Reason = text(1000, 1)
# Free text that must say something.
Text = text(2000, 1)
# Free text that may be empty (a line's description).
Description = text(2000)
# A query-string filter (an id, a status, a kind, a cursor): may be empty, as a form leaves it.
Filter = text(200)
# Every id a route takes in its path (provider refs, invoice ids, ...) is far shorter: a longer segment is
# refused (shared.limits) before any route stores or echoes it.
MAX_PATH_SEGMENT = 200
# An id in a path.
PathId = text(MAX_PATH_SEGMENT, 1)

MAX_INVOICE_LINES = 10_000  # lines of one JSON invoice: the demo council's busiest home care provider sends
# ~600 a week at its default size, and a provider's own four-weekly invoice can run to thousands; a larger
# one comes as a CSV file
MAX_LINE_FIELDS = 30  # keys of one invoice line as sent (LineIn has 9)
MAX_IDS = 1000  # ids named in one request (providers or invoices to pay in a run)
MAX_ATTACHMENTS = 50  # documents attached to one query
MAX_FILTER_VALUES = 50  # values of one repeated query parameter
