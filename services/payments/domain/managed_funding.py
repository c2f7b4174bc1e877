"""Care bought from council-managed direct-payment accounts (the council as the person's nominee).

A remittance line with `funded_by` set (an invoice under an agreement funded by a managed direct
payment and its credit notes, a personal assistant's payroll, or any other line so marked) is paid
from the council's managed client account and debits the ledger of that direct payment; every
other line is paid from the council's payments account. So:
- a payment's lines all leave from one account: a payee paid both ways in a run gets two payments;
- each payment debits each managed account it draws on by the net of that account's lines (above 0);
- a run pays from an account at most what is available (`ManagedAccount.available_pence`): the
  account's groups of lines (a line with those that settle with it), in order of period start and
  id, that would take it below zero are left out (`insufficient_managed_funds`) and wait.
These rules read only `funded_by`, never a line's kind, so any kind of line is treated alike.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from shared.money import format_gbp
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.inputs import ApprovedInvoice, BankAccount, PaymentSettings
from services.payments.domain.managed_accounts import LedgerEntry, LedgerEntryKind, ManagedAccount
from services.payments.domain.run_lines import (Exclusion, ExclusionReason, PayeeKind, Payment, RemittanceLine,
                                                carried_forward)

# The ledger entry a payment out of a managed account makes, by whom it pays.
ENTRY_KINDS = {PayeeKind.PROVIDER: LedgerEntryKind.PAYMENT_TO_PROVIDER,
               PayeeKind.PERSONAL_ASSISTANT: LedgerEntryKind.PAYMENT_TO_PERSONAL_ASSISTANT}


def is_funded(payment: Payment) -> bool:
    """Paid from the managed client account (its lines are funded by managed direct payments)."""
    return any(line.funded_by for line in payment.lines)


def by_originating_account(payments: Sequence[Payment]) -> list[list[Payment]]:
    """The payments grouped by the account they leave from, each in run order: the council's payments
    account first, then the managed client account (a group only when it has payments)."""
    return [group for group in ([p for p in payments if not is_funded(p)], [p for p in payments if is_funded(p)])
            if group]


def originating_account(payment: Payment, settings: PaymentSettings) -> BankAccount:
    """The council's account the payment leaves from."""
    if not is_funded(payment):
        return settings.originating_account
    if settings.managed_account is None:
        raise PaymentRefused("managed_account", f"{payment.reference} is paid from a council-managed account, but "
                                                "no managed client account is configured in the payment settings")
    return settings.managed_account


@dataclass(frozen=True, slots=True)
class Debit:
    """What one payment takes from one managed account, and the documents it pays."""

    direct_payment_id: str
    payment_reference: str
    payee_kind: PayeeKind
    payee_id: str
    amount_pence: int
    settles: tuple[str, ...]

    def entry(self, on: date) -> LedgerEntry:
        """The ledger entry recording it (refused for a payee no managed account pays)."""
        kind = ENTRY_KINDS.get(self.payee_kind)
        if kind is None:
            raise PaymentRefused("funded_by", f"{self.payment_reference}: a {self.payee_kind} payment cannot be paid "
                                              "from a managed account (only providers and personal assistants)")
        return LedgerEntry(on, kind, self.amount_pence, self.payment_reference,
                           f"Paid to {self.payee_id}: {', '.join(self.settles)}"[:500], self.payee_id)


def debits_of(payment: Payment) -> list[Debit]:
    """One debit per managed account the payment draws on, in the order its lines first name them."""
    lines: dict[str, list[RemittanceLine]] = defaultdict(list)
    for line in payment.lines:
        if line.funded_by:
            lines[line.funded_by].append(line)
    return [Debit(dp, payment.reference, payment.payee_kind, payment.payee_id, sum(ln.amount_pence for ln in own),
                  tuple(dict.fromkeys(ln.settles for ln in own if ln.amount_pence > 0)))
            for dp, own in lines.items()]


def mixed_funding_detail(invoice: ApprovedInvoice) -> str:
    sources = sorted({"the council's payments account" if s is None else f"the managed account of direct payment {s}"
                      for s in invoice.funding})
    return (f"its agreements are paid from different accounts ({'; '.join(sources)}): one payment cannot pay it; "
            "invoice the managed-account agreement separately")


@dataclass(frozen=True, slots=True)
class Shortfall:
    direct_payment_id: str
    debit_pence: int
    available_pence: int | None  # None: the direct payment has no council-managed account

    def __str__(self) -> str:
        if self.available_pence is None:
            return (f"direct payment {self.direct_payment_id} has no council-managed account to pay "
                    f"{format_gbp(self.debit_pence)} from")
        return (f"direct payment {self.direct_payment_id}'s managed account has {format_gbp(self.available_pence)} "
                f"available but the run pays {format_gbp(self.debit_pence)} from it: short by "
                f"{format_gbp(self.debit_pence - self.available_pence)}")


