"""Delivery's database tier: a fresh schema knowing some providers and one active agreement."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date, time

from contracts import agreements as ag
from contracts.common import ServiceType
from services.delivery.handlers.agreements import AGREEMENTS
from services.delivery.store import agreements as store_agreements
from shared.testing import DatabaseOnly

EVERY_DAY = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@asynccontextmanager
async def delivery_knowing(providers: Iterable[tuple[str, str, list[str]]], *, agreement_id: str, person_ref: str,
                           provider_id: str, start: date, weekdays: Iterable[str]) -> AsyncIterator[DatabaseOnly]:
    """Delivery on a fresh schema, told of `providers` ((provider_id, CQC provider id, CQC location ids)) and of
    one weekly home-care agreement at £24.00 an hour: a 09:00 half-hour visit on each of `weekdays`."""
    store_agreements.BOOK.__init__()  # one process, many schemas: this schema's change_seq starts again
    try:
        async with DatabaseOnly("delivery") as db:
            for registered, cqc, locations in providers:
                await db.send(AGREEMENTS, ag.ProviderRegistered(
                    provider_id=registered, name=f"Care {registered}", cqc_provider_id=cqc,
                    cqc_location_ids=locations, service_types=[ServiceType.HOME_CARE],
                    self_billing=ag.SelfBilling(in_place=True)))
            schedule = [ag.ScheduledVisit(weekday=day, start_time=time(9), duration_minutes=30, carers_required=1)
                        for day in weekdays]
            await db.send(AGREEMENTS, ag.AgreementActivated(
                agreement_id=agreement_id, person_ref=person_ref, provider_id=provider_id, service_type="home_care",
                payment_basis="actuals", cycle="weekly", start=start, end=None,
                terms=[ag.AgreementTerms(version=1, effective_from=start,
                                         rates=[ag.Rate(unit="hour", amount_pence=2400)], schedule=schedule)],
                suspensions=[]))
            yield db
    finally:
        store_agreements.BOOK.__init__()
