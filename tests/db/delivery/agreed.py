"""What delivery must be told before it verifies a visit: a provider registered and a weekly agreement, as
agreements' events through delivery's own consumer."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from contracts import agreements as ag
from contracts.common import ServiceType
from services.delivery.handlers.agreements import AGREEMENTS
from shared.testing import DatabaseOnly


async def provider_registered(db: DatabaseOnly, provider_id: str, cqc: str, locations: Sequence[str] = ()) -> None:
    await db.send(AGREEMENTS, ag.ProviderRegistered(
        provider_id=provider_id, name=f"Care {provider_id}", cqc_provider_id=cqc, cqc_location_ids=list(locations),
        service_types=[ServiceType.HOME_CARE], self_billing=ag.SelfBilling(in_place=True)))


async def weekly_agreement(db: DatabaseOnly, agreement_id: str, person_ref: str, provider_id: str, start: date,
                           weekdays: Sequence[str] = ("monday",)) -> None:
    """Home care at £24 an hour, paid on actuals weekly: one carer 09:00-09:30 on each of `weekdays`."""
    await db.send(AGREEMENTS, ag.AgreementActivated(
        agreement_id=agreement_id, person_ref=person_ref, provider_id=provider_id, service_type="home_care",
        payment_basis="actuals", cycle="weekly", start=start, end=None,
        terms=[ag.AgreementTerms(version=1, effective_from=start, rates=[ag.Rate(unit="hour", amount_pence=2400)],
                                 schedule=[ag.ScheduledVisit(weekday=d, start_time=time(9), duration_minutes=30,
                                                             carers_required=1) for d in weekdays])],
        suspensions=[]))
