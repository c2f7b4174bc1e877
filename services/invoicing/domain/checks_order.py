"""Checks against the order: the invoice has lines that can be read, each naming an agreement we
hold, with this provider, for this person, active on every date the line covers; and the provider
can be paid (bank details verified). One function per reason code.
"""
from __future__ import annotations

from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.holds import HoldCode, HoldReason, name_lines
from services.invoicing.domain.invoice import Invoice, InvoiceLine
from services.invoicing.domain.periods import format_day, format_span
from services.invoicing.domain.validation_context import ValidationContext


def label(lines: list[InvoiceLine]) -> str:
    return name_lines([line.line_number for line in lines], [line.source_row for line in lines])


def numbers(lines: list[InvoiceLine]) -> tuple[int, ...]:
    return tuple(line.line_number for line in lines)


def lines_of_our_agreements(invoice: Invoice, ctx: ValidationContext) -> list[tuple[InvoiceLine, AgreementOnFile]]:
    """Lines whose agreement we hold, with this provider and for this person (the ones later checks can price)."""
    def find() -> list[tuple[InvoiceLine, AgreementOnFile]]:
        ours = []
        for line in invoice.lines:
            agreement = ctx.agreements.get(line.agreement_id)
            if agreement and agreement.provider_ref == invoice.provider_ref and agreement.person_ref == line.person_ref:
                ours.append((line, agreement))
        return ours
    return ctx.remember("lines_of_our_agreements", invoice, find)


def has_lines(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    if invoice.lines or invoice.unreadable:
        return []
    return [HoldReason(HoldCode.INVOICE_HAS_NO_LINES, "The invoice has no lines: add a line for each agreement and"
                                                      " the dates or visits it charges for.")]


def lines_readable(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    return [HoldReason(HoldCode.LINE_UNREADABLE,
                       f"{name_lines([u.line_number], [u.source_row])} cannot be read: {'; '.join(u.problems)}."
                       " Correct it and send the invoice again.", (u.line_number,))
            for u in invoice.unreadable]


def _by_agreement(lines: list[InvoiceLine]) -> dict[str, list[InvoiceLine]]:
    grouped: dict[str, list[InvoiceLine]] = {}
    for line in lines:
        grouped.setdefault(line.agreement_id, []).append(line)
    return grouped


def agreement_exists(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    unknown = _by_agreement([line for line in invoice.lines if line.agreement_id not in ctx.agreements])
    return [HoldReason(HoldCode.AGREEMENT_NOT_FOUND, f"{label(lines)}: agreement {agreement_id} is not an agreement"
                       " we hold; use the agreement reference on your purchase order.", numbers(lines), agreement_id)
            for agreement_id, lines in unknown.items()]


def agreement_of_this_provider(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    others = _by_agreement([line for line in invoice.lines if line.agreement_id in ctx.agreements
                            and ctx.agreements[line.agreement_id].provider_ref != invoice.provider_ref])
    return [HoldReason(HoldCode.AGREEMENT_OF_ANOTHER_PROVIDER, f"{label(lines)}: agreement {agreement_id} is with"
                       " another provider; invoice only your own agreements.", numbers(lines), agreement_id)
            for agreement_id, lines in others.items()]


def agreement_of_this_person(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    wrong: dict[tuple[str, str], list[InvoiceLine]] = {}
    for line in invoice.lines:
        agreement = ctx.agreements.get(line.agreement_id)
        if agreement and agreement.provider_ref == invoice.provider_ref and agreement.person_ref != line.person_ref:
            wrong.setdefault((line.agreement_id, line.person_ref), []).append(line)
    return [HoldReason(HoldCode.AGREEMENT_OF_ANOTHER_PERSON,
                       f"{label(lines)}: agreement {agreement_id} is for service user "
                       f"{ctx.agreements[agreement_id].person_ref}, not {person}; correct the service user or the"
                       " agreement reference.", numbers(lines), agreement_id)
            for (agreement_id, person), lines in wrong.items()]


def agreement_active_on_line_dates(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    reasons = []
    for line, agreement in lines_of_our_agreements(invoice, ctx):
        if agreement.is_active_on(line.first_day) and agreement.is_active_on(line.last_day):
            continue
        if line.first_day < agreement.start:
            when = f"starts on {format_day(agreement.start)}"
        else:
            when = f"ended on {format_day(agreement.end)}"  # type: ignore[arg-type]  # only an end leaves it
        inside = line.days.overlap(agreement.active_period)
        fix = f"charge only {format_span(inside.first, inside.last)}" if inside else "remove the line"
        reasons.append(HoldReason(HoldCode.AGREEMENT_NOT_ACTIVE,
                                  f"{label([line])}: agreement {agreement.agreement_id} {when} but the line covers "
                                  f"{format_span(line.first_day, line.last_day)}; {fix}.",
                                  (line.line_number,), agreement.agreement_id))
    return reasons


def bank_details_verified(invoice: Invoice, ctx: ValidationContext) -> list[HoldReason]:
    if ctx.provider.bank_details_verified:
        return []
    return [HoldReason(HoldCode.BANK_DETAILS_NOT_VERIFIED,
                       "We hold no verified bank details for you: a change of bank details is checked by a second"
                       " officer before anything is paid. If you have not sent your bank details, send them; the"
                       " invoice is checked again once they are verified.")]
