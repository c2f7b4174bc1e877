"""Periodic returns of a direct payment held by the person or a third party, and their audit.

The holder (or finance for them) sends, for a period, either the bank statement of the account the
direct payment is paid into (CSV `date,description,paid_in_pence,paid_out_pence,balance_pence`, the
header on row 1, with the opening balance) or totals by category with the opening and closing
balances. A return is taken only whole and reconciled: opening + paid in - paid out = closing, and on
a statement every row's running balance equals its `balance_pence`; every date inside the period.
Anything else is refused naming the field, or the first row and column that is wrong.

An officer audits a return (the balance found, and the surplus above the threshold: `weeks` weeks of
the payment's weekly net amount); a second person (a finance approver who did not audit it) signs the
audit off, and only then does it count (a reclaim of the surplus may be raised).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from shared.money import format_gbp, round_half_up
from services.payments.domain.errors import NotPermitted, PaymentRefused, RunConflict
from services.payments.domain.managed_accounts import SurplusCheck
from services.payments.domain.payment_run import APPROVER_ROLE, Actor

STATEMENT_COLUMNS = ("date", "description", "paid_in_pence", "paid_out_pence", "balance_pence")
MAX_STATEMENT_ROWS = 5_000
MAX_DESCRIPTION = 200


class StatementRefused(PaymentRefused):
    """A bank statement refused at a row (1 is the header) and, where one is to blame, a column."""

    def __init__(self, row: int, column: str | None, message: str) -> None:
        where = f"row {row}, {column}" if column else f"row {row}"
        super().__init__("file", f"{where}: {message}")
        self.row, self.column, self.message = row, column, message


class ReturnCategory(StrEnum):
    DIRECT_PAYMENT = "direct_payment"
    CONTRIBUTION = "contribution"
    CARE_AGENCY = "care_agency"
    PERSONAL_ASSISTANT = "personal_assistant"
    OTHER = "other"


class ReturnStatus(StrEnum):
    SUBMITTED = "submitted"
    AUDITED = "audited"  # awaiting a second person's sign-off
    SIGNED_OFF = "signed_off"


@dataclass(frozen=True, slots=True)
class StatementRow:
    row: int  # the CSV row (1 is the header)
    on: date
    description: str
    paid_in_pence: int
    paid_out_pence: int
    balance_pence: int


@dataclass(frozen=True, slots=True)
class PeriodicReturn:
    """A reconciled return: totals by category (a statement's are uncategorised) and its rows, if any."""

    period_start: date
    period_end: date
    source: str  # bank_statement | totals
    opening_balance_pence: int
    closing_balance_pence: int
    paid_in: dict[str, int]
    paid_out: dict[str, int]
    rows: tuple[StatementRow, ...] = ()

    @property
    def paid_in_pence(self) -> int:
        return sum(self.paid_in.values())

    @property
    def paid_out_pence(self) -> int:
        return sum(self.paid_out.values())


def check_period(period_start: date, period_end: date, dp_start: date, today: date) -> None:
    """A return covers days of the payment that are over: from its start, ending by today."""
    if period_end < period_start:
        raise PaymentRefused("period_end", f"{period_end} is before period_start {period_start}")
    if period_end < dp_start:
        raise PaymentRefused("period_end", f"the direct payment starts on {dp_start}: a return covers days from then")
    if period_end > today:
        raise PaymentRefused("period_end", f"{period_end} is after today ({today}): a return covers days that are over")


def _pence(value: str, row: int, column: str) -> int:
    text = value.strip()
    if text == "" and column != "balance_pence":
        return 0
    if not text.lstrip("-").isdigit() or (column != "balance_pence" and text.startswith("-")):
        kind = "a whole number of pence" if column == "balance_pence" else "a whole number of pence, 0 or more"
        raise StatementRefused(row, column, f"{text[:30]!r} is not {kind}")
    return int(text)


def read_statement(text: str, period_start: date, period_end: date, opening_balance_pence: int) -> PeriodicReturn:
    """A bank statement CSV as a return, refused at the first row (and column) that cannot be used or whose
    running balance (opening balance, plus paid in, less paid out, row by row) is not its balance_pence."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [c.strip().lower() for c in next(reader, [])]
    if tuple(header) != STATEMENT_COLUMNS:
        raise StatementRefused(1, None, f"the header must be {','.join(STATEMENT_COLUMNS)} (got "
                                        f"{','.join(header)[:200] or 'nothing'})")
    rows, balance = [], opening_balance_pence
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(STATEMENT_COLUMNS):
            raise StatementRefused(number, None, f"{len(cells)} columns, expected {len(STATEMENT_COLUMNS)}")
        if len(rows) == MAX_STATEMENT_ROWS:
            raise StatementRefused(number, None, f"a return has at most {MAX_STATEMENT_ROWS} rows")
        try:
            on = date.fromisoformat(cells[0].strip())
        except ValueError:
            raise StatementRefused(number, "date", f"{cells[0].strip()[:30]!r} is not a date (YYYY-MM-DD)") from None
        if not period_start <= on <= period_end:
            raise StatementRefused(number, "date", f"{on} is outside the period {period_start} to {period_end}")
        description = cells[1].strip()
        if len(description) > MAX_DESCRIPTION:
            raise StatementRefused(number, "description", f"longer than {MAX_DESCRIPTION} characters")
        paid_in, paid_out, stated = (_pence(cells[n], number, STATEMENT_COLUMNS[n]) for n in (2, 3, 4))
        balance += paid_in - paid_out
        if balance != stated:
            raise StatementRefused(number, "balance_pence", f"the running balance is {balance} ({format_gbp(balance)})"
                                                            f" but the row says {stated}: the statement does not "
                                                            "reconcile from opening_balance_pence")
        rows.append(StatementRow(number, on, description, paid_in, paid_out, stated))
    if not rows:
        raise StatementRefused(2, None, "the statement has no rows after the header")
    return PeriodicReturn(period_start, period_end, "bank_statement", opening_balance_pence, balance,
                          {"uncategorised": sum(r.paid_in_pence for r in rows)},
                          {"uncategorised": sum(r.paid_out_pence for r in rows)}, tuple(rows))


def totals_return(period_start: date, period_end: date, opening_balance_pence: int, closing_balance_pence: int,
                  paid_in: list[tuple[str, int]], paid_out: list[tuple[str, int]]) -> PeriodicReturn:
    """Totals by category as a return, refused unless opening + paid in - paid out = closing."""
    def by_category(side: str, items: list[tuple[str, int]]) -> dict[str, int]:
        totals: dict[str, int] = {}
        for n, (category, amount) in enumerate(items):
            if category not in {c.value for c in ReturnCategory}:
                raise PaymentRefused(f"{side}.{n}.category", f"{category!r} is not one of "
                                                             f"{', '.join(c.value for c in ReturnCategory)}")
            if amount < 0:
                raise PaymentRefused(f"{side}.{n}.amount_pence", "an amount is 0 or more")
            totals[category] = totals.get(category, 0) + amount
        return totals

    ins, outs = by_category("paid_in", paid_in), by_category("paid_out", paid_out)
    expected = opening_balance_pence + sum(ins.values()) - sum(outs.values())
    if expected != closing_balance_pence:
        raise PaymentRefused("closing_balance_pence", f"{closing_balance_pence} does not reconcile: opening "
                                                      f"{opening_balance_pence} + paid in {sum(ins.values())} - paid "
                                                      f"out {sum(outs.values())} = {expected}")
    return PeriodicReturn(period_start, period_end, "totals", opening_balance_pence, closing_balance_pence, ins, outs)


def return_surplus(balance_pence: int, net_per_four_weeks_pence: int, weeks: int) -> SurplusCheck:
    """The surplus of a holder's balance: what is above `weeks` weeks of the payment's weekly net amount."""
    if weeks <= 0:
        raise PaymentRefused("weeks", "the surplus threshold must be a positive number of weeks")
    threshold = weeks * round_half_up(net_per_four_weeks_pence, 4)
    return SurplusCheck(balance_pence, threshold, max(0, balance_pence - threshold))


@dataclass(frozen=True, slots=True)
class ReturnAudit:
    """A return's audit: the balance found and its surplus, by whom; signed off by a second person."""

    return_id: str
    status: ReturnStatus
    balance_pence: int | None = None
    threshold_pence: int | None = None
    surplus_pence: int | None = None
    audited_by: str | None = None
    audited_at: datetime | None = None
    signed_off_by: str | None = None
    signed_off_at: datetime | None = None

    def audit(self, balance_pence: int, check: SurplusCheck, by: Actor, at: datetime) -> ReturnAudit:
        """A finance officer records the audited balance; again before sign-off replaces it."""
        if by.role not in ("finance_officer", APPROVER_ROLE):
            raise NotPermitted("role", f"auditing a return needs a finance role; {by.subject} has {by.role}")
        if self.status is ReturnStatus.SIGNED_OFF:
            raise RunConflict("status", f"return {self.return_id} was audited and signed off by {self.signed_off_by}: "
                                        "it is final")
        return replace(self, status=ReturnStatus.AUDITED, balance_pence=balance_pence,
                       threshold_pence=check.threshold_pence, surplus_pence=check.surplus_pence,
                       audited_by=by.subject, audited_at=at)

    def sign_off(self, by: Actor, at: datetime) -> ReturnAudit:
        """The second person: a finance approver who did not audit it."""
        if self.status is ReturnStatus.SUBMITTED:
            raise RunConflict("status", f"return {self.return_id} has not been audited: audit it first")
        if self.status is ReturnStatus.SIGNED_OFF:
            raise RunConflict("status", f"return {self.return_id} was already signed off by {self.signed_off_by}")
        if by.role != APPROVER_ROLE:
            raise NotPermitted("role", f"signing off an audit needs the {APPROVER_ROLE} role; {by.subject} has "
                                       f"{by.role}")
        if by.subject == self.audited_by:
            raise NotPermitted("signed_off_by", f"{by.subject} audited return {self.return_id} and cannot also sign "
                                                "it off (two people): ask another finance approver")
        return replace(self, status=ReturnStatus.SIGNED_OFF, signed_off_by=by.subject, signed_off_at=at)
