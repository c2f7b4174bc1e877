"""agreements.events in: providers' feed references and the whole of every agreement, to plan and price visits.

Each change takes the next `change_seq` under an advisory lock, so every instance refreshes its in-memory
`AgreementBook` with one query before each batch, whichever instance consumed the event.
"""
from __future__ import annotations

import asyncpg

from contracts import agreements
from services.delivery.store import agreements as store_agreements
from shared.consumer import Context, EventConsumer

AgreementChange = (agreements.AgreementActivated | agreements.AgreementVaried | agreements.AgreementSuspended
                   | agreements.AgreementResumed | agreements.AgreementEnded)


async def on_provider_registered(conn: asyncpg.Connection, event: agreements.ProviderRegistered,
                                 ctx: Context) -> None:
    """A provider's feeds may name it by its CQC provider ID or any of its CQC location IDs."""
    await store_agreements.record_provider(conn, event.provider_id, [event.cqc_provider_id, *event.cqc_location_ids],
                                           ctx.envelope.occurred_at)


async def on_agreement_changed(conn: asyncpg.Connection, event: AgreementChange, ctx: Context) -> None:
    """Every agreement event carries the whole agreement: keep the latest (never an older one)."""
    await store_agreements.record_agreement(conn, event, ctx.envelope.occurred_at)


AGREEMENTS = EventConsumer(
    name="delivery.agreements",
    topic=agreements.TOPIC,
    handlers={agreements.ProviderRegistered: on_provider_registered,
              agreements.AgreementActivated: on_agreement_changed,
              agreements.AgreementVaried: on_agreement_changed,
              agreements.AgreementSuspended: on_agreement_changed,
              agreements.AgreementResumed: on_agreement_changed,
              agreements.AgreementEnded: on_agreement_changed},
    description="Providers' feed references and the whole of every agreement: schedules, terms by version, "
                "suspensions and dates, to plan, match and price visits.",
)
