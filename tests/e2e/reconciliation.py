"""What each owning service says a person's week holds, worked out from that service's own answers
(issue 17, "One reconciliation, always true"), never from reporting's.

Pure: every function takes what requests, agreements, delivery, invoicing and payments answered
(their JSON) and gives pence by week (the Monday). The rules are the business-date rules of
docs/domain.md as each owning service states them:

- budget: each weekly budget from its own effective day (a later one replaces it from its day on);
- committed: the weekly rate of the agreement's terms in force each day (agreements' commitment line
  `rates`), on the days the agreement is payable (from its start to its end, never while suspended);
- a week's budget or commitment is the rate summed over its days / 7, rounded half up once;
- delivered: delivery's confirmed lines, on their own dates;
- invoiced and paid: an invoice's amount spread evenly over the days it charges each agreement (the
  first to the last day of that agreement's lines, weighted by their amounts), rounded once by
  running totals, so the weeks sum exactly to the invoice.

The month-end accruals view (reporting, part G) is read only through `accrual_rows`, the one place
that names its fields.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction

WEEK = 7
PAYABLE_INVOICES = ("approved", "scheduled", "paid")  # approved, then in a payment run
MEASURES = ("budget_pence", "committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")

# Reporting's month-end accruals (part G): the row's key fields and its two figures. Adjust here only.
ACCRUAL_KEY = ("provider_id", "service_type", "cost_centre")
ACCRUED, INVOICED_UNPAID = "delivered_not_invoiced_pence", "invoiced_not_paid_pence"

Span = tuple[date, date, int]  # first day, last day (inclusive), weight in pence


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def mondays(first: date, last: date) -> list[date]:
    """The Mondays of every week from the week of `first` to the week of `last`."""
    out, week = [], monday(first)
    while week <= last:
        out.append(week)
        week += timedelta(days=WEEK)
    return out


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero (pence are never rounded twice)."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def _rate_on(rates: Sequence[tuple[date, int]], day: date) -> int:
    """The weekly rate of the latest change on or before `day` (0 before the first)."""
    current = 0
    for since, weekly in sorted(rates):
        if since > day:
            break
        current = weekly
    return current


def payable(day: date, start: date | None, end: date | None,
            suspensions: Iterable[tuple[date, date | None]] = ()) -> bool:
    """In force on `day`: on or after its start, on or before its end, not in [suspended_from, resumed_on)."""
    if start is None or day < start or (end is not None and day > end):
        return False
    return not any(off <= day and (back is None or day < back) for off, back in suspensions)


def weekly_rate_by_week(rates: Sequence[tuple[date, int]], weeks: Iterable[date], *, start: date | None = None,
                        end: date | None = None, suspensions: Iterable[tuple[date, date | None]] = ()
                        ) -> dict[date, int]:
    """Each week's figure of a weekly rate: the rate in force each payable day, summed, / 7, half up."""
    suspensions = tuple(suspensions)
    first = start if start is not None else date.min
    out = {}
    for week in weeks:
        days = [week + timedelta(days=i) for i in range(WEEK)]
        total = sum(_rate_on(rates, d) for d in days if payable(d, first, end, suspensions))
        out[week] = half_up(total, WEEK)
    return out


def budget_rates(budget: Mapping | None, requested_start: date,
                 reassessments: Sequence[Mapping] = ()) -> list[tuple[date, int]]:
    """Requests' budget: the agreed weekly budget from the requested start, each reassessment from its own
    effective day (replacing what came before from that day on)."""
    by_day: dict[date, int] = {}
    if budget is not None:
        by_day[requested_start] = budget["weekly_budget_pence"]
    for change in reassessments:
        day = date.fromisoformat(str(change["effective_from"]))
        by_day = {d: w for d, w in by_day.items() if d < day} | {day: change["weekly_budget_pence"]}
    return sorted(by_day.items())


def commitment_rates(commitment: Mapping, agreement_id: str) -> list[tuple[date, int]]:
    """The weekly rates agreements gives the agreement's commitment line, by the day each is in force."""
    line = next((ln for ln in commitment["lines"] if ln["agreement_id"] == agreement_id), None)
    if line is None:
        return []
    return [(date.fromisoformat(str(r["from_date"])), r["weekly_pence"]) for r in line.get("rates") or []]


