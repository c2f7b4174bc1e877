"""Numbers of the invoices the council raises: gapless per provider and series, `SB-<provider>-000123`.

The series are `SB` (self-billed and supplementary invoices), `SC` (scheduled invoices), `CN`
(credit notes) and `IA` (ISF advances), the prefixes contracts/invoicing.py announces; each has its
own sequence.
This module is the pure contract; the wiring keeps one row per (provider, series) holding the last
number issued and, in the same transaction as the invoices it numbers, does
    UPDATE invoice_number_sequence SET last_issued = last_issued + $count
    WHERE provider_ref = $1 AND series = $2 RETURNING last_issued
The row lock makes concurrent workers wait their turn (no number issued twice) and a crash rolls
back the numbers with the invoices (no gap). Never use a database SEQUENCE: it leaves gaps.
"""
from __future__ import annotations

import re
from enum import StrEnum

WIDTH = 6


class Series(StrEnum):
    SELF_BILLED = "SB"
    SCHEDULED = "SC"
    CREDIT_NOTE = "CN"
    ISF_ADVANCE = "IA"


_PROVIDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_NUMBER = re.compile(r"^(?P<series>SB|SC|CN|IA)-(?P<provider>[A-Za-z0-9][A-Za-z0-9-]*)-(?P<n>\d{6,})$")


def next_number(last_issued: int | None) -> int:
    """The number after the last one issued (1 for a provider's first)."""
    if last_issued is None:
        return 1
    if last_issued < 0:
        raise ValueError(f"the last number issued cannot be negative ({last_issued})")
    return last_issued + 1


def allocate(last_issued: int | None, count: int) -> tuple[range, int]:
    """`count` consecutive numbers after `last_issued`, and the new last number issued."""
    if count < 0:
        raise ValueError("cannot allocate a negative count of numbers")
    first = next_number(last_issued)
    last = first + count - 1 if count else (last_issued or 0)
    return range(first, first + count), last


def format_number(provider_ref: str, n: int, series: Series = Series.SELF_BILLED) -> str:
    """`format_number("1-123456789", 123) == "SB-1-123456789-000123"` (more digits past 999999)."""
    if not _PROVIDER.match(provider_ref or ""):
        raise ValueError(f"provider reference {provider_ref!r} cannot be part of an invoice number: use letters,"
                         " digits and hyphens")
    if n < 1:
        raise ValueError(f"invoice numbers start at 1, not {n}")
    return f"{series.value}-{provider_ref}-{n:0{WIDTH}d}"


def parse_number(number: str) -> tuple[Series, str, int]:
    """The series, provider and sequence number of a council-raised invoice number."""
    match = _NUMBER.match(number)
    if not match:
        raise ValueError(f"{number!r} is not a council invoice number like SB-<provider>-000123")
    return Series(match["series"]), match["provider"], int(match["n"])


def gaps(numbers: list[int] | set[int], last_issued: int) -> list[int]:
    """Numbers from 1 to `last_issued` that were never issued (an audit check: should be empty)."""
    issued = set(numbers)
    return [n for n in range(1, last_issued + 1) if n not in issued]
