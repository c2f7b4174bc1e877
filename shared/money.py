"""Money is integer pence. Never float."""
from __future__ import annotations

from collections.abc import Sequence
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


def split_pence(amount_pence: int, weights: Sequence[int]) -> list[int]:
    """`amount_pence` in parts proportional to `weights` (all >= 0; evenly when they sum to 0) that sum exactly
    to it, by the largest remainder: each part the whole pence of its exact share, the pence left over one
    each to the largest fractional parts (ties to the earlier). Signed like the amount."""
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    sign, amount, total = (-1 if amount_pence < 0 else 1), abs(amount_pence), sum(weights)
    parts = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:amount - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
