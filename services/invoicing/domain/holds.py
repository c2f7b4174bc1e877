"""Why an invoice is held: a machine-readable code and a sentence a provider can act on.

A reason caused by particular lines names them ("Line 2 (row 3 of the file)"), carries their
numbers, and for amounts the figure expected, so the provider can correct exactly those lines.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class HoldCode(StrEnum):
    # the invoice itself
    INVOICE_HAS_NO_LINES = "invoice_has_no_lines"
    LINE_UNREADABLE = "line_unreadable"
    INVOICE_NUMBER_ALREADY_USED = "invoice_number_already_used"
    # the order: agreement x provider x person x dates
    AGREEMENT_NOT_FOUND = "agreement_not_found"
    AGREEMENT_OF_ANOTHER_PROVIDER = "agreement_of_another_provider"
    AGREEMENT_OF_ANOTHER_PERSON = "agreement_of_another_person"
    AGREEMENT_NOT_ACTIVE = "agreement_not_active"
    # duplicates (held, never approved)
    PERIOD_ALREADY_INVOICED = "period_already_invoiced"
    CLAIMED_TWICE = "claimed_twice"
    # the delivery and the amounts
    ACTUALS_NOT_CONFIRMED = "actuals_not_confirmed"
    VISIT_NOT_VERIFIED = "visit_not_verified"
    AMOUNT_DIFFERS_FROM_ACTUALS = "amount_differs_from_actuals"
    AMOUNT_DIFFERS_FROM_PLAN = "amount_differs_from_plan"
    # the council's own controls
    BANK_DETAILS_NOT_VERIFIED = "bank_details_not_verified"
    ABOVE_COMMITMENT = "above_commitment"
    COMMITMENT_UNKNOWN = "commitment_unknown"
    DISPUTED = "disputed"
    # payments
    PAYMENT_RETURNED = "payment_returned"


# An officer may not release these: a duplicate is never approved, and a dispute is closed by the
# queries service, not by a release.
NEVER_RELEASED = frozenset({HoldCode.INVOICE_NUMBER_ALREADY_USED, HoldCode.PERIOD_ALREADY_INVOICED,
                            HoldCode.CLAIMED_TWICE, HoldCode.DISPUTED})


@dataclass(frozen=True, slots=True)
class HoldReason:
    code: HoldCode
    message: str
    line_numbers: tuple[int, ...] = ()
    agreement_id: str | None = None
    expected_pence: int | None = None
    claimed_pence: int | None = None
    reference: str | None = None  # the query, earlier invoice or invoice number the reason is about


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def name_lines(numbers: Sequence[int], rows: Sequence[int | None] = ()) -> str:
    """'Line 2', 'Line 2 (row 3 of the file)', 'Lines 1, 2 and 4 (rows 2, 3 and 5 of the file)'."""
    numbers = list(numbers)
    label = ("Line " if len(numbers) == 1 else "Lines ") + _join([str(n) for n in numbers])
    known_rows = [str(r) for r in rows if r is not None]
    if known_rows and len(known_rows) == len(numbers):
        label += (" (row " if len(known_rows) == 1 else " (rows ") + _join(known_rows) + " of the file)"
    return label


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """Approved (no reasons, with a due date) or held (every reason found, no due date)."""

    reasons: tuple[HoldReason, ...]
    due_on: date | None = None

    @property
    def approved(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> tuple[HoldCode, ...]:
        return tuple(dict.fromkeys(r.code for r in self.reasons))
