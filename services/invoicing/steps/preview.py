"""The dry run: exactly the invoice the council would raise now for an agreement and a period.

It reads the same facts the raising paths read (the agreement, confirmed weeks, commitment,
earlier invoices, the provider's last number) and calls the same domain function, then writes
nothing: no number is taken, nothing is stored, nothing is published.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts.common import PaymentBasis
from services.invoicing.config import config
from services.invoicing.domain.commitments import commitment_for_period
from services.invoicing.domain.facts import AgreementOnFile, ConfirmedActuals
from services.invoicing.domain.periods import Period
from services.invoicing.domain.raising import Preview, preview, series_for
from services.invoicing.domain.self_billing import group_weeks
from services.invoicing.domain.validation_context import ValidationContext
from services.invoicing.store import actuals as store_actuals
from services.invoicing.store import facts as store_facts
from services.invoicing.store import invoices as store_invoices
from services.invoicing.store import numbering as store_numbering


async def _confirmed(conn: asyncpg.Connection, agreement: AgreementOnFile, period: Period) -> ConfirmedActuals:
    aid = agreement.agreement_id
    weeks = (await store_actuals.confirmed_weeks(conn, [aid], period.first, period.last)).get(aid, set())
    visits = await store_actuals.visits_by_week(conn, ((aid, monday) for monday in weeks))
    confirmed = [ConfirmedActuals(aid, agreement.person_ref, week, tuple(visits.get((aid, week.first), ())))
                 for week in period.weeks() if week.first in weeks]
    return group_weeks(agreement, confirmed, period)  # ActualsNotConfirmed names the weeks still missing


async def preview_invoice(conn: asyncpg.Connection, agreement: AgreementOnFile, period: Period, *,
                          today: date) -> Preview:
    """Raises ActualsNotConfirmed / NothingToInvoice / InvalidInvoiceInput when nothing would be raised."""
    aid = agreement.agreement_id
    provider = await store_facts.provider(conn, agreement.provider_ref)
    actuals = await _confirmed(conn, agreement, period) if agreement.basis is PaymentBasis.ACTUALS \
        and provider.self_billing_in_place else None
    committed = await store_facts.commitments(conn, [aid])
    commitments = {aid: commitment_for_period(committed[aid], agreement, period)} if aid in committed else {}
    context = ValidationContext(provider, {aid: agreement}, {aid: actuals} if actuals else {}, commitments,
                                already_invoiced=await store_invoices.already_invoiced(conn, [aid]),
                                settings=config().validation)
    last = await store_numbering.last_issued(conn, agreement.provider_ref, series_for(agreement))
    return preview(agreement, period, provider, today=today, last_number_issued=last, actuals=actuals,
                   context=context)
