"""Dashboard sections of money over time: spend by service type, provider and mechanism, and payment timeliness.

Each function takes the reporting API's JSON answers (exactly as a client receives them) and returns
HTML with inline SVG charts; the figures behind each chart follow it in a closed <details> table.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode

from shared.money import format_gbp
from services.reporting.domain.mechanisms import LABELS as MECHANISM_LABELS, MECHANISMS
from services.reporting.domain.periods import periods
from services.reporting.domain.svg_charts import (compact_gbp, legend, series_colours, share_ring, stacked_columns)

MEASURES = {"paid": "Paid", "invoiced": "Invoiced", "delivered": "Delivered", "committed": "Committed"}
TOP_PROVIDERS = 8
OTHERS = "All other providers"


def period_label(kind: str, start: date) -> str:
    return f"{start:%b %y}" if kind == "month" else f"{start.day} {start:%b}"


def figures_table(caption: str, header: list[str], rows: list[list[str]]) -> str:
    """The numbers behind a chart, for anyone who would rather read them (and for screen readers)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<details class="figures"><summary>Figures: {escape(caption)}</summary>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>")


def _spend_series(answer: dict[str, Any], measure: str,
                  top: int | None) -> tuple[list[date], list[tuple[str, list[int]]]]:
    """Periods of the range, and one series of `measure` per group (the biggest `top`, then the rest together)."""
    starts = [start for start, _ in periods(answer["period"], date.fromisoformat(answer["from"]),
                                            date.fromisoformat(answer["to"]))]
    index = {s: i for i, s in enumerate(starts)}
    by_group: dict[str | None, list[int]] = defaultdict(lambda: [0] * len(starts))
    labels: dict[str | None, str] = {}
    for row in answer["rows"]:
        by_group[row["group"]][index[date.fromisoformat(row["period_start"])]] += row[f"{measure}_pence"]
        labels[row["group"]] = row["label"]
    ranked = sorted(((labels[g], values) for g, values in by_group.items() if any(values)),
                    key=lambda kv: (-sum(kv[1]), kv[0]))
    if top is not None and len(ranked) > top:
        rest = [sum(col) for col in zip(*(values for _, values in ranked[top - 1:]))]
        ranked = ranked[:top - 1] + [(OTHERS, rest)]
    return starts, ranked


def spend_chart(answer: dict[str, Any], measure: str, *, grouped: str, top: int | None = None) -> str:
    starts, series = _spend_series(answer, measure, top)
    kind, name = answer["period"], MEASURES[measure].lower()
    labels = [period_label(kind, s) for s in starts]
    colours = series_colours([n for n, _ in series], OTHERS)
    title = f"{MEASURES[measure]} by {grouped}, by {kind}"
    total = sum(sum(v) for _, v in series)
    svg = stacked_columns(labels, series, title=title, fmt=format_gbp, axis_fmt=compact_gbp, colours=colours,
                          desc=f"Stacked columns, one per {kind} from {answer['from']} to {answer['to']}: "
                               f"{format_gbp(total)} {name} in all, split by {grouped}.")
    rows = [[name_, *(format_gbp(v) for v in values), format_gbp(sum(values))] for name_, values in series]
    return (f'<figure class="chart-box"><figcaption>{escape(title)}</figcaption>{svg}'
            f"{legend([n for n, _ in series], colours)}"
            f"{figures_table(title, [grouped.capitalize(), *labels, 'Total'], rows)}</figure>")


def view_href(measure: str, period: str, mechanism: str = "") -> str:
    """The dashboard's address for a view: a measure, a period and the mechanisms it is limited to."""
    return "/?" + urlencode({"measure": measure, "period": period, **({"mechanism": mechanism} if mechanism else {})})


def _link(href: str, text: str, current: bool) -> str:
    return f'<a href="{escape(href)}"{" aria-current=page" if current else ""}>{escape(text)}</a>'


