"""A person's statement as a simple, readable HTML page (everything escaped)."""
from __future__ import annotations

from html import escape
from typing import Any

from services.reporting.domain.statement import long_date

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
          "color:#1b1b1b}h1{font-size:1.6rem}li{margin:.4rem 0}.note{color:#555;font-size:.9rem}"
          "li ul{margin:.2rem 0}")


def _contributions(statement: dict[str, Any]) -> str:
    items = "".join(f"<li>{escape(c['sentence'])}<br><span class=\"note\">{escape(c['reason'])}</span></li>"
                    for c in statement["contributions"])
    return f"<h2>What you are charged towards your care</h2><ul>{items}</ul>" if items else ""


def _isf(statement: dict[str, Any]) -> str:
    items = []
    for period in statement["isf"]:
        bought = [escape(s["sentence"]) for s in period["by_support"]]
        if period["subcontractors_sentence"]:
            bought.append(escape(period["subcontractors_sentence"]))
        details = f"<ul>{''.join(f'<li>{b}</li>' for b in bought)}</ul>" if bought else ""
        items.append(f"<li>{escape(period['sentence'])}{' What it bought:' if bought else ''}{details}</li>")
    return f"<h2>What your individual service fund bought</h2><ul>{''.join(items)}</ul>" if items else ""


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
            + _contributions(statement) + _isf(statement)
            + f"{notes}</body></html>")
