"""Overpayments recovered by themselves: what an invoice charged for days after its agreement's end,
credited back (an invoice paid or scheduled in a run: taken from the provider's next payment; an
invoice approved and not yet in a run: netted against it when it is paid, up to the end).

- A line's days after the end are credited pro rata: amount x days after the end / days of the line,
  rounded half up once per line. A visit or day line (one day) dated after the end is credited in full;
  a span line (a plan's span, a provider's week) for its days after the end.
- What was already credited as an overpayment for the invoice and agreement is not credited again: an
  end at or after the earliest end already credited credits nothing; an earlier end credits only the
  days between the two (each line's share at the new end less its share at the old one).
- The provider always keeps the invoice's amount for the days up to the end: the credit is never more
  than the invoice's total less every credit note already raised against it (not void, whatever its
  cause: an officer's, a query's, a surplus reclaimed) less that amount, i.e. the agreement's share
  after the end less those credit notes; nothing when that is nothing. (Overpayments credited on the
  invoice for ANOTHER agreement's end are left out of those credit notes: they took back days after
  that other end, never days this end protects.)
- The credit note says how many days it credits (only those between the two ends when an end comes
  further forward) and, when less than their share is credited, that the rest was already credited.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from shared.money import format_gbp, round_half_up
from services.invoicing.domain.invoice import Invoice, InvoiceLine
from services.invoicing.domain.periods import format_day


@dataclass(frozen=True, slots=True)
class EarlierCredit:
    """An overpayment already credited on the invoice for the agreement (a row of overpayment credits)."""

    ended_on: date
    days: int
    amount_pence: int


@dataclass(frozen=True, slots=True)
class OverpaymentCredit:
    """What to credit: the credit note's lines (blank line numbers) and, for the event, the end, the
    days of the invoice after it, the amount and the reason in words."""

    agreement_id: str
    ended_on: date
    days_after_end: int
    amount_pence: int
    lines: tuple[InvoiceLine, ...]
    reason: str


def days_after(line: InvoiceLine, ended_on: date | None) -> int:
    """Days of the line after `ended_on` (None: no end, no day after it)."""
    if ended_on is None or line.last_day <= ended_on:
        return 0
    return (line.last_day - max(line.first_day - timedelta(days=1), ended_on)).days


def amount_after(line: InvoiceLine, ended_on: date | None) -> int:
    """The line's share for its days after `ended_on`, rounded half up once."""
    after = days_after(line, ended_on)
    return round_half_up(line.amount_pence * after, line.days.day_count) if after else 0


def reason_for(agreement_id: str, ended_on: date, days: int, number: str, *, paid: bool = True,
               share_pence: int | None = None, amount_pence: int | None = None) -> str:
    """Why, in words the provider reads on its remittance: the end, the days this note credits, on which
    invoice, and (when capped) how much of their share was already credited by earlier credit notes."""
    why = (f"Overpayment: agreement {agreement_id} ended {format_day(ended_on)}; {days} day(s) after it were "
           f"paid on {number}" if paid else
           f"Overpayment: agreement {agreement_id} ended {format_day(ended_on)}; {days} day(s) after the end were "
           f"charged on {number}, not yet paid")
    if share_pence is not None and amount_pence is not None and amount_pence < share_pence:
        why += (f" ({format_gbp(share_pence)} for them, of which {format_gbp(share_pence - amount_pence)} was "
                "already credited)")
    return why


def _trimmed(lines: list[InvoiceLine], to_pence: int) -> list[InvoiceLine]:
    """The lines cut down, last first, so they add up to `to_pence`."""
    excess = sum(line.amount_pence for line in lines) - to_pence
    kept = list(lines)
    while excess > 0 and kept:
        last = kept.pop()
        if last.amount_pence > excess:
            kept.append(last._replace(amount_pence=last.amount_pence - excess))
        excess -= last.amount_pence
    return kept


def overpayment(invoice: Invoice, agreement_id: str, ended_on: date, earlier: Sequence[EarlierCredit] = (), *,
                credited_pence: int, paid: bool = True) -> OverpaymentCredit | None:
    """What `invoice` charged `agreement_id` for days after `ended_on` and is still to be credited, or None
    when nothing is. `credited_pence`: every credit note not void already raised against the invoice
    (any cause; overpayments of another agreement's end left out). `paid`: the invoice is paid or in a
    run (else approved, not yet paid: only the reason's words differ)."""
    previous_end = min((e.ended_on for e in earlier), default=None)
    if previous_end is not None and ended_on >= previous_end:
        return None
    ours = [line for line in invoice.lines if line.agreement_id == agreement_id]
    lines = []
    days: set[date] = set()
    for line in ours:
        share = amount_after(line, ended_on) - amount_after(line, previous_end)
        if share <= 0:
            continue
        first = max(line.first_day, ended_on + timedelta(days=1))
        last = min(line.last_day, previous_end) if previous_end is not None else line.last_day
        count = (last - first).days + 1
        days |= {first + timedelta(days=n) for n in range(count)}
        why = f"{count} day(s) after agreement {agreement_id} ended on {format_day(ended_on)}"
        lines.append(line._replace(line_number=0, first_day=first, last_day=last, amount_pence=share,
                                   source_row=None, description=f"{line.summary}: {why}"))
    after = sum(amount_after(line, ended_on) for line in ours)
    not_yet = after - sum(e.amount_pence for e in earlier)  # days after the end not credited as an overpayment
    # The total less the credit notes less what is kept for the days up to the end (total - after).
    room = after - credited_pence
    share = sum(line.amount_pence for line in lines)
    lines = _trimmed(lines, max(0, min(not_yet, room)))
    if not lines:
        return None
    amount = sum(line.amount_pence for line in lines)
    return OverpaymentCredit(agreement_id, ended_on, len(days), amount, tuple(lines),
                             reason_for(agreement_id, ended_on, len(days), invoice.number, paid=paid,
                                        share_pence=share, amount_pence=amount))
