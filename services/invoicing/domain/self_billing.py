"""Self-billing: the council raises the provider's invoice from confirmed actuals.

One invoice per agreement per period (a week, or four weeks grouped from confirmed weeks), with a
line per verified visit and carer, or per day when the provider's setting asks for it. Amounts
are delivery's verified amounts, copied, never re-priced: a day line is the sum of its visits, so
both layouts total the same to the penny. Visits paid nothing (an extra carer) get no line.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from contracts.common import PaymentBasis
from services.invoicing.domain.errors import InvalidInvoiceInput, NothingToInvoice
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, ProviderFacts, VerifiedVisitLine
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceLine, new_invoice_id
from services.invoicing.domain.numbering import format_number, next_number
from services.invoicing.domain.periods import Period, format_day


class ActualsNotConfirmed(Exception):
    """Some weeks of the period have no confirmed actuals yet: the invoice waits for them."""

    def __init__(self, agreement_id: str, missing: Sequence[Period]) -> None:
        super().__init__(f"agreement {agreement_id}: actuals not confirmed for week(s) "
                         + ", ".join(str(w) for w in missing))
        self.agreement_id = agreement_id
        self.missing = tuple(missing)


def weeks_needed(agreement: AgreementOnFile, period: Period) -> list[tuple[Period, Period]]:
    """Each week of the period in which the agreement is active, with the days of it that must be
    confirmed before the period is invoiced (weeks before its start or after its end need not be)."""
    out = []
    for week in period.weeks():
        needed = week.overlap(period)
        needed = needed and needed.overlap(agreement.active_period)
        if needed:
            out.append((week, needed))
    return out


def group_weeks(agreement: AgreementOnFile, weeks: Iterable[ConfirmedActuals], period: Period) -> ConfirmedActuals:
    """Confirmed weekly actuals grouped into one period (four-weekly invoices).

    Every week of the period in which the agreement is active must be confirmed; weeks before its
    start or after its end need not be.
    """
    weeks = sorted((w for w in weeks if w.agreement_id == agreement.agreement_id and period.overlap(w.period)),
                   key=lambda w: w.period)
    for earlier, later in zip(weeks, weeks[1:]):
        if earlier.period.overlap(later.period):
            raise InvalidInvoiceInput("actuals", f"actuals of {agreement.agreement_id} confirmed twice for "
                                                 f"{earlier.period.overlap(later.period)}: give the latest only")
    missing = [week for week, needed in weeks_needed(agreement, period)
               if not any(w.period.covers(needed) for w in weeks)]
    if missing:
        raise ActualsNotConfirmed(agreement.agreement_id, missing)
    visits = tuple(v for w in weeks for v in w.visits if period.contains(v.local_date))
    return ConfirmedActuals(agreement.agreement_id, agreement.person_ref, period, visits)


_visit_order = itemgetter(2, 0, 1)  # (local_date, visit_id, carer_id) of a VerifiedVisitLine


def lines_per_visit(actuals: ConfirmedActuals) -> tuple[InvoiceLine, ...]:
    """A line per verified visit and carer, in date order."""
    agreement_id, person = actuals.agreement_id, actuals.person_ref
    paid = sorted((v for v in actuals.visits if v.amount_pence), key=_visit_order)
    return tuple(InvoiceLine(n, agreement_id, person, v.local_date, v.local_date, v.amount_pence, v.visit_id,
                             v.carer_id, v.payable_minutes, v.rate_pence_per_hour)
                 for n, v in enumerate(paid, start=1))


def lines_per_day(actuals: ConfirmedActuals) -> tuple[InvoiceLine, ...]:
    """A line per day: its visits' minutes and amounts summed (the hourly rate shown when one)."""
    by_day: dict[date, list[VerifiedVisitLine]] = {}
    for v in actuals.visits:
        if v.amount_pence:
            by_day.setdefault(v.local_date, []).append(v)
    lines = []
    for n, day in enumerate(sorted(by_day), start=1):
        visits = by_day[day]
        rates = {v.rate_pence_per_hour for v in visits}
        count = len({v.visit_id for v in visits})
        lines.append(InvoiceLine(
            n, actuals.agreement_id, actuals.person_ref, day, day, sum(v.amount_pence for v in visits),
            minutes=sum(v.payable_minutes for v in visits), rate_pence=rates.pop() if len(rates) == 1 else None,
            description=f"{count} visit{'s' if count > 1 else ''} on {format_day(day)}, "
                        f"{sum(v.payable_minutes for v in visits)} min"))
    return tuple(lines)


