"""Month-end accruals as at a date, per provider, service type and cost centre.

Two figures finance posts at month-end, each on business dates:
- delivered and confirmed but not yet invoiced: reporting's delivered figure (each carer's verified
  amount at its latest revision) for days on or before `as_at` in agreement-weeks that delivery has
  confirmed, less what invoices approved on or before `as_at` charge for those same days;
- invoiced but not yet paid: invoices and credit notes approved on or before `as_at`, less what the
  bank paid on them on or before `as_at` (a credit note netted against an invoice is the part of that
  invoice never paid, so the two cancel).

An invoice's amount is spread over the days it pays for exactly as spend spreads it by week and
month (running totals rounded half up once), day by day, so its part on any whole weeks equals its
weekly figures in spend. So delivered = invoiced for those days + delivered not invoiced, always.
Delivered not invoiced is negative when more was invoiced for those days than was verified.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from fractions import Fraction

from shared.clock import week_start
from services.reporting.domain.aggregates import Dims
from services.reporting.domain.attribution import Span, spread
from services.reporting.domain.invoices import Invoice

RowKey = tuple[str, str, str]  # provider_id, service_type, cost_centre


@dataclass(frozen=True)
class Accrual:
    """One row's figures as at a date, in pence."""

    delivered_pence: int = 0  # verified, dated on or before as_at, in confirmed weeks
    invoiced_for_delivered_pence: int = 0  # what invoices approved by as_at charge for those days
    unconfirmed_pence: int = 0  # verified, dated on or before as_at, in weeks not (yet) confirmed
    invoiced_pence: int = 0  # approved on or before as_at (credit notes negative), whatever days they pay for
    paid_pence: int = 0  # of those, what was paid on or before as_at

    @property
    def delivered_not_invoiced_pence(self) -> int:
        return self.delivered_pence - self.invoiced_for_delivered_pence

    @property
    def invoiced_not_paid_pence(self) -> int:
        return self.invoiced_pence - self.paid_pence

    def __add__(self, other: Accrual) -> Accrual:
        return Accrual(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def figures(self) -> dict[str, int]:
        """Every figure, the two accruals included."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return out | {"delivered_not_invoiced_pence": self.delivered_not_invoiced_pence,
                      "invoiced_not_paid_pence": self.invoiced_not_paid_pence}

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def row_key(dims: Dims) -> RowKey:
    return dims.provider_id, dims.service_type, dims.cost_centre


def by_day(pence: int, spans: Sequence[Span]) -> dict[date, int]:
    """`pence` spread over the days of `spans` (by their amounts, evenly over each span's days), rounded once:
    the days' parts sum exactly to `pence`, and any run of whole weeks or months gets what spend gives it."""
    spans = [s for s in spans if s[0] <= s[1]]
    if not spans:
        return {}
    if sum(max(s[2], 0) for s in spans) <= 0:
        spans = [(a, b, (b - a).days + 1) for a, b, _ in spans]
    total = sum(max(s[2], 0) for s in spans)
    parts: dict[date, Fraction] = defaultdict(Fraction)
    for first, last, weight in spans:
        if weight > 0:
            days = (last - first).days + 1
            for n in range(days):
                parts[first + timedelta(days=n)] += Fraction(weight, days * total)
    return spread(pence, dict(parts))


def for_invoice(invoice: Invoice, as_at: date, confirmed_weeks: Collection[date]) -> Accrual:
    """An invoice's figures as at `as_at`: nothing unless approved by then (a void or rejection, whenever
    it came, leaves nothing; a payment the bank returned counts as never paid)."""
    if invoice.approved_on is None or invoice.approved_on > as_at:
        return Accrual()
    invoiced = invoice.invoiced_pence
    paid = sum(p for ref, (p, on) in invoice.paid.items() if ref not in invoice.returned and on <= as_at)
    charged = by_day(invoiced, invoice.days_paid_for(None))
    for_delivered = sum(p for day, p in charged.items() if day <= as_at and week_start(day) in confirmed_weeks)
    return Accrual(invoiced_for_delivered_pence=for_delivered, invoiced_pence=invoiced, paid_pence=paid)


def for_delivery(confirmed: bool, pence: int) -> Accrual:
    """Verified care dated on or before as_at: delivered when its week is confirmed, else unconfirmed."""
    return Accrual(delivered_pence=pence) if confirmed else Accrual(unconfirmed_pence=pence)


def table(items: Iterable[tuple[RowKey, Accrual]]) -> tuple[list[tuple[RowKey, Accrual]], Accrual]:
    """Rows summed by key, sorted by provider, service type and cost centre (rows of all zeros left out),
    and their total."""
    rows: dict[RowKey, Accrual] = defaultdict(Accrual)
    for key, figures in items:
        rows[key] = rows[key] + figures
    kept = sorted(((key, figures) for key, figures in rows.items() if figures), key=lambda row: row[0])
    return kept, sum((figures for _, figures in kept), Accrual())
