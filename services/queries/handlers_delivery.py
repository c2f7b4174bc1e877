"""delivery.events in: visits and confirmed weeks a query can be about, and re-verifications done.

A visit is known by its `visit_key` (agreement and planned local start) from its first VisitVerified
or its VisitMissed; a week of actuals by `<agreement_id>/<week_start>`. VisitCorrected echoing a
query's ids completes that query's reverify_visit effect, linking the visit; VisitReverificationRefused
fails it with delivery's reason.
"""
from __future__ import annotations

from datetime import date

import asyncpg

from contracts import delivery as contract
from contracts.queries import SubjectKind
from services.queries import store_subjects
from services.queries.effects_in import record_result
from shared.consumer import Consumer, Incoming


def period_actuals_id(agreement_id: str, week_start: date) -> str:
    """How a query names a week of an agreement's actuals."""
    return f"{agreement_id}/{week_start.isoformat()}"


async def on_visit(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.VisitVerified | contract.VisitMissed = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.VISIT, event.visit_key, provider_id=event.provider_id,
                                person_refs=[event.person_ref], agreement_id=event.agreement_id)


async def on_visit_corrected(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.VisitCorrected = message.event  # type: ignore[assignment]
    await on_visit(conn, message)
    if event.query_id and event.effect_id:
        await record_result(conn, DELIVERY, message, event.query_id, event.effect_id, result_ref=event.visit_key)


async def on_reverification_refused(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.VisitReverificationRefused = message.event  # type: ignore[assignment]
    await record_result(conn, DELIVERY, message, event.query_id, event.effect_id, failure=event.reason)


async def on_period_confirmed(conn: asyncpg.Connection, message: Incoming) -> None:
    event: contract.PeriodActualsConfirmed = message.event  # type: ignore[assignment]
    await store_subjects.record(conn, SubjectKind.PERIOD_ACTUALS, period_actuals_id(event.agreement_id,
                                                                                     event.week_start),
                                provider_id=event.provider_id, person_refs=[event.person_ref],
                                agreement_id=event.agreement_id)


DELIVERY = Consumer(
    name="queries.delivery",
    topic=contract.TOPIC,
    handlers={
        contract.VisitVerified: on_visit,
        contract.VisitMissed: on_visit,
        contract.VisitCorrected: on_visit_corrected,
        contract.VisitReverificationRefused: on_reverification_refused,
        contract.PeriodActualsConfirmed: on_period_confirmed,
    },
    description="Visits (verified or missed) and confirmed weeks of actuals a query can be about, with their "
                "provider and person; VisitCorrected echoing a query's ids completes its re-verification, "
                "VisitReverificationRefused fails it with the reason.",
)
