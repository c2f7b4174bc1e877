"""What validation is given: the council's settings and the facts gathered for one invoice.

The wiring gathers the facts in the transaction that validates (no rule reads anything else):
- `agreements`: every agreement the invoice's lines name (a missing key means "not ours");
- `actuals`: confirmed actuals by agreement, covering the invoice's dates (none: not confirmed);
- `commitments`: each agreement's commitment for the invoice's period in pence (needed for
  actuals agreements; a plan agreement's defaults to its plan price for the period);
- `numbers_already_received`: this provider's invoice numbers on earlier invoices, any state;
- `already_invoiced`: periods of its agreements on other invoices that are not void;
- `corrected_pence`: for a supplementary invoice, what each agreement is already invoiced for the
  period, net (the invoice it corrects and its other supplementaries, less credit notes, not void):
  the safety bound judges the whole, so a top-up cannot take an agreement over it unnoticed.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, InvoicedPeriod, ProviderFacts
from services.invoicing.domain.payment_terms import check_payment_terms

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ValidationSettings:
    # Largest total difference (sum over lines of |claimed - expected|) still approved, per invoice.
    tolerance_pence: int = 50
    # An agreement invoiced above its commitment by more than this share is held for an officer.
    safety_share: Fraction | Decimal | str = Fraction(1, 10)
    payment_terms_days: int = 30

    def __post_init__(self) -> None:
        if isinstance(self.tolerance_pence, bool) or not isinstance(self.tolerance_pence, int) \
                or self.tolerance_pence < 0:
            raise ValueError(f"tolerance must be a whole number of pence, 0 or more, not {self.tolerance_pence!r}")
        share = Fraction(str(self.safety_share)) if not isinstance(self.safety_share, Fraction) else self.safety_share
        if share < 0:
            raise ValueError(f"the safety share cannot be negative ({self.safety_share})")
        object.__setattr__(self, "safety_share", share)
        check_payment_terms(self.payment_terms_days)

    @property
    def safety_percent(self) -> str:
        return f"{float(self.safety_share * 100):g}%"


@dataclass(frozen=True, slots=True)
class ValidationContext:
    provider: ProviderFacts
    agreements: Mapping[str, AgreementOnFile]
    actuals: Mapping[str, ConfirmedActuals] = field(default_factory=dict)
    commitments: Mapping[str, int] = field(default_factory=dict)
    numbers_already_received: frozenset[str] = frozenset()
    already_invoiced: tuple[InvoicedPeriod, ...] = ()
    settings: ValidationSettings = ValidationSettings()
    corrected_pence: Mapping[str, int] = field(default_factory=dict)
    _memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def remember(self, name: str, invoice: object, compute: Callable[[], T]) -> T:
        """Work several checks share (which lines are ours, what each is expected to cost), done
        once per invoice: checks stay small functions without each repeating it."""
        held = self._memo.get(name)
        if held is not None and held[0] is invoice:
            return held[1]
        value = compute()
        self._memo[name] = (invoice, value)
        return value


def same_invoice_number(a: str, b: str) -> bool:
    """Provider invoice numbers compare without case or surrounding and repeated spaces."""
    return normalise_invoice_number(a) == normalise_invoice_number(b)


def normalise_invoice_number(number: str) -> str:
    return " ".join(number.split()).casefold()
