"""Checks of the amounts: three-way match of invoice x verified delivery (or plan) x agreement.

Each line's expected figure is what the council would pay for exactly what the line covers:
- actuals, a visit line: the verified amount of that visit (that carer, when named);
- actuals, any other line: the verified amounts of the agreement's visits on the line's dates;
- plan: the plan price of the line's dates (see `plan_pricing`).
The tolerance is per invoice: the sum over lines of |claimed - expected| may be up to the
tolerance (default 50p); beyond it every line that differs is held with its expected figure.
Then the safety bound: an agreement invoiced more than the safety share (default 10%) above its
commitment for the period is held for an officer, whatever the actuals say.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from contracts.common import PaymentBasis
from shared.money import format_gbp
from services.invoicing.domain.checks_order import label, lines_of_our_agreements, numbers
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, VerifiedVisitLine
from services.invoicing.domain.holds import HoldCode, HoldReason
from services.invoicing.domain.invoice import Invoice, InvoiceLine
from services.invoicing.domain.periods import format_span
from services.invoicing.domain.plan_pricing import plan_price
from services.invoicing.domain.validation_context import ValidationContext


class VerifiedIndex:
    """One agreement's confirmed actuals, indexed by visit and by day."""

    def __init__(self, actuals: ConfirmedActuals) -> None:
        self.period = actuals.period
        self.gaps = actuals.gaps
        self.by_visit: dict[str, list[VerifiedVisitLine]] = defaultdict(list)
        self.by_day: dict[date, int] = defaultdict(int)
        for v in actuals.visits:
            self.by_visit[v.visit_id].append(v)
            self.by_day[v.local_date] += v.amount_pence

    def covers(self, line: InvoiceLine) -> bool:
        inside = self.period.first <= line.first_day and line.last_day <= self.period.last
        return inside and not any(gap.overlap(line.days) for gap in self.gaps)

    def visit(self, line: InvoiceLine) -> list[VerifiedVisitLine]:
        carer, first, last = line.carer_id, line.first_day, line.last_day
        return [v for v in self.by_visit.get(line.visit_id, ())  # type: ignore[arg-type]
                if (carer is None or v.carer_id == carer) and first <= v.local_date <= last]

    def days(self, line: InvoiceLine) -> int:
        if line.first_day == line.last_day:
            return self.by_day.get(line.first_day, 0)
        return sum(self.by_day.get(day, 0) for day in line.days.days())


class LineEvidence(NamedTuple):
    """What the council knows of one line: confirmed actuals? a verified visit? the expected figure."""

    line: InvoiceLine
    agreement: AgreementOnFile
    confirmed: bool  # always True for a plan line
    verified: bool  # a visit line found among the verified visits (True for other lines)
    expected_pence: int | None  # None when the council cannot price the line


def line_evidence(invoice: Invoice, ctx: ValidationContext) -> list[LineEvidence]:
    """The evidence of every line of our agreements, worked out once per invoice."""
    def gather() -> list[LineEvidence]:
        indexes: dict[str, VerifiedIndex | None] = {}
        out = []
        for line, agreement in lines_of_our_agreements(invoice, ctx):
            if agreement.basis is PaymentBasis.PLAN:
                out.append(LineEvidence(line, agreement, True, True, plan_price(agreement, line.days)))
                continue
            if line.agreement_id not in indexes:
                actuals = ctx.actuals.get(line.agreement_id)
                indexes[line.agreement_id] = VerifiedIndex(actuals) if actuals is not None else None
            index = indexes[line.agreement_id]
            if index is None or not index.covers(line):
                out.append(LineEvidence(line, agreement, False, False, None))
            elif line.visit_id is None:
                out.append(LineEvidence(line, agreement, True, True, index.days(line)))
            else:
                matches = index.visit(line)
                expected = sum([v.amount_pence for v in matches]) if matches else None
                out.append(LineEvidence(line, agreement, True, expected is not None, expected))
        return out
    return ctx.remember("line_evidence", invoice, gather)