def window_of(agreement: Mapping) -> dict:
    """An agreement's start, end and suspensions (agreements' GET /agreements/{id})."""
    def day(value) -> date | None:
        return date.fromisoformat(str(value)) if value else None

    return {"start": day(agreement.get("start")), "end": day(agreement.get("end")),
            "suspensions": tuple((day(s["suspended_from"]), day(s.get("resumed_on")))
                                 for s in agreement.get("suspensions") or ())}


def delivered_by_week(periods: Iterable[Mapping]) -> dict[date, int]:
    """Delivery's confirmed weeks: each line's amount in the week of its own date."""
    out: dict[date, int] = defaultdict(int)
    for period in periods:
        if period["status"] != "confirmed":
            continue
        for line in period["lines"]:
            out[monday(date.fromisoformat(str(line["local_date"])))] += line["amount_pence"]
    return dict(out)


def invoice_spans(invoice: Mapping) -> list[Span]:
    """The days an invoice charges each agreement: its lines' first to last day, weighted by their amounts
    (the invoice's period when it has no lines)."""
    by_agreement: dict[str, list[Mapping]] = defaultdict(list)
    for line in invoice.get("lines") or ():
        by_agreement[line["agreement_id"]].append(line)
    if not by_agreement:
        return [(date.fromisoformat(str(invoice["period_start"])), date.fromisoformat(str(invoice["period_end"])), 1)]
    return [(min(date.fromisoformat(str(ln["first_day"])) for ln in lines),
             max(date.fromisoformat(str(ln["last_day"])) for ln in lines),
             sum(ln["amount_pence"] for ln in lines)) for _, lines in sorted(by_agreement.items())]


def spread_by_week(pence: int, spans: Sequence[Span]) -> dict[date, int]:
    """`pence` over the spans' days (evenly within a span, spans by weight; by days when no weight is
    positive), rounded once by running totals: the weeks sum exactly to `pence`."""
    spans = [s for s in spans if s[0] <= s[1]]
    if not pence or not spans:
        return {}
    if sum(max(w, 0) for _, _, w in spans) <= 0:
        spans = [(a, b, (b - a).days + 1) for a, b, _ in spans]
    total = sum(max(w, 0) for _, _, w in spans)
    share: dict[date, Fraction] = defaultdict(Fraction)
    for first, last, weight in spans:
        if weight <= 0:
            continue
        days = (last - first).days + 1
        day = first
        while day <= last:
            share[monday(day)] += Fraction(weight, days * total)
            day += timedelta(days=1)
    sign, whole = (1 if pence > 0 else -1), abs(pence)
    out, running, before = {}, Fraction(0), 0
    for week in sorted(share):
        running += share[week]
        upto = (2 * whole * running.numerator + running.denominator) // (2 * running.denominator)
        out[week] = sign * (upto - before)
        before = upto
    return {w: p for w, p in out.items() if p}


def paid_by_invoice(runs: Iterable[Mapping]) -> dict[str, int]:
    """Payments' runs (with lines): what each invoice was paid, counting only payments the bank confirmed
    (outcome `paid`)."""
    out: dict[str, int] = defaultdict(int)
    for run in runs:
        for payment in run["payments"]:
            if payment["outcome"] != "paid":
                continue
            for line in payment["lines"] or ():
                if line["kind"] in ("invoice", "credit_note"):
                    out[line["settles"]] += line["amount_pence"]
    return dict(out)


def add(into: dict[date, int], more: Mapping[date, int]) -> None:
    for week, pence in more.items():
        into[week] = into.get(week, 0) + pence


def differences(got: Mapping, want: Mapping) -> dict:
    """Every key whose figures differ: key -> (reporting's, the owning services')."""
    return {k: (got.get(k), want.get(k)) for k in sorted(set(got) | set(want), key=str) if got.get(k) != want.get(k)}


def accrual_rows(answer: Mapping) -> dict[tuple[str, ...], tuple[int, int]]:
    """Reporting's accruals answer as (provider, service type, cost centre) -> (accrued, invoiced unpaid)."""
    out: dict[tuple[str, ...], tuple[int, int]] = {}
    for row in answer["rows"]:
        key = tuple(str(row[k]) for k in ACCRUAL_KEY)
        accrued, unpaid = out.get(key, (0, 0))
        out[key] = (accrued + row[ACCRUED], unpaid + row[INVOICED_UNPAID])
    return out
