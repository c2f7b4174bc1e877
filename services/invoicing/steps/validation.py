"""Validating invoices in the database's transaction: gather the facts, run the three-way match,
record the outcome, announce it. Every path that raises or rechecks an invoice comes through here.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

import asyncpg

from contracts.common import PaymentBasis
from contracts.envelope import Actor, Event
from shared.events import Cause
from shared.outbox import Outbox
from services.invoicing import metrics
from services.invoicing.config import config
from services.invoicing.domain.commitments import commitment_for_period
from services.invoicing.domain.facts import AgreementOnFile
from services.invoicing.domain.holds import ValidationOutcome
from services.invoicing.domain.invoice import Invoice, InvoiceKind, InvoiceStatus
from services.invoicing.domain.lifecycle import record_outcome, recheck, submit
from services.invoicing.domain.periods import Period
from services.invoicing.domain.validation import validate
from services.invoicing.domain.validation_context import ValidationContext
from services.invoicing.events import outcome_events, raised_event
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store.invoices import Filed

SYSTEM = Actor(id="system:invoicing", role="system")


async def lock_agreements(conn: asyncpg.Connection, agreement_ids: Iterable[str]) -> None:
    """Serialise invoicing of the same agreements (in one order: no deadlock), so two invoices for the
    same days never both pass 'already invoiced' by validating side by side."""
    ids = sorted(set(agreement_ids))
    if ids:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('invoicing:agreement:' || a))"
                           " FROM (SELECT unnest($1::text[]) AS a ORDER BY 1) AS ordered", ids)


async def lock_provider_facts(conn: asyncpg.Connection, provider_ids: Iterable[str]) -> None:
    """Serialise what invoicing learns about a provider's agreements and self-billing with the confirmed
    weeks billed against them: of an agreement (or self-billing) and a confirmation of the same provider
    taken side by side, one commits first and the other sees it. Taken first, before any agreement lock,
    in one order."""
    ids = sorted(set(provider_ids))
    if ids:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('invoicing:provider-facts:' || p))"
                           " FROM (SELECT unnest($1::text[]) AS p ORDER BY 1) AS ordered", ids)


async def load_locked(conn: asyncpg.Connection, invoice_id: str) -> Filed | None:
    """An invoice, locked for a step after which it (or another invoice of its agreements) is validated.
    Locks: its provider's facts, then its agreements, then its row — the order every path takes them in,
    so a fact or invoice validated side by side is seen by one side or the other."""
    unlocked = await store_invoices.load(conn, invoice_id)
    if unlocked is None:
        return None
    await lock_provider_facts(conn, [unlocked.invoice.provider_ref])
    await lock_agreements(conn, unlocked.invoice.agreement_ids)
    return await store_invoices.load(conn, invoice_id, for_update=True)


def service_type_of(agreements: Iterable[AgreementOnFile]) -> str | None:
    types = {a.service_type.value for a in agreements if a.service_type is not None}
    return types.pop() if len(types) == 1 else None


def last_payable_date(agreements: Iterable[AgreementOnFile]) -> date | None:
    """The last day anything on the invoice is payable: its agreements' latest end (None if any is open)."""
    ends = [a.end for a in agreements]
    return max(ends) if ends and None not in ends else None  # type: ignore[type-var]


async def context_for(conn: asyncpg.Connection, filed: Filed) -> tuple[ValidationContext, dict[str, AgreementOnFile]]:
    """Every fact validation needs for one invoice, read in this transaction."""
    invoice = filed.invoice
    agreements = await store_facts.agreements(conn, (line.agreement_id for line in invoice.lines))
    provider = await store_facts.provider(conn, invoice.provider_ref)
    actuals = {}
    for agreement_id, agreement in agreements.items():
        lines = [line for line in invoice.lines if line.agreement_id == agreement_id]
        if agreement.basis is PaymentBasis.ACTUALS and lines:
            span = Period(min(x.first_day for x in lines), max(x.last_day for x in lines))
            found = await store_actuals.actuals_covering(conn, agreement_id, agreement.person_ref, span)
            if found is not None:
                actuals[agreement_id] = found
    committed = await store_facts.commitments(conn, agreements)
    commitments = {a: commitment_for_period(w, agreements[a], invoice.period) for a, w in committed.items()}
    earlier = await store_invoices.already_invoiced(conn, agreements, excluding=[invoice.invoice_id])
    # A provider's number held by another of its invoices: this one is the duplicate.
    taken = frozenset({invoice.number}) if invoice.kind is InvoiceKind.PROVIDER_SUBMITTED \
        and filed.number_claim is None else frozenset()
    return ValidationContext(provider, agreements, actuals, commitments, taken, earlier,
                             settings=config().validation,
                             corrected_pence=await _invoiced_before(conn, invoice)), agreements