def spend_section(by_service: dict[str, Any], by_provider: dict[str, Any], by_mechanism: dict[str, Any],
                  measure: str, period: str, mechanism: str = "") -> str:
    """Totals, then the chosen measure by service type, provider and mechanism; each limited to `mechanism`
    (a comma list) when given."""
    totals = by_service["totals"]
    tiles = "".join(f'<div class="tile"><dt>{escape(label)}</dt><dd data-figure="{key}_pence">'
                    f'{format_gbp(totals[f"{key}_pence"])}</dd></div>' for key, label in MEASURES.items())
    links = " ".join(_link(view_href(key, period, mechanism), label, key == measure) for key, label in MEASURES.items())
    periods_ = " ".join(_link(view_href(measure, kind, mechanism), f"By {kind}", kind == period)
                        for kind in ("month", "week"))
    only = " ".join([_link(view_href(measure, period), "All", not mechanism)] + [
        _link(view_href(measure, period, key), MECHANISM_LABELS[key], key == mechanism) for key in MECHANISMS])
    return (f'<p class="range">From {by_service["from"]} to {by_service["to"]}</p>'
            f'<dl class="tiles">{tiles}</dl>'
            f'<nav class="switch" aria-label="Which figure to chart">Chart: {links} <span>|</span> {periods_}</nav>'
            f'<nav class="switch" aria-label="Which mechanisms to count">Mechanism: {only}</nav>'
            f'<div class="pair">{spend_chart(by_service, measure, grouped="service type")}'
            f'{spend_chart(by_provider, measure, grouped="provider", top=TOP_PROVIDERS)}</div>'
            f'<div class="pair">{spend_chart(by_mechanism, measure, grouped="mechanism")}</div>')


def payments_section(prompt: dict[str, Any]) -> str:
    overall = prompt["overall"]
    pct, days = overall["paid_within_30_days_pct"], overall["average_days_to_pay"]
    ring = share_ring(pct, title="Invoices paid within 30 days",
                      caption=f"{'No' if pct is None else f'{pct:g}%'} of {overall['invoices_paid']} invoices paid "
                              f"from {prompt['from']} to {prompt['to']} were paid within 30 days of receipt.")
    awaiting = prompt["awaiting_payment"]
    overdue_n = sum(a["overdue_invoices"] for a in awaiting)
    facts = [("Average days to pay", "–" if days is None else f"{days:g} days"),
             ("Invoices paid", f"{overall['invoices_paid']:,}"),
             ("Value paid", format_gbp(overall["value_paid_pence"])),
             ("Awaiting payment", f"{sum(a['invoices'] for a in awaiting):,} invoices, "
                                  f"{format_gbp(sum(a['value_pence'] for a in awaiting))}"),
             ("Past their due date", f"{overdue_n:,} invoices, "
                                     f"{format_gbp(sum(a['overdue_value_pence'] for a in awaiting))}")]
    dl = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    months = [start for start, _ in periods("month", date.fromisoformat(prompt["from"]),
                                            date.fromisoformat(prompt["to"]))]
    within, after = [0] * len(months), [0] * len(months)
    index = {m: i for i, m in enumerate(months)}
    for row in prompt["by_provider_month"]:
        i = index[date.fromisoformat(row["month"])]
        within[i] += row["paid_within_30_days"]
        after[i] += row["invoices_paid"] - row["paid_within_30_days"]
    labels = [period_label("month", m) for m in months]
    series = [("Within 30 days", within), ("After 30 days", after)]
    colours = ["#00806b", "#b3261e"]
    title = "Invoices paid each month, within and after 30 days"
    svg = stacked_columns(labels, series, title=title, colours=colours, fmt=lambda n: f"{n:,} invoices",
                          axis_fmt=lambda n: f"{n:,}", empty="No invoices were paid in this range.",
                          desc="Stacked columns, one per month paid: invoices paid within 30 days of receipt "
                               "below, later ones above.")
    rows = [[name, *(f"{v:,}" for v in values)] for name, values in series]
    return (f'<div class="pair"><figure class="chart-box ring-box"><figcaption>Paid within 30 days</figcaption>'
            f'{ring}<dl class="facts">{dl}</dl></figure>'
            f'<figure class="chart-box"><figcaption>{escape(title)}</figcaption>{svg}'
            f'{legend([name for name, _ in series], colours)}'
            f"{figures_table(title, ['Invoices', *labels], rows)}</figure></div>")
