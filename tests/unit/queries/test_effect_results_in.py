"""An owning service's answer to an effect is recorded through the outbox the handler is given
(`ctx.outbox`), as following from that event and acted by the platform; a query this service does not
hold is dropped."""
from __future__ import annotations

from types import SimpleNamespace

from contracts import invoicing as inv
from contracts.envelope import Actor
from contracts.queries import QueryEffectFailed
from services.queries.domain.outcomes import CreditNote, EffectStatus
from services.queries.domain.query import QueryStatus
from services.queries.handlers import invoicing as handlers_invoicing
from services.queries.store import queries as store_queries
from shared.consumer import Context
from shared.records import Incoming
from shared.events import Cause, envelope_for
from tests.unit.queries.query_builders import dispute, query_in


class FakeOutbox:
    def __init__(self) -> None:
        self.published: list[tuple[list, Cause]] = []

    async def publish(self, _conn, events, cause):
        self.published.append((list(events), cause))
        return []


def _context(event, outbox) -> Context:
    envelope = envelope_for(event, producer="invoicing", council_id="c",
                            cause=Cause("corr-1", None, Actor(id="u-officer-9", role="finance_officer")))
    return Context(envelope, outbox, Incoming(inv.TOPIC, 0, 0, envelope.aggregate_id, None, {}, message_id="m0"))


def _refused(query_id: str = "QRY-TEST") -> inv.InvoiceCorrectionRefused:
    return inv.InvoiceCorrectionRefused(query_id=query_id, effect_id="EFF-1", provider_id="PRV-101010101",
                                        invoice_id="INV-1", outcome="credit_note", reason="INV-1 is paid in full")


async def test_a_refused_correction_fails_the_effect_through_the_handlers_outbox(monkeypatch):
    held = {"QRY-TEST": query_in(QueryStatus.RESOLVED, dispute(), CreditNote(2_385))}
    saved = []

    async def load(_conn, query_id, *, for_update=False):
        assert for_update
        return held.get(query_id)

    async def save(_conn, query):
        saved.append(query)

    monkeypatch.setattr(store_queries, "load", load)
    monkeypatch.setattr(store_queries, "save", save)
    outbox = FakeOutbox()
    ctx = _context(_refused(), outbox)
    await handlers_invoicing.on_correction_refused(SimpleNamespace(), ctx.envelope.payload, ctx)

    [query] = saved
    assert (query.effect.status, query.effect.failure_reason) == (EffectStatus.FAILED, "INV-1 is paid in full")
    [(events, cause)] = outbox.published
    assert events == [QueryEffectFailed(query_id="QRY-TEST", effect_id="EFF-1", outcome="credit_note")]
    assert (cause.correlation_id, cause.causation_id) == ("corr-1", str(ctx.envelope.event_id))
    assert cause.actor.id == "system:queries"


async def test_a_result_for_a_query_not_held_here_is_dropped(monkeypatch):
    async def load(_conn, _query_id, *, for_update=False):
        return None

    monkeypatch.setattr(store_queries, "load", load)
    outbox = FakeOutbox()
    ctx = _context(_refused("QRY-ELSEWHERE"), outbox)
    await handlers_invoicing.on_correction_refused(SimpleNamespace(), ctx.envelope.payload, ctx)
    assert outbox.published == []
