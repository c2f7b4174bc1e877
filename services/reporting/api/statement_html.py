"""A person's statement as a simple, readable HTML page (everything escaped)."""
from __future__ import annotations

from html import escape
from typing import Any

from services.reporting.domain.statement import long_date

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
          "color:#1b1b1b}h1{font-size:1.6rem}li{margin:.4rem 0}.note{color:#555;font-size:.9rem}")


def render(statement: dict[str, Any]) -> str:
    paragraphs = "".join(f"<p>{escape(s)}</p>" for s in statement["sentences"])
    lines = "".join(f"<li>{escape(line['sentence'])}</li>" for line in statement["lines"])
    notes = "".join(f"<p class=\"note\">{escape(n)}</p>" for n in statement["notes"])
    period = f"{long_date(statement['from'])} to {long_date(statement['to'])}"
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>Your care statement, {escape(period)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>Your care statement</h1>"
            f"<p class=\"note\">Reference {escape(statement['person_ref'])}</p>{paragraphs}"
            + (f"<h2>Your care, service by service</h2><ul>{lines}</ul>" if lines else "")
            + f"{notes}</body></html>")
