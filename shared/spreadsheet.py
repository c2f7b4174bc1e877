"""Cells written to CSV or spreadsheet exports (formula injection).

A cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return that a spreadsheet strips
before reading one) is run as a formula when a user opens the export in Excel. Anything that came
from outside (provider files, free text) goes through `safe_cell` before it is written anywhere a
spreadsheet may read it, including error reports that quote a bad value.
"""
from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text a spreadsheet shows literally: a leading `'` defuses a formula trigger.

    `safe_cell("=HYPERLINK(...)") == "'=HYPERLINK(...)"`; `safe_cell(None) == ""`; plain values
    are unchanged. Numbers are passed as numbers by callers that need them; this is for text.
    """
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_row(values: list[object] | tuple[object, ...]) -> list[str]:
    """Every cell of a row made safe (see `safe_cell`)."""
    return [safe_cell(v) for v in values]