def shortfalls(debits: Mapping[str, int], accounts: Mapping[str, ManagedAccount],
               committed: Mapping[str, Sequence[LedgerEntry]], on: date) -> list[Shortfall]:
    """The managed accounts that cannot pay what a run takes from them on `on`: `debits` by direct
    payment, `accounts` the council-managed ones, `committed` what approved runs already take from them."""
    found = []
    for dp, pence in sorted(debits.items()):
        account = accounts.get(dp)
        available = None if account is None else account.available_pence(on, committed.get(dp, ()))
        if available is None or pence > available:
            found.append(Shortfall(dp, pence, available))
    return found


def hold_unfunded(payments: Iterable[Payment], available: Mapping[str, int],
                  settings: PaymentSettings) -> tuple[list[Payment], list[Exclusion]]:
    """Leave out of the proposed payments what their managed accounts cannot pay (`available`: pence by
    council-managed direct payment). A group of lines settling the same document goes or stays whole;
    a group netting to 0 or less takes nothing. A payment left drawing 0 or less on an account (its
    credits outweigh what is left) carries that account's lines forward; one left at 0 or less, all of it."""
    payments = list(payments)
    funded = {index for index, payment in enumerate(payments) if is_funded(payment)}
    groups: dict[str, dict[tuple[int, str], list[RemittanceLine]]] = defaultdict(lambda: defaultdict(list))
    for index in sorted(funded):
        for line in payments[index].lines:
            if line.funded_by:
                groups[line.funded_by][(index, line.settles)].append(line)
    out: set[tuple[int, str]] = set()
    exclusions: list[Exclusion] = []
    for dp in sorted(groups):
        left = available.get(dp)
        for (index, settles), lines in sorted(groups[dp].items(),
                                              key=lambda g: (min(ln.period_start for ln in g[1]), g[0][1], g[0][0])):
            pence = sum(ln.amount_pence for ln in lines)
            if pence <= 0:
                continue
            why = _unpayable(dp, pence, left, settings)
            if why is None:
                left -= pence
                continue
            out.add((index, settles))
            exclusions.append(Exclusion(settles, payments[index].payee_id, why[0], why[1], pence, (settles,)))
    kept: list[Payment] = []
    for index, payment in enumerate(payments):
        if index not in funded:
            kept.append(payment)
            continue
        lines = [ln for ln in payment.lines if (index, ln.settles) not in out]
        if len(lines) != len(payment.lines):
            payment = Payment.of(payment.reference, payment.payee_kind, payment.payee_id, payment.payee_name,
                                 payment.account, payment.account_verified, tuple(lines))
        payment, carried = _without_net_credits(payment)
        exclusions += carried
        if payment.lines and payment.amount_pence > 0:
            kept.append(payment)
        elif payment.lines:
            exclusions.append(carried_forward(payment.payee_id, payment.lines))
    return kept, exclusions


def _unpayable(dp: str, pence: int, left: int | None,
               settings: PaymentSettings) -> tuple[ExclusionReason, str] | None:
    if settings.managed_account is None:
        return ExclusionReason.NO_BANK_DETAILS, "no council-managed client account is configured in the payment settings"
    if left is None:
        return (ExclusionReason.INSUFFICIENT_MANAGED_FUNDS,
                f"direct payment {dp} has no council-managed account to pay {format_gbp(pence)} from")
    if pence > left:
        return (ExclusionReason.INSUFFICIENT_MANAGED_FUNDS,
                f"direct payment {dp}'s managed account has {format_gbp(left)} available (its balance less payments "
                f"already committed): paying {format_gbp(pence)} would take it below zero; it waits for funds")
    return None


def _without_net_credits(payment: Payment) -> tuple[Payment, list[Exclusion]]:
    """The payment without the lines of any managed account it would draw 0 or less from."""
    net = [d for d in debits_of(payment) if d.amount_pence <= 0]
    if not net:
        return payment, []
    gone = {d.direct_payment_id for d in net}
    lines = tuple(ln for ln in payment.lines if ln.funded_by not in gone)
    carried = [carried_forward(payment.payee_id, [ln for ln in payment.lines if ln.funded_by == dp]) for dp in sorted(gone)]
    return Payment.of(payment.reference, payment.payee_kind, payment.payee_id, payment.payee_name, payment.account,
                      payment.account_verified, lines), carried