def actuals_confirmed(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    waiting: dict[str, list[InvoiceLine]] = {}
    for e in line_evidence(invoice, ctx):
        if not e.confirmed:
            waiting.setdefault(e.agreement.agreement_id, []).append(e.line)
    return [HoldReason(HoldCode.ACTUALS_NOT_CONFIRMED,
                       f"{label(lines)}: the visits of agreement {agreement_id} for "
                       f"{format_span(min(x.first_day for x in lines), max(x.last_day for x in lines))} are not"
                       " confirmed yet. The invoice is checked again when they are; make sure your call monitoring"
                       " records for those dates have been sent.", numbers(lines), agreement_id)
            for agreement_id, lines in waiting.items()]


def visits_verified(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    reasons = []
    for line, agreement, confirmed, verified, _ in line_evidence(invoice, ctx):
        if confirmed and not verified:
            carer = f" by carer {line.carer_id}" if line.carer_id else ""
            reasons.append(HoldReason(HoldCode.VISIT_NOT_VERIFIED,
                                      f"{label([line])}: visit {line.visit_id}{carer} on "
                                      f"{format_span(line.first_day, line.last_day)} has no verified attendance under"
                                      f" agreement {agreement.agreement_id}; remove the line, or raise a query with"
                                      " your call monitoring evidence.", (line.line_number,), agreement.agreement_id))
    return reasons


def _basis_of(line: InvoiceLine, agreement: AgreementOnFile) -> str:
    when = format_span(line.first_day, line.last_day)
    if agreement.basis is PaymentBasis.ACTUALS:
        return "the verified visit comes to" if line.visit_id else f"the verified visits on {when} come to"
    suspended = sum(agreement.is_active_on(d) and agreement.is_suspended_on(d) for d in line.days.days())
    less = f", less {suspended} day(s) of suspension," if suspended else ""
    return f"the plan for {when}{less} comes to"


def amounts_agree(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    priced = [(e.line, e.agreement, e.expected_pence) for e in line_evidence(invoice, ctx)
              if e.expected_pence is not None]
    if sum(abs(line.amount_pence - expected) for line, _, expected in priced) <= ctx.settings.tolerance_pence:
        return []
    return [HoldReason(HoldCode.AMOUNT_DIFFERS_FROM_ACTUALS if agreement.basis is PaymentBasis.ACTUALS
                       else HoldCode.AMOUNT_DIFFERS_FROM_PLAN,
                       f"{label([line])} claims {format_gbp(line.amount_pence)} but {_basis_of(line, agreement)} "
                       f"{format_gbp(expected)}; correct the line to {format_gbp(expected)}, or raise a query with"
                       " your evidence.", (line.line_number,), agreement.agreement_id, expected, line.amount_pence)
            for line, agreement, expected in priced if line.amount_pence != expected]


def within_safety_bound(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    claimed: dict[str, int] = defaultdict(int)
    agreements: dict[str, AgreementOnFile] = {}
    for line, agreement in lines_of_our_agreements(invoice, ctx):
        claimed[agreement.agreement_id] += line.amount_pence
        agreements[agreement.agreement_id] = agreement
    for agreement_id in claimed:  # a supplementary adds to what the agreement is already invoiced for
        claimed[agreement_id] += ctx.corrected_pence.get(agreement_id, 0)
    share, reasons = ctx.settings.safety_share, []
    for agreement_id, amount in claimed.items():
        agreement, commitment = agreements[agreement_id], ctx.commitments.get(agreement_id)
        if commitment is None and agreement.basis is PaymentBasis.PLAN:
            commitment = plan_price(agreement, invoice.period)
        if commitment is None:
            reasons.append(HoldReason(HoldCode.COMMITMENT_UNKNOWN,
                                      f"Agreement {agreement_id} has no commitment on record for {invoice.period}; an"
                                      " officer will check the invoice before it is approved.",
                                      agreement_id=agreement_id, claimed_pence=amount))
        elif amount * share.denominator > commitment * (share.denominator + share.numerator):
            reasons.append(HoldReason(HoldCode.ABOVE_COMMITMENT,
                                      f"Agreement {agreement_id} is invoiced at {format_gbp(amount)} for "
                                      f"{invoice.period}, more than {ctx.settings.safety_percent} above its commitment"
                                      f" of {format_gbp(commitment)}; an officer will check it before it is approved.",
                                      agreement_id=agreement_id, expected_pence=commitment, claimed_pence=amount))
    return reasons

