"""What delivery must be told before it verifies a visit, as agreements' events through delivery's own consumer:
providers registered and a weekly agreement; and a fresh schema knowing both."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, time

from contracts import agreements as ag
from contracts.common import ServiceType
from services.delivery.handlers.agreements import AGREEMENTS
from services.delivery.store import agreements as store_agreements
from shared.testing import DatabaseOnly

EVERY_DAY = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


async def provider_registered(db: DatabaseOnly, provider_id: str, cqc: str, locations: Sequence[str] = ()) -> None:
    await db.send(AGREEMENTS, ag.ProviderRegistered(
        provider_id=provider_id, name=f"Care {provider_id}", cqc_provider_id=cqc, cqc_location_ids=list(locations),
        service_types=[ServiceType.HOME_CARE], self_billing=ag.SelfBilling(in_place=True)))


async def weekly_agreement(db: DatabaseOnly, agreement_id: str, person_ref: str, provider_id: str, start: date,
                           weekdays: Iterable[str] = ("monday",)) -> None:
    """Home care at £24 an hour, paid on actuals weekly: one carer 09:00-09:30 on each of `weekdays`."""
    await db.send(AGREEMENTS, ag.AgreementActivated(
        agreement_id=agreement_id, person_ref=person_ref, provider_id=provider_id, service_type="home_care",
        payment_basis="actuals", cycle="weekly", start=start, end=None,
        terms=[ag.AgreementTerms(version=1, effective_from=start, rates=[ag.Rate(unit="hour", amount_pence=2400)],
                                 schedule=[ag.ScheduledVisit(weekday=d, start_time=time(9), duration_minutes=30,
                                                             carers_required=1) for d in weekdays])],
        suspensions=[]))


@asynccontextmanager
async def delivery_knowing(providers: Iterable[tuple[str, str, list[str]]], *, agreement_id: str, person_ref: str,
                           provider_id: str, start: date, weekdays: Iterable[str]) -> AsyncIterator[DatabaseOnly]:
    """Delivery on a fresh schema, told of `providers` ((provider_id, CQC provider id, CQC location ids)) and of
    one weekly agreement (weekly_agreement) of `provider_id`'s."""
    store_agreements.BOOK.__init__()  # one process, many schemas: this schema's change_seq starts again
    try:
        async with DatabaseOnly("delivery") as db:
            for registered, cqc, locations in providers:
                await provider_registered(db, registered, cqc, locations)
            await weekly_agreement(db, agreement_id, person_ref, provider_id, start, weekdays)
            yield db
    finally:
        store_agreements.BOOK.__init__()