async def _invoiced_before(conn: asyncpg.Connection, invoice: Invoice) -> dict[str, int]:
    """For a supplementary: pence each agreement is already invoiced for the period, net, by the invoice it
    corrects and that invoice's other corrections not void (credit notes subtract); {} for any other kind."""
    if invoice.kind is not InvoiceKind.SUPPLEMENTARY or not invoice.corrects:
        return {}
    others = [i for i in await store_invoices.corrections_of(conn, invoice.corrects) if i != invoice.invoice_id]
    net: dict[str, int] = {}
    for filed in await store_invoices.load_many(conn, [invoice.corrects, *others]):
        if filed.invoice.status is InvoiceStatus.VOID:
            continue
        sign = -1 if filed.invoice.kind is InvoiceKind.CREDIT_NOTE else 1
        for line in filed.invoice.lines:
            net[line.agreement_id] = net.get(line.agreement_id, 0) + sign * line.amount_pence
    return net


def with_outcome(filed: Filed, ctx: ValidationContext, outcome: ValidationOutcome | None = None) -> Filed:
    """Validated: approved with a due date (a new approval revision) or held with every reason."""
    invoice = filed.invoice
    if invoice.status is InvoiceStatus.DRAFT:
        invoice = submit(invoice, by=SYSTEM.id)
    invoice = record_outcome(invoice, outcome or validate(invoice, ctx, filed.source))
    count_outcome(invoice, "approved" if invoice.status is InvoiceStatus.APPROVED else "held")
    revision = filed.approval_revision + (invoice.status is InvoiceStatus.APPROVED)
    return replace(filed, invoice=invoice, approval_revision=revision)


def count_outcome(invoice: Invoice, outcome: str) -> None:
    metrics.INVOICE_OUTCOMES.labels(invoice.kind.value, outcome).inc()
    if outcome == "held":
        for code in {h.code.value for h in invoice.holds}:
            metrics.INVOICE_HOLDS.labels(code).inc()
    if outcome in ("approved", "released"):
        metrics.APPROVED_PENCE.labels(invoice.kind.value).inc(invoice.total_pence)


def announcements(filed: Filed, agreements: Mapping[str, AgreementOnFile], *, raised: bool) -> list[Event]:
    on_invoice = [agreements[a] for a in filed.invoice.agreement_ids if a in agreements]
    events: list[Event] = [raised_event(filed)] if raised else []
    return events + outcome_events(filed, last_payable_date(on_invoice), agreements)


async def recheck_held(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, invoice_ids: Sequence[str],
                       why: str) -> list[Filed]:
    """Check held invoices again now that a fact changed; one whose holds are unchanged is left as it was
    (no step recorded, nothing announced). Disputed invoices wait for their dispute to close."""
    if not invoice_ids:
        return []
    # Agreement locks before invoice rows, the order every other path takes them in.
    await lock_agreements(conn, await store_invoices.agreements_of(conn, invoice_ids))
    changed = []
    for filed in await store_invoices.load_many(conn, invoice_ids, for_update=True):
        if filed.invoice.status is not InvoiceStatus.HELD or filed.invoice.open_disputes:
            continue
        ctx, agreements = await context_for(conn, filed)
        outcome = validate(filed.invoice, ctx, filed.source)
        if not outcome.approved and outcome.reasons == filed.invoice.holds:
            continue
        before = len(filed.invoice.history)
        again = replace(filed, invoice=recheck(filed.invoice, by=SYSTEM.id, why=why))
        after = with_outcome(again, ctx, outcome)
        await store_invoices.save_state(conn, after, SYSTEM, history_from=before)
        await outbox.publish(conn, announcements(after, agreements, raised=False), cause)
        changed.append(after)
    return changed


async def announce_outcome(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, filed: Filed) -> None:
    """Announce where an invoice stands after a step (approved again, or held)."""
    agreements = await store_facts.agreements(conn, filed.invoice.agreement_ids)
    await outbox.publish(conn, announcements(filed, agreements, raised=False), cause)
