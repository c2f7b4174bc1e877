"""Month-end accruals as at a date, per provider, service type and cost centre.

Two figures finance posts at month-end, each on business dates:
- delivered and confirmed but not yet invoiced: reporting's delivered figure (each carer's verified
  amount at its latest revision) for days on or before `as_at` in agreement-weeks that delivery has
  confirmed, less what invoices approved on or before `as_at` charge for those same days;
- invoiced but not yet paid: invoices approved and credit notes issued on or before `as_at` (invoicing
  never approves a credit note: it counts from its issue), less what the bank paid on them on or before
  `as_at` (a credit note netted against an invoice is the part of that invoice never paid, so the two
  cancel).

A week counts as confirmed as at `as_at` only when delivery confirmed it on or before `as_at`.

An invoice's amount is spread over the days it pays for exactly as spend spreads it by week and
month (running totals rounded half up once), day by day, so its part on any whole weeks equals its
weekly figures in spend. So delivered = invoiced for those days + delivered not invoiced, always.
Delivered not invoiced is negative when more was invoiced for those days than was verified.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from fractions import Fraction

from shared.clock import week_start
from services.reporting.domain.aggregates import Dims
from services.reporting.domain.attribution import Span, spread, weighed
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
    spans, total = weighed(spans)
    parts: dict[date, Fraction] = defaultdict(Fraction)
    for first, last, weight in spans:
        days = (last - first).days + 1
        for n in range(days):
            parts[first + timedelta(days=n)] += Fraction(weight, days * total)
    return spread(pence, dict(parts))


def invoice_parts(invoice: Invoice, as_at: date, confirmed_weeks: Mapping[str, Collection[date]]
                  ) -> list[tuple[str | None, Accrual]]:
    """An invoice's figures as at `as_at`, by agreement part (split between several agreements as spend splits
    it, each part with its own agreement's confirmed weeks; else one part under the first agreement, with the
    weeks any of its agreements confirmed). Nothing unless invoiced by then: approved, or a credit note
    issued (a void or rejection, whenever it came, leaves nothing; a payment the bank returned counts as
    never paid). `confirmed_weeks`: each agreement's weeks confirmed on or before `as_at`."""
    if invoice.counts_from is None or invoice.counts_from > as_at:
        return []
    paid = sum(p for ref, (p, on) in invoice.paid.items() if ref not in invoice.returned and on <= as_at)
    everyone = set().union(*(confirmed_weeks.get(a, ()) for a in invoice.agreement_ids))
    out = []
    for (agreement_id, invoiced, days), (_, paid_part, _) in zip(invoice.parts(invoice.invoiced_pence, None),
                                                                  invoice.parts(paid, None)):
        weeks = confirmed_weeks.get(agreement_id or "", set()) if invoice.split else everyone
        charged = by_day(invoiced, days)
        for_delivered = sum(p for day, p in charged.items() if day <= as_at and week_start(day) in weeks)
        out.append((agreement_id, Accrual(invoiced_for_delivered_pence=for_delivered, invoiced_pence=invoiced,
                                          paid_pence=paid_part)))
    return out


def for_invoice(invoice: Invoice, as_at: date, confirmed_weeks: Mapping[str, Collection[date]]) -> Accrual:
    """An invoice's figures as at `as_at`, all its parts together."""
    return sum((figures for _, figures in invoice_parts(invoice, as_at, confirmed_weeks)), Accrual())


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
