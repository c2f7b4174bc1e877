"""Charts for the dashboard as inline SVG, drawn on the server (no script, no download).

Every chart is an `<svg role="img">` with a <title> and <desc>; every bar carries a <title> (the
browser shows it on hover) and `data-series`/`data-value`, so the figures stay readable without
colour and a test can check them against the API. Colours keep 3:1 contrast against white.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from itertools import count

# Okabe-Ito-like hues darkened to 3:1 against white; the last is for "all others".
PALETTE = ("#0b5cad", "#c75000", "#00806b", "#a1349b", "#5a6e00", "#5b4bb7", "#8a5a00", "#b3261e", "#6b7280")
SLA_COLOURS = {"on_track": "#00806b", "due_today": "#8a5a00", "overdue": "#c75000", "breached": "#b3261e"}
INK, GRID, MUTED = "#1b1b1b", "#d0d4da", "#4b5563"
_ids = count(1)

Fmt = Callable[[int], str]


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2 or 5 x 10^k at or above `value` (an axis top); 1 for nothing."""
    if value <= 0:
        return 1
    scale = 1
    while True:
        for step in (10, 20, 50):
            if value * 10 <= step * scale:
                return step * scale // 10
        scale *= 10


def compact_gbp(pence: int) -> str:
    """An axis label: £0, £950, £12k, £1.2m (whole pounds; exact figures are in each bar's title)."""
    pounds = pence // 100
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if abs(pounds) >= size:
            whole, rest = divmod(abs(pounds) * 10 // size, 10)
            return f"{'-' if pounds < 0 else ''}£{whole}{'.' + str(rest) if rest and whole < 10 else ''}{suffix}"
    return f"£{pounds}"


def ticks(top: int) -> list[int]:
    """Whole-number gridlines from 0 to `top` (a nice_ceiling): fifths, or quarters of a 2 x 10^k."""
    parts = min(top, 4 if str(top)[0] == "2" else 5)
    return [top * k // parts for k in range(parts + 1)]


def series_colours(names: Sequence[str], others: str | None = None) -> list[str]:
    """A colour per series, in order; the series named `others` (all the rest together) is grey."""
    hues = iter(PALETTE[:-1] * (len(names) // (len(PALETTE) - 1) + 1))
    return [PALETTE[-1] if name == others else next(hues) for name in names]


def _open(width: int, height: int, title: str, desc: str, css: str) -> tuple[str, str]:
    n = next(_ids)
    head = (f'<svg class="chart {css}" role="img" viewBox="0 0 {width} {height}" width="100%" '
            f'aria-labelledby="c{n}t c{n}d" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" '
            f'font-size="12"><title id="c{n}t">{escape(title)}</title><desc id="c{n}d">{escape(desc)}</desc>')
    return head, "</svg>"


def _empty(width: int, height: int, title: str, message: str, css: str) -> str:
    head, tail = _open(width, height, title, message, css)
    return (f'{head}<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
            f'{escape(message)}</text>{tail}')


def stacked_columns(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str, desc: str,
                    fmt: Fmt, axis_fmt: Fmt, colours: Sequence[str], width: int = 720,
                    height: int = 280, empty: str = "No figures in this range.") -> str:
    """One column per label, its series stacked bottom-up (negative values add no height)."""
    totals = [sum(max(v[i], 0) for _, v in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(width, height, title, empty, "columns")
    left, right, top, bottom = 64, width - 8, 12, height - 36
    top_value = nice_ceiling(max(totals))
    y = lambda v: bottom - (bottom - top) * v / top_value  # noqa: E731
    head, tail = _open(width, height, title, desc, "columns")
    out = [head]
    for tick in ticks(top_value):
        out.append(f'<line x1="{left}" x2="{right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
                   f'{escape(axis_fmt(tick))}</text>')
    step = (right - left) / len(labels)
    bar = min(step * 0.7, 56.0)  # a few columns stay columns, not slabs
    every = -(-len(labels) // 12)
    for i, label in enumerate(labels):
        x, base = left + step * i + (step - bar) / 2, 0
        for s, (name, values) in enumerate(series):
            value = values[i]
            if value > 0:
                fill = colours[s]
                out.append(f'<rect x="{x:.1f}" y="{y(base + value):.1f}" width="{bar:.1f}" '
                           f'height="{y(base) - y(base + value):.1f}" fill="{fill}" stroke="#fff" stroke-width="0.5" '
                           f'data-series="{escape(name)}" data-label="{escape(label)}" data-value="{value}">'
                           f'<title>{escape(name)}, {escape(label)}: {escape(fmt(value))}</title></rect>')
                base += value
        if i % every == 0:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{INK}">'
                       f'{escape(label)}</text>')
    out.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>')
    return "".join(out) + tail


def stacked_rows(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str], *, title: str, desc: str,
                 fmt: Fmt, colours: Sequence[str], width: int = 720, row_h: int = 26,
                 empty: str = "Nothing to show.") -> str:
    """One horizontal bar per row, its parts stacked left to right, the row's total written after it (a row
    of nothing keeps its place, with 0 written)."""
    totals = [sum(max(v, 0) for v in values) for _, values in rows]
    if not rows:
        return _empty(width, 60, title, empty, "rows")
    label_w, right = 200, width - 90
    height = row_h * len(rows) + 8
    most = max(totals) or 1
    head, tail = _open(width, height, title, desc, "rows")
    out = [head]
    for r, ((label, values), total) in enumerate(zip(rows, totals)):
        y, x = 4 + r * row_h, float(label_w)
        short = label if len(label) <= 28 else label[:27] + "…"
        out.append(f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4}" text-anchor="end" fill="{INK}">{escape(short)}'
                   f'<title>{escape(label)}</title></text>')
        for s, value in enumerate(values):
            if value > 0:
                w = (right - label_w) * value / most
                fill = colours[s]
                out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
                           f'fill="{fill}" stroke="#fff" stroke-width="0.5" data-series="{escape(series[s])}" '
                           f'data-label="{escape(label)}" data-value="{value}"><title>{escape(label)}, '
                           f'{escape(series[s])}: {escape(fmt(value))}</title></rect>')
                x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + row_h / 2 + 4}" fill="{INK}">{escape(fmt(total))}</text>')
    return "".join(out) + tail


def share_ring(percent: float | None, *, title: str, caption: str, size: int = 150) -> str:
    """A ring filled to `percent` with the figure in its middle (no figure: an empty grey ring)."""
    head, tail = _open(size, size, title, caption, "ring")
    r, c = size / 2 - 12, size / 2
    circumference = 2 * 3.14159265 * r
    filled = circumference * (percent or 0) / 100
    return (f'{head}<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="{GRID}" stroke-width="16"/>'
            f'<circle cx="{c}" cy="{c}" r="{r:.1f}" fill="none" stroke="{PALETTE[2]}" stroke-width="16" '
            f'stroke-dasharray="{filled:.1f} {circumference:.1f}" transform="rotate(-90 {c} {c})" '
            f'data-value="{percent if percent is not None else ""}"/>'
            f'<text x="{c}" y="{c + 8}" text-anchor="middle" font-size="24" font-weight="600" fill="{INK}">'
            f'{"–" if percent is None else f"{percent:g}%"}</text>{tail}')


def legend(names: Sequence[str], colours: Sequence[str]) -> str:
    """The series' names beside their colours, as HTML text (it wraps, and screen readers read it)."""
    items = "".join(f'<li><svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" '
                    f'height="12" fill="{colours[i]}"/></svg>{escape(name)}</li>' for i, name in enumerate(names))
    return f'<ul class="legend">{items}</ul>'