def check_self_billable(agreement: AgreementOnFile, provider: ProviderFacts) -> None:
    if agreement.provider_ref != provider.provider_ref:
        raise InvalidInvoiceInput("provider_ref", f"agreement {agreement.agreement_id} is with provider "
                                                  f"{agreement.provider_ref}, not {provider.provider_ref}")
    if agreement.basis is not PaymentBasis.ACTUALS:
        raise InvalidInvoiceInput("basis", f"agreement {agreement.agreement_id} is paid on its plan: raise a"
                                           " scheduled invoice, not a self-billed one")
    if not provider.self_billing_in_place:
        raise InvalidInvoiceInput("self_billing", f"provider {provider.provider_ref} has no written self-billing"
                                                  " agreement: it sends its own invoices")


def build_self_bill(agreement: AgreementOnFile, actuals: ConfirmedActuals, provider: ProviderFacts, *,
                    number: str, issued_on: date, invoice_id: str | None = None) -> Invoice:
    """The draft self-billed invoice of one agreement for the period of `actuals`."""
    check_self_billable(agreement, provider)
    if actuals.agreement_id != agreement.agreement_id:
        raise InvalidInvoiceInput("actuals", f"actuals of {actuals.agreement_id} given for {agreement.agreement_id}")
    outside = next((v for v in actuals.visits if not actuals.period.contains(v.local_date)), None)
    if outside is not None:
        raise InvalidInvoiceInput("actuals", f"visit {outside.visit_id} on {outside.local_date} is outside the"
                                             f" period {actuals.period}")
    lines = lines_per_day(actuals) if provider.lines_per_day else lines_per_visit(actuals)
    if not lines:
        raise NothingToInvoice(f"agreement {agreement.agreement_id} has no paid visits in {actuals.period}")
    return Invoice(invoice_id or new_invoice_id(), InvoiceKind.SELF_BILLED, provider.provider_ref, number,
                   actuals.period, issued_on, lines)


@dataclass(frozen=True, slots=True)
class SelfBillRun:
    """The invoices of one run, the last number now issued per provider, and what was left out and why."""

    invoices: tuple[Invoice, ...]
    last_issued: dict[str, int]
    left_out: tuple[tuple[str, str], ...]  # (agreement_id, why)


def self_bill_run(agreements: Iterable[AgreementOnFile], actuals: Mapping[str, ConfirmedActuals],
                  providers: Mapping[str, ProviderFacts], last_issued: Mapping[str, int], *,
                  issued_on: date) -> SelfBillRun:
    """Self-bill every agreement whose actuals are confirmed, numbering each provider's invoices
    consecutively after its last number issued (agreements in id order, so a rerun numbers alike)."""
    by_provider: dict[str, list[AgreementOnFile]] = {}
    left_out: list[tuple[str, str]] = []
    for agreement in agreements:
        provider = providers.get(agreement.provider_ref)
        if provider is None or not provider.self_billing_in_place or agreement.basis is not PaymentBasis.ACTUALS:
            continue
        if agreement.agreement_id not in actuals:
            left_out.append((agreement.agreement_id, "actuals not confirmed"))
            continue
        by_provider.setdefault(agreement.provider_ref, []).append(agreement)
    invoices: list[Invoice] = []
    issued = dict(last_issued)
    for provider_ref in sorted(by_provider):
        provider, last = providers[provider_ref], issued.get(provider_ref)
        for agreement in sorted(by_provider[provider_ref], key=lambda a: a.agreement_id):
            period_actuals = actuals[agreement.agreement_id]
            if not any(v.amount_pence for v in period_actuals.visits):
                left_out.append((agreement.agreement_id, "no paid visits"))  # and no number used: no gap
                continue
            last = next_number(last)
            invoices.append(build_self_bill(agreement, period_actuals, provider, issued_on=issued_on,
                                            number=format_number(provider_ref, last)))
        if last is not None:
            issued[provider_ref] = last
    return SelfBillRun(tuple(invoices), issued, tuple(left_out))
