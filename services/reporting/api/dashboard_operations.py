"""Dashboard sections an operations team acts on: pipeline health, missed visits, open queries by SLA state.

Each function takes the reporting API's JSON answer and returns HTML; states are written in words as
well as shown in colour.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from html import escape
from typing import Any

from services.reporting.api.dashboard_charts import figures_table, period_label
from services.reporting.domain.periods import periods
from services.reporting.domain.svg_charts import SLA_COLOURS, legend, series_colours, stacked_columns, stacked_rows

SLA_NAMES = {"on_track": "On track", "due_today": "Due today", "overdue": "Overdue (not yet reported)",
             "breached": "Breached"}


def words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _service_card(s: dict[str, Any]) -> str:
    state = "Ready" if s["ready"] else f"Not ready: {s['reason']}"
    backlog = "–" if s["outbox_backlog"] is None else f"{s['outbox_backlog']:,}"
    age = s["outbox_oldest_age_seconds"]
    lag = sum(c["lag"] for c in s["consumer_lag"])
    return (f'<li class="service {"ok" if s["ready"] else "down"}" data-service="{escape(s["service"])}" '
            f'data-ready="{str(s["ready"]).lower()}"><h3>{escape(s["service"])}</h3>'
            f'<p class="state"><span aria-hidden="true">{"●" if s["ready"] else "▲"}</span> {escape(state)}</p>'
            f'<dl><div><dt>Records waiting</dt><dd data-figure="consumer_lag">{lag:,}</dd></div>'
            f'<div><dt>Outbox backlog</dt><dd data-figure="outbox_backlog">{backlog}</dd></div>'
            f'<div><dt>Oldest unpublished</dt><dd>{"–" if age is None else f"{age:,.0f} s"}</dd></div>'
            f'<div><dt>Dead letters</dt><dd data-figure="dlq_messages">{s["dlq_messages"] or 0:,}</dd></div>'
            "</dl></li>")


def pipeline_section(p: dict[str, Any]) -> str:
    services = p["services"]
    ready = sum(1 for s in services if s["ready"])
    groups = [(c["consumer"], [c["lag"]]) for s in services for c in s["consumer_lag"]]
    behind = sum(1 for _, (lag,) in groups if lag)
    summary = (f"{ready} of {len(services)} services ready; {behind} of {len(groups)} consumer groups behind "
               f"({sum(lag for _, (lag,) in groups):,} records waiting); "
               f"{sum(s['outbox_backlog'] or 0 for s in services):,} events in outboxes; "
               f"{sum(s['dlq_messages'] or 0 for s in services):,} dead letters since the services started.")
    title = "Consumer lag per consumer group"
    lag = stacked_rows(groups, ["Records waiting"], title=title, colours=["#0b5cad"], fmt=lambda n: f"{n:,}",
                       row_h=20, empty="No consumer groups reported.",
                       desc="One bar per consumer group: records on its topic not yet processed. "
                            "No bar means it is up to date.")
    dlq_title = "Dead letters and outbox backlog per service"
    parts, colours = ["Dead letters", "Events in the outbox"], ["#b3261e", "#8a5a00"]
    dlq = stacked_rows([(s["service"], [s["dlq_messages"] or 0, s["outbox_backlog"] or 0]) for s in services],
                       parts, title=dlq_title, colours=colours, fmt=lambda n: f"{n:,}", row_h=20,
                       desc="One bar per service: messages it dead-lettered since it started, then events "
                            "committed but not yet published.")
    return (f'<p class="summary {"ok" if ready == len(services) else "down"}">{escape(summary)} '
            f'<span class="checked">Checked {escape(p["checked_at"][:19].replace("T", " "))} UTC.</span></p>'
            f'<ul class="services">{"".join(_service_card(s) for s in services)}</ul>'
            f'<div class="pair"><figure class="chart-box"><figcaption>{title}</figcaption>{lag}</figure>'
            f'<figure class="chart-box"><figcaption>{dlq_title}</figcaption>{dlq}{legend(parts, colours)}'
            "</figure></div>")


def missed_section(m: dict[str, Any]) -> str:
    first, last = date.fromisoformat(m["from"]), date.fromisoformat(m["to"])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = {d["day"]: d["missed"] for d in m["by_day"]}
    values = [counts.get(d.isoformat(), 0) for d in days]
    labels = [f"{d.day} {d:%b}" for d in days]
    title = f"Missed visits each day, {first.day} {first:%b} to {last.day} {last:%b}"
    svg = stacked_columns(labels, [("Missed visits", values)], title=title, colours=["#b3261e"],
                          fmt=lambda n: f"{n:,} missed", axis_fmt=lambda n: f"{n:,}",
                          empty="No visits were missed in these days.",
                          desc="One column per day: planned visits nobody attended by their cut-off.")
    providers = "".join(f"<li>{escape(p['provider_name'] or p['provider_id'])}: {p['missed']:,}</li>"
                        for p in m["by_provider"][:5])
    recent = [[v["local_date"], v["provider_name"] or v["provider_id"], v["person_ref"], str(v["carers"]),
               v["visit_key"]] for v in m["recent"]]
    head = "".join(f'<th scope="col">{h}</th>' for h in ("Date", "Provider", "Person", "Carers needed", "Visit"))
    rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in recent)
    table = (f'<div class="scroll"><table class="alerts"><caption>The {len(recent)} most recent</caption>'
             f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>") if recent else ""
    return (f'<p class="summary {"down" if m["missed"] else "ok"}" data-figure="missed">{m["missed"]:,} missed '
            f"visits in the last {len(days)} days.</p>"
            f'<div class="pair"><figure class="chart-box"><figcaption>{escape(title)}</figcaption>{svg}</figure>'
            f'<div>{f"<h3>Most missed by provider</h3><ol>{providers}</ol>" if providers else ""}{table}</div></div>')


def queries_section(q: dict[str, Any]) -> str:
    states = list(SLA_NAMES)
    colours = [SLA_COLOURS[s] for s in states]
    rows = [(words(c["category"]), [c[s] for s in states]) for c in q["by_category"]]
    title = "Open queries by category and SLA state"
    svg = stacked_rows(rows, [SLA_NAMES[s] for s in states], title=title, colours=colours, fmt=lambda n: f"{n:,}",
                       empty="No queries are open.",
                       desc="One bar per category of open query, split by SLA state: on track, due today, "
                            "overdue and breached.")
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for b in q["breaches"]:
        months[b["month"]][b["sla"]] += b["breaches"]
    slas = sorted({b["sla"] for b in q["breaches"]})
    order = [start for start, _ in periods("month", date.fromisoformat(q["breaches_from"]),
                                           date.fromisoformat(q["breaches_to"]))]
    series = [(f"{words(sla)} deadline", [months[m.isoformat()][sla] for m in order]) for sla in slas]
    breach_colours = series_colours([n for n, _ in series])
    labels = [period_label("month", m) for m in order]
    breach_title = "SLA breaches each month"
    breaches = stacked_columns(labels, series, title=breach_title, colours=breach_colours,
                               fmt=lambda n: f"{n:,} breaches", axis_fmt=lambda n: f"{n:,}",
                               empty="No SLA deadline was missed in this range.",
                               desc="Stacked columns, one per month: deadlines to acknowledge and to resolve "
                                    "that passed.")
    totals = {s: sum(c[s] for c in q["by_category"]) for s in states}
    figures = figures_table(title, ["Category", *SLA_NAMES.values()],
                            [[name, *(f"{v:,}" for v in values)] for name, values in rows])
    return (f'<p class="summary" data-figure="open">{q["open"]:,} open queries: '
            + "; ".join(f"{totals[s]:,} {SLA_NAMES[s].lower()}" for s in states) + ".</p>"
            f'<div class="pair"><figure class="chart-box"><figcaption>{title}</figcaption>{svg}'
            f"{legend(list(SLA_NAMES.values()), colours)}{figures}</figure>"
            f'<figure class="chart-box"><figcaption>{breach_title}</figcaption>{breaches}'
            f"{legend([n for n, _ in series], breach_colours)}</figure></div>")
