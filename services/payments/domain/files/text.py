"""Text as bank files accept it."""
from __future__ import annotations

import unicodedata

BACS_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/- ")
ISO_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+& ")


def _folded(value: str) -> str:
    """Accents dropped: 'Zoë Brontë' -> 'Zoe Bronte' (what the bank would show anyway)."""
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")


def bacs_text(value: str, width: int) -> str:
    """Upper case in the Bacs character set (A-Z 0-9 . & / - space), others as spaces; cut or
    space-padded to exactly `width`."""
    text = "".join(c if c in BACS_ALLOWED else " " for c in _folded(value).upper()).strip()
    return text[:width].ljust(width)


def iso_text(value: str, max_length: int) -> str:
    """Latin characters banks accept in ISO 20022 text, others as spaces, at most `max_length`."""
    text = " ".join("".join(c if c in ISO_ALLOWED else " " for c in _folded(value)).split())
    return text[:max_length].rstrip() or "-"
