"""Money is integer pence. Never float."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (for positive and negative values alike, away from zero).

    `round_half_up(payable_minutes * rate_pence, 60)` prices a visit to the penny.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def pence_to_pounds(pence: int) -> Decimal:
    """Pence as a Decimal amount in pounds (for files and display)."""
    return (Decimal(pence) / 100).quantize(PENNY)


def format_gbp(pence: int) -> str:
    """'£1,234.56' (negative as '-£1.00')."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{pence_to_pounds(abs(pence)):,}"


def pounds_to_pence(amount: str | Decimal) -> int:
    """Parse '12.34' (or a Decimal) into 1234 pence; more than two decimal places is an error."""
    value = Decimal(str(amount))
    if value != value.quantize(PENNY):
        raise ValueError(f"{amount!r} has more than two decimal places")
    return int(value * 100)
