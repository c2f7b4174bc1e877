"""Putting providers and agreements in front of delivery, and making visit records, for the stack tests.

Agreements arrive as the agreements service publishes them (envelopes on agreements.events), so each
test owns its dates: visits in a week two weeks back (over, not yet auto-confirmed while it keeps
changing), or yesterday for the missed-visit alert.
"""
from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import httpx

from contracts import agreements as contract
from contracts.common import Cycle, PaymentBasis, ServiceType
from contracts.envelope import Actor
from shared.clock import LONDON, london_date, london_local, utcnow, week_start
from shared.events import Cause, envelope_for
from tests.conftest import auth, envelope_of, eventually
from tests.integration.foundation.helpers import send_envelope

TODAY = london_date(utcnow())
WEEK = week_start(TODAY) - timedelta(days=14)  # a Monday; the week is over
WEEKDAYS = list(contract.Weekday)


def cqc_id() -> str:
    return "1-" + "".join(random.choices("0123456789", k=10))


def slot(day: date, at: str = "09:00", minutes: int = 30, carers: int = 1) -> contract.ScheduledVisit:
    return contract.ScheduledVisit(weekday=WEEKDAYS[day.weekday()], start_time=time.fromisoformat(at),
                                   duration_minutes=minutes, carers_required=carers)


def terms(*slots: contract.ScheduledVisit, pence: int = 2400, version: int = 1, effective_from: date | None = None,
          rates: list[contract.Rate] | None = None, **rules: Any) -> contract.AgreementTerms:
    return contract.AgreementTerms(
        version=version, effective_from=effective_from or WEEK - timedelta(days=7),
        rates=rates or [contract.Rate(unit="hour", amount_pence=pence)], schedule=list(slots),
        visit_rules=contract.VisitRules(**rules))


class Setup:
    """A provider and its agreements, published on agreements.events as the agreements service would."""

    def __init__(self, producer) -> None:
        self.producer = producer
        self.provider_id = f"PRV-T{uuid.uuid4().hex[:10].upper()}"
        self.cqc = cqc_id()
        self.cause = Cause(str(uuid.uuid4()), None, Actor(id="test-broker", role="brokerage_officer"))

    def _envelope(self, event, occurred_at: datetime | None = None):
        envelope = envelope_for(event, producer="agreements", council_id="demo-council", cause=self.cause)
        return envelope.model_copy(update={"occurred_at": occurred_at}) if occurred_at else envelope

    async def register(self) -> "Setup":
        await send_envelope(self.producer, self._envelope(contract.ProviderRegistered(
            provider_id=self.provider_id, name="Test Care Ltd", cqc_provider_id=self.cqc, cqc_location_ids=[cqc_id()],
            service_types=[ServiceType.HOME_CARE], self_billing=contract.SelfBilling(in_place=True))))
        return self

    async def activate(self, *versions: contract.AgreementTerms, person: str | None = None,
                       start: date | None = None, occurred_at: datetime | None = None,
                       basis: PaymentBasis = PaymentBasis.ACTUALS, suspensions=(), end: date | None = None,
                       agreement_id: str | None = None, event=contract.AgreementActivated, **extra) -> dict[str, str]:
        agreement_id = agreement_id or f"AGR-T{uuid.uuid4().hex[:10].upper()}"
        person = person or f"SU-{uuid.uuid4().hex[:8].upper()}"
        await send_envelope(self.producer, self._envelope(event(
            agreement_id=agreement_id, person_ref=person, provider_id=self.provider_id,
            service_type=ServiceType.HOME_CARE, payment_basis=basis, cycle=Cycle.WEEKLY,
            start=start or WEEK - timedelta(days=7), end=end, terms=list(versions), suspensions=list(suspensions),
            **extra), occurred_at))
        return {"agreement_id": agreement_id, "person": person}


async def known_to_delivery(http: httpx.AsyncClient, base: str, setup: Setup, agreement_id: str) -> None:
    """Wait until delivery has consumed the provider and the agreement."""
    async def known() -> bool:
        period = await http.get(f"{base}/agreements/{agreement_id}/periods/{WEEK}", headers=auth("ops"))
        listed = await http.get(f"{base}/visits/rejected", params={"provider_id": setup.provider_id, "limit": 1},
                                headers=auth("ops"))
        return period.status_code == 200 and listed.status_code == 200
    await eventually(known, timeout=30, what=f"delivery to know agreement {agreement_id}")


def at(day: date, hhmm: str, plus_minutes: int = 0) -> str:
    """An ISO 8601 UTC time for a London wall-clock time on `day`."""
    instant = london_local(datetime.combine(day, time.fromisoformat(hhmm))) + timedelta(minutes=plus_minutes)
    return instant.astimezone(timezone.utc).isoformat()


def visit_record(setup: Setup, person: str, day: date, *, at_time: str = "09:00", minutes: int = 30,
                 stayed: int | None = 30, late: int = 0, visit_id: str | None = None, carer: str = "C-1",
                 **over: Any) -> dict[str, Any]:
    """A record of a carer at the visit planned at `at_time` (London) on `day`."""
    record = {"provider_ref": setup.cqc, "service_user_ref": person,
              "visit_id": visit_id or f"V-{uuid.uuid4().hex[:8]}",
              "carer_id": carer, "planned_start": at(day, at_time), "planned_end": at(day, at_time, minutes),
              "check_in_method": "app"}
    if stayed is not None:
        record.update(check_in=at(day, at_time, late), check_out=at(day, at_time, late + stayed))
    record.update(over)
    return record


def visit_key(agreement_id: str, day: date, hhmm: str = "09:00") -> str:
    return f"{agreement_id}/{day.isoformat()}/{hhmm}"


def payload_of(record) -> dict[str, Any]:
    return envelope_of(record)["payload"]


def delivery_event(event_type: str, **payload):
    """A tail predicate: a delivery event of `event_type` whose payload has these values."""
    def match(record) -> bool:
        envelope = json.loads(record.value)
        return envelope["event_type"] == event_type and all(envelope["payload"].get(k) == v for k, v in payload.items())
    return match


def london_time(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(LONDON).strftime("%H:%M")


async def agreed(http: httpx.AsyncClient, base: str, producer, *versions: contract.AgreementTerms,
                 **activation: Any) -> tuple[Setup, dict[str, str]]:
    """A new provider with one activated agreement, once delivery knows both."""
    setup = await Setup(producer).register()
    agreement = await setup.activate(*versions, **activation)
    await known_to_delivery(http, base, setup, agreement["agreement_id"])
    return setup, agreement
