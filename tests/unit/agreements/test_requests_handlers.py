"""requests.events in: a budget change refreshes the person's commitment through the handler's context."""
from __future__ import annotations

import asyncio

from contracts import requests as requests_contract
from contracts.envelope import Actor
from shared.consumer import Context
from shared.records import Incoming
from shared.events import Cause, envelope_for
from services.agreements.handlers import CONSUMERS
from services.agreements.handlers import requests as handlers


class FakeOutbox:
    async def publish(self, conn, events, cause):  # pragma: no cover - refresh is replaced in these tests
        raise AssertionError("nothing is published directly by the handler")


def _context(event) -> Context:
    envelope = envelope_for(event, producer="requests", council_id="demo-council",
                            cause=Cause("corr-1", None, Actor(id="u-1", role="social_worker")))
    incoming = Incoming(event.TOPIC, 0, 0, event.aggregate_id(), None, {}, message_id=str(envelope.event_id),
                        envelope=envelope, event=event)
    return Context(envelope, FakeOutbox(), incoming)


def test_the_consumer_reads_the_five_request_events_as_agreements_requests():
    (consumer,) = CONSUMERS
    assert (consumer.name, consumer.topic) == ("agreements.requests", "requests.events")
    assert set(consumer.reads()) == {requests_contract.ServiceRequested, requests_contract.BudgetAgreed,
                                     requests_contract.BudgetReassessed, requests_contract.RequestApproved,
                                     requests_contract.RequestCancelled}


def test_an_agreed_budget_refreshes_the_commitment_with_the_context_outbox_and_cause(monkeypatch):
    calls = []

    async def lock_person(_conn, person_ref):
        calls.append(("lock", person_ref))

    async def record_budget(_conn, person_ref, request_id, budget, contribution, agreed_at):
        calls.append(("budget", person_ref, request_id, budget, contribution))
        return True

    async def refresh_commitment(_conn, outbox, cause, person_ref):
        calls.append(("refresh", outbox, cause, person_ref))

    monkeypatch.setattr(handlers.store_agreements, "lock_person", lock_person)
    monkeypatch.setattr(handlers.store_commitments, "record_budget", record_budget)
    monkeypatch.setattr(handlers, "refresh_commitment", refresh_commitment)
    event = requests_contract.BudgetAgreed(request_id="REQ-1", person_ref="SU-1", weekly_budget_pence=50_000,
                                           weekly_contribution_pence=5_000)
    ctx = _context(event)

    asyncio.run(handlers.on_budget_agreed(object(), event, ctx))

    assert calls == [("lock", "SU-1"), ("budget", "SU-1", "REQ-1", 50_000, 5_000),
                     ("refresh", ctx.outbox, ctx.cause, "SU-1")]


def test_an_older_budget_arriving_late_refreshes_nothing(monkeypatch):
    refreshed = []

    async def lock_person(_conn, _person_ref):
        return None

    async def record_budget(*_args):
        return False

    async def refresh_commitment(*args):
        refreshed.append(args)

    monkeypatch.setattr(handlers.store_agreements, "lock_person", lock_person)
    monkeypatch.setattr(handlers.store_commitments, "record_budget", record_budget)
    monkeypatch.setattr(handlers, "refresh_commitment", refresh_commitment)
    event = requests_contract.BudgetAgreed(request_id="REQ-2", person_ref="SU-2", weekly_budget_pence=40_000,
                                           weekly_contribution_pence=0)

    asyncio.run(handlers.on_budget_agreed(object(), event, _context(event)))

    assert refreshed == []
