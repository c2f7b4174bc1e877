"""Self-billing in the database: the invoices whose periods the latest confirmed weeks complete.

Given (agreement, week) pairs just confirmed, in one transaction and a fixed number of round trips
whatever their count: find the period of each (weekly, or the four-weekly period when its weeks
are all confirmed), leave out what is already invoiced or not self-billed, build each invoice
from the stored visit lines, number them from the provider's gapless sequence, validate them at
once, COPY them in, and announce InvoiceIssued with InvoiceApproved or InvoiceHeld.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

import asyncpg

from contracts.common import PaymentBasis
from shared.events import Cause
from shared.logging import get_logger
from shared.outbox import Outbox
from services.invoicing.config import config
from services.invoicing.domain.commitments import commitment_for_period
from services.invoicing.domain.errors import NothingToInvoice
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals, ProviderFacts
from services.invoicing.domain.invoice import Invoice, InvoiceStatus, StatusChange
from services.invoicing.domain.numbering import Series, format_number
from services.invoicing.domain.periods import Period, period_of
from services.invoicing.domain.self_billing import build_self_bill, group_weeks, weeks_needed
from services.invoicing.domain.validation_context import ValidationContext
from services.invoicing.steps.validation import SYSTEM, announcements, lock_agreements, with_outcome
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import numbering as store_numbering
from services.invoicing.store.invoices import Filed

log = get_logger(__name__)


async def self_bill(conn: asyncpg.Connection, outbox: Outbox, cause_of: Callable[[str], Cause],
                    confirmed: Iterable[tuple[str, date]], *, issued_on: date) -> list[Filed]:
    """Raise the self-billed invoices that the confirmed (agreement, week) pairs make due; each
    invoice's events follow from `cause_of(agreement_id)` (the confirmation that completed it)."""
    pairs = set(confirmed)
    agreements = await store_facts.agreements(conn, (a for a, _ in pairs))
    providers = await store_facts.providers(conn, (a.provider_ref for a in agreements.values()))
    anchor = config().four_weekly_anchor
    due = {(agreement_id, period_of(monday, agreements[agreement_id].cycle, anchor))
           for agreement_id, monday in pairs if agreement_id in agreements
           and agreements[agreement_id].basis is PaymentBasis.ACTUALS
           and providers[agreements[agreement_id].provider_ref].self_billing_in_place}
    if not due:
        return []
    # Locked before looking for earlier invoices: a concurrent raise of the same period commits first.
    await lock_agreements(conn, (a for a, _ in due))
    raised = await store_invoices.originals_for(conn, "self_billed", ((a, p.first, p.last) for a, p in due))
    due = {(a, p) for a, p in due if (a, p.first, p.last) not in raised}
    weeks = await store_actuals.confirmed_weeks(conn, {a for a, _ in due}, min(p.first for _, p in due),
                                                max(p.last for _, p in due)) if due else {}
    # A four-weekly period with a week still to confirm waits for it: its lines are not read now.
    due = {(a, p) for a, p in due if all(week.first in weeks.get(a, ()) for week, _ in weeks_needed(agreements[a], p))}
    if not due:
        return []
    visits = await store_actuals.visits_by_week(conn, ((a, w.first) for a, p in due for w in p.weeks()
                                                       if w.first in weeks[a]))
    drafts = [d for d in (_draft(agreements[a], p, weeks[a], providers, visits, issued_on)
                          for a, p in sorted(due, key=lambda d: (agreements[d[0]].provider_ref, d[0], d[1])))
              if d is not None]
    filed = await _numbered_and_validated(conn, drafts, agreements, providers)
    await store_invoices.insert_filed(conn, filed, SYSTEM)
    await outbox.add(conn, [outbox.envelope(event, cause_of(f.agreement_id)) for f in filed
                            for event in announcements(f, agreements, raised=True)])
    return filed


def _draft(agreement: AgreementOnFile, period: Period, confirmed: set[date], providers: dict[str, ProviderFacts],
           visits: dict[tuple[str, date], list], issued_on: date) -> tuple[Invoice, ConfirmedActuals] | None:
    """The unnumbered invoice of a complete period, with the actuals it was built from."""
    aid = agreement.agreement_id
    weeks = [ConfirmedActuals(aid, agreement.person_ref, week, tuple(visits.get((aid, week.first), ())))
             for week in period.weeks() if week.first in confirmed]
    try:
        grouped = group_weeks(agreement, weeks, period)
        return build_self_bill(agreement, grouped, providers[agreement.provider_ref], number="",
                               issued_on=issued_on), grouped
    except NothingToInvoice as why:
        log.info("nothing to self-bill", agreement_id=aid, period=str(period), why=str(why))
        return None


async def _numbered_and_validated(conn, drafts: list[tuple[Invoice, ConfirmedActuals]],
                                  agreements: dict[str, AgreementOnFile], providers) -> list[Filed]:
    numbers = await store_numbering.allocate_numbers(
        conn, Counter((d.provider_ref, Series.SELF_BILLED) for d, _ in drafts))
    next_of = {key: iter(span) for key, span in numbers.items()}
    ids = {d.lines[0].agreement_id for d, _ in drafts}
    committed = await store_facts.commitments(conn, ids)
    earlier: dict[str, list] = {}
    for period in await store_invoices.already_invoiced(conn, ids):
        earlier.setdefault(period.agreement_id, []).append(period)
    settings = config().validation
    out = []
    for draft, actuals in drafts:
        number = format_number(draft.provider_ref, next(next_of[(draft.provider_ref, Series.SELF_BILLED)]))
        agreement = agreements[actuals.agreement_id]
        raise_step = StatusChange("raise", None, InvoiceStatus.DRAFT, SYSTEM.id,
                                  f"self-billed from the actuals confirmed for {actuals.period}")
        invoice = replace(draft, number=number, history=(raise_step,))
        commitments = {agreement.agreement_id: commitment_for_period(committed[agreement.agreement_id], agreement,
                                                                     actuals.period)} \
            if agreement.agreement_id in committed else {}
        ctx = ValidationContext(providers[draft.provider_ref], {agreement.agreement_id: agreement},
                                {agreement.agreement_id: actuals}, commitments,
                                already_invoiced=tuple(earlier.get(agreement.agreement_id, ())), settings=settings)
        service_type = agreement.service_type.value if agreement.service_type else None
        out.append(with_outcome(Filed(invoice, "self_billing", service_type), ctx))
    return out

