"""Overpayments recovered by themselves: what an invoice already scheduled in a run or paid charged for
days after its agreement's end, credited back.

- A line's days after the end are credited pro rata: amount x days after the end / days of the line,
  rounded half up once per line. A visit or day line (one day) dated after the end is credited in full;
  a span line (a plan's span, a provider's week) for its days after the end.
- What was already credited as an overpayment for the invoice and agreement is not credited again: an
  end at or after the earliest end already credited credits nothing; an earlier end credits only the
  days between the two (each line's share at the new end less its share at the old one).
- Never more than what is left of the invoice after its earlier credit notes (see
  `corrections.credit_note`), nor more in all than the days after the end come to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from shared.money import round_half_up
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


def reason_for(agreement_id: str, ended_on: date, days: int, number: str) -> str:
    return (f"Overpayment: agreement {agreement_id} ended {format_day(ended_on)}; {days} day(s) after it were "
            f"paid on {number}")


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
                left_pence: int) -> OverpaymentCredit | None:
    """What `invoice` (scheduled or paid) charged `agreement_id` for days after `ended_on` and is still to
    be credited, or None when nothing is; `left_pence` is what is left of it after earlier credit notes."""
    previous_end = min((e.ended_on for e in earlier), default=None)
    if previous_end is not None and ended_on >= previous_end:
        return None
    ours = [line for line in invoice.lines if line.agreement_id == agreement_id]
    days = {d for line in ours for d in line.days.days() if d > ended_on}
    if not days:
        return None
    lines = []
    for line in ours:
        share = amount_after(line, ended_on) - amount_after(line, previous_end)
        if share <= 0:
            continue
        first = max(line.first_day, ended_on + timedelta(days=1))
        last = min(line.last_day, previous_end) if previous_end is not None else line.last_day
        count = (last - first).days + 1
        why = f"{count} day(s) after agreement {agreement_id} ended on {format_day(ended_on)}"
        lines.append(line._replace(line_number=0, first_day=first, last_day=last, amount_pence=share,
                                   source_row=None, description=f"{line.summary}: {why}"))
    whole = sum(amount_after(line, ended_on) for line in ours) - sum(e.amount_pence for e in earlier)
    lines = _trimmed(lines, max(0, min(whole, left_pence)))
    if not lines:
        return None
    return OverpaymentCredit(agreement_id, ended_on, len(days), sum(line.amount_pence for line in lines),
                             tuple(lines), reason_for(agreement_id, ended_on, len(days), invoice.number))
