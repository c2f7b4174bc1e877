"""Council-managed direct-payment accounts: the ledger of money in and out, and surplus checks.

When the council is the nominee it holds the person's direct payment and pays their providers
from it, so it must account for every penny: direct payments and the person's contributions in;
payments to providers and personal assistants and recoveries out. The account may not go overdrawn.
What a payment run may still pay from it is its available balance: what can go out on the pay date
without the balance going below zero on that day or any later one, counting the payments of runs
already approved (committed) as if they were recorded. A balance above a configurable number of
weeks' funding (8 by default) is flagged as a surplus for recovery.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from shared.money import format_gbp, round_half_up
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import DirectPaymentAgreement
from services.payments.domain.run_lines import Payment

DEFAULT_SURPLUS_WEEKS = 8


class LedgerEntryKind(StrEnum):
    DIRECT_PAYMENT_IN = "direct_payment_in"
    CONTRIBUTION_IN = "contribution_in"
    PAYMENT_TO_PROVIDER = "payment_to_provider"
    PAYMENT_TO_PERSONAL_ASSISTANT = "payment_to_personal_assistant"
    RECOVERY_TO_COUNCIL = "recovery_to_council"
    DIRECT_PAYMENT_RETURNED = "direct_payment_returned"  # a direct payment in that the bank sent back
    PAYMENT_RETURNED = "payment_returned"  # a payment out of the account that the bank sent back: money in again


MONEY_IN = frozenset({LedgerEntryKind.DIRECT_PAYMENT_IN, LedgerEntryKind.CONTRIBUTION_IN,
                      LedgerEntryKind.PAYMENT_RETURNED})


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    on: date
    kind: LedgerEntryKind
    amount_pence: int  # always positive; the kind says which way it moves
    reference: str
    description: str = ""
    payee_id: str | None = None  # money out to a provider or personal assistant: who was paid

    @property
    def signed_pence(self) -> int:
        return self.amount_pence if self.kind in MONEY_IN else -self.amount_pence


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry: LedgerEntry
    balance_pence: int


@dataclass(frozen=True, slots=True)
class ManagedAccount:
    """One person's council-managed account; entries in date order (same-day entries as recorded)."""

    agreement_id: str
    person_ref: str
    entries: tuple[LedgerEntry, ...] = ()

    def record(self, entry: LedgerEntry) -> ManagedAccount:
        """Add an entry; money out may not take the balance below zero on any day."""
        if entry.amount_pence <= 0:
            raise PaymentRefused("amount_pence", f"{entry.reference}: a ledger entry moves a positive amount")
        position = bisect_right([e.on for e in self.entries], entry.on)
        entries = self.entries[:position] + (entry,) + self.entries[position:]
        balance = 0
        for e in entries:
            balance += e.signed_pence
            if balance < 0:
                raise PaymentRefused("amount_pence", f"{entry.reference}: {format_gbp(entry.amount_pence)} out on "
                                                     f"{entry.on} would overdraw the account by {format_gbp(-balance)}")
        return replace(self, entries=entries)

    def record_direct_payment(self, payment: Payment, on: date) -> ManagedAccount:
        """A direct payment made into this account by a payment run."""
        return self.record(LedgerEntry(on, LedgerEntryKind.DIRECT_PAYMENT_IN, payment.amount_pence,
                                       payment.reference, "Direct payment from the council"))

    def balance_pence(self, as_of: date | None = None) -> int:
        return sum(e.signed_pence for e in self.entries if as_of is None or e.on <= as_of)

    def balance_after(self, entry: LedgerEntry) -> int:
        """The running balance just after `entry` (an entry of this account) on the statement."""
        return next(line.balance_pence for line in reversed(self.statement()) if line.entry == entry)

    def available_pence(self, on: date, committed: Iterable[LedgerEntry] = ()) -> int:
        """What may still go out on `on` (recorded after that day's entries) without the balance going
        below zero on any day, `committed` payments out counted as if recorded. 0 when the ledger is
        already below zero before then (nothing more may go out until money comes in)."""
        entries = sorted((*self.entries, *committed), key=lambda e: e.on)  # stable: recorded order within a day
        balance, earlier, lowest = 0, 0, None
        for e in entries:
            balance += e.signed_pence
            if e.on <= on:
                earlier = min(earlier, balance)
            else:
                lowest = balance if lowest is None else min(lowest, balance)
        through = sum(e.signed_pence for e in entries if e.on <= on)
        if earlier < 0:
            return 0
        return max(0, through if lowest is None else min(through, lowest))

    def paid_out(self, kind: LedgerEntryKind) -> dict[str | None, int]:
        """Money out of this kind by payee (None: entries that do not say who was paid), in payee order, less
        what the bank sent back of it (a returned payment to that payee)."""
        totals: dict[str | None, int] = {}
        for e in self.entries:
            if e.kind is kind:
                totals[e.payee_id] = totals.get(e.payee_id, 0) + e.amount_pence
        for e in self.entries:
            if e.kind is LedgerEntryKind.PAYMENT_RETURNED and e.payee_id in totals:
                totals[e.payee_id] -= e.amount_pence
        return dict(sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or "")))

    def statement(self) -> list[StatementLine]:
        """Every entry with the running balance after it."""
        lines, balance = [], 0
        for entry in self.entries:
            balance += entry.signed_pence
            lines.append(StatementLine(entry, balance))
        return lines


@dataclass(frozen=True, slots=True)
class SurplusCheck:
    balance_pence: int
    threshold_pence: int
    surplus_pence: int  # what is above the threshold (0 when none)

    @property
    def flagged(self) -> bool:
        return self.surplus_pence > 0


def weekly_funding_pence(agreement: DirectPaymentAgreement) -> int:
    """A week of the person's budget (council's payment and their contribution together)."""
    return round_half_up(agreement.amount_per_four_weeks_pence, 4)


def surplus_check(account: ManagedAccount, agreement: DirectPaymentAgreement, as_of: date,
                  weeks: int = DEFAULT_SURPLUS_WEEKS) -> SurplusCheck:
    """Flag a balance above `weeks` weeks' funding; the surplus is the amount above it."""
    return surplus_of(account.balance_pence(as_of), agreement, weeks)


def surplus_of(balance_pence: int, agreement: DirectPaymentAgreement,
               weeks: int = DEFAULT_SURPLUS_WEEKS) -> SurplusCheck:
    """The same check for a balance already summed (e.g. by the database, for every account at once)."""
    if weeks <= 0:
        raise PaymentRefused("weeks", "the surplus threshold must be a positive number of weeks")
    threshold = weeks * weekly_funding_pence(agreement)
    return SurplusCheck(balance_pence, threshold, max(0, balance_pence - threshold))
