"""What an error may say where others read it (logs, dead-letter headers, /ready, HTTP answers).

An exception's text is not safe to pass on as it is: Postgres puts the row's values in a unique or check
violation's DETAIL ("Key (account_number)=(12345678) already exists"), pydantic quotes the input it
refused, a driver's message can carry the connection URL with its password. `describe(exc)` is the one
way an error leaves the process: its type and its message with personal and bank data masked, bounded.
`redact(text)` masks the same patterns in any text (the log pipeline runs it over every string value).

Masked: sort codes (NN-NN-NN, or six digits), account numbers (eight digits), IBANs, e-mail addresses,
UK postcodes, NHS numbers (ten digits, spaced or not), bearer tokens and JWTs, credentials in URLs and
`password=`-style pairs, pydantic's `input_value=`, and everything a Postgres message puts after DETAIL:.
UUIDs and ISO timestamps are kept whole (their digits are not account numbers).
"""
from __future__ import annotations

import re

DEFAULT_LIMIT = 300
_SCAN_LIMIT = 8000  # what is scanned of a longer text; the rest is dropped
_EDGE = "(?<![0-9A-Za-z])"
_END = "(?![0-9A-Za-z])"
# A number may not be the tail of a reference (AGR-000042, P-0001): those are identifiers, logged on purpose.
_NUMBER = _EDGE + "(?<![A-Za-z]-)"

# Two passes, each run only when a string can hold what it masks (the log pipeline scans every line):
# words and markers first (a DETAIL, a token, an address), then what is made of digits.
_TEXT = re.compile("|".join([
    # Postgres: the row's values (Key (col)=(value), Failing row contains (...)): up to a HINT or a blank line.
    r"(?P<detail>DETAIL:[\s\S]*?(?=\nHINT:|\n\n|\Z))",
    r"(?P<input_value>input_value=[^\n]*?(?=, input_type=|\]|\n|\Z))",
    r"(?P<bearer>(?i:bearer)\s+[A-Za-z0-9._~+/=-]+)",
    rf"(?P<jwt>{_EDGE}eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){{0,2}})",
    r"(?P<url_credentials>(?<=://)[^\s/@:]+:[^\s/@]+@)",
    r"(?P<secret>(?P<secret_key>(?i:password|passwd|pwd|secret|api_key|apikey))\s*[=:]\s*[^\s,;&'\")]+)",
    r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})",
]))
_DIGITS = re.compile("|".join([
    # Kept as they are: identifiers and times whose digits would otherwise look like bank details.
    rf"(?P<uuid>{_EDGE}[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}{_END})",
    r"(?P<timestamp>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)",
    rf"(?P<iban>{_EDGE}[A-Z]{{2}}\d{{2}}(?: ?[A-Z0-9]{{4}}){{2,7}}(?: ?[A-Z0-9]{{1,3}})?{_END})",
    rf"(?P<postcode>{_EDGE}[A-Z]{{1,2}}\d[A-Z\d]? ?\d[A-Z]{{2}}{_END})",
    rf"(?P<nhs_number>{_NUMBER}\d{{3}}[ -]?\d{{3}}[ -]?\d{{4}}{_END})",
    rf"(?P<account_number>{_NUMBER}\d{{8}}{_END})",
    rf"(?P<sort_code>{_NUMBER}\d{{2}}-\d{{2}}-\d{{2}}{_END}|{_NUMBER}\d{{6}}{_END})",
]))
_TWO_DIGITS = re.compile(r"\d\D{0,2}\d")  # every digit pattern has two digits at most two apart

_MASKS = {
    "detail": "DETAIL: [redacted]",
    "input_value": "input_value=[redacted]",
    "bearer": "Bearer [token]",
    "jwt": "[token]",
    "url_credentials": "[credentials]@",
    "email": "[email]",
    "iban": "[iban]",
    "postcode": "[postcode]",
    "nhs_number": "[nhs-number]",
    "account_number": "[account-number]",
    "sort_code": "[sort-code]",
}
_PARTIAL_TAIL = re.compile(r"[0-9A-Za-z@._%+-]+\Z")


def _mask(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "secret" or kind == "secret_key":
        return f"{m.group('secret_key')}=[redacted]"
    mask = _MASKS.get(kind)
    return m.group(0) if mask is None else mask


def redact(text: str) -> str:
    """`text` with personal and bank data, tokens and credentials masked (the text itself when none)."""
    if len(text) > _SCAN_LIMIT:
        # Cut at a token's edge: half an account number is still not for a log.
        text = _PARTIAL_TAIL.sub("", text[:_SCAN_LIMIT]) + " …"
    if len(text) < 6:  # shorter than anything masked
        return text
    if "@" in text or "DETAIL:" in text or "eyJ" in text or "input_value=" in text:
        text = _TEXT.sub(_mask, text)
    else:
        lowered = text.lower()
        if "bearer" in lowered or "pass" in lowered or "pwd" in lowered or "secret" in lowered or "api" in lowered:
            text = _TEXT.sub(_mask, text)
    if _TWO_DIGITS.search(text) is not None:
        text = _DIGITS.sub(_mask, text)
    return text


def describe(error: BaseException | str | None, limit: int = DEFAULT_LIMIT) -> str:
    """A safe short description: the exception's type and its message, masked (see `redact`), at most
    `limit` characters. Text is masked and bounded the same way."""
    if error is None:
        return ""
    if isinstance(error, BaseException):
        message = str(error)
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    else:
        text = str(error)
    text = " ".join(redact(text).split())  # one line
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def kind_of(error: BaseException) -> str:
    """Only the class of a failure, for where not even a masked message belongs (/ready)."""
    return type(error).__name__
