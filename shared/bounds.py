"""Bounded strings and lists for what a client sends: one vocabulary for every service's request models.

Every string and list an HTTP route accepts carries a bound, so an over-long value is refused at the
edge (422, `loc` naming the field) instead of reaching a row, an outbox event or a log line. The
bounds comfortably fit every genuine value: the platform's own ids are under 30 characters
(`AGR-` + 12 hex), a person_ref at most 40, provider-issued visit and carer ids well under 200.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

# An id the platform issues or a client's short reference (agreement, invoice, provider, run, rate card).
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# A longer key: a query's subject (`<agreement_id>/<week_start>`), a visit key, a provider's visit or carer id.
Key = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# A name of a person, a provider, a team or a media type.
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# Why, in the actor's words: kept with the audit record.
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
# Free text that must say something.
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
# Free text that may be empty (a line's description).
Description = Annotated[str, StringConstraints(max_length=2000)]
# A query-string filter (an id, a status, a kind, a cursor): may be empty, as a form leaves it.
Filter = Annotated[str, StringConstraints(max_length=200)]

MAX_INVOICE_LINES = 10_000  # lines of one JSON invoice: the demo council's busiest home care provider sends
# ~600 a week at its default size, and a provider's own four-weekly invoice can run to thousands; a larger
# one comes as a CSV file
MAX_LINE_FIELDS = 30  # keys of one invoice line as sent (LineIn has 9)
MAX_IDS = 1000  # ids named in one request (providers or invoices to pay in a run)
MAX_ATTACHMENTS = 50  # documents attached to one query
MAX_FILTER_VALUES = 50  # values of one repeated query parameter
