"""The SLA clock on the stack: a query nobody acknowledged in 2 working days is announced as breached
(QuerySlaBreached, once), counted in the metric, and listed as breached to officers.

An SLA is whole working days, so no query raised during a test can breach within it. The query is
therefore stored as raised ten days ago, through the service's own domain and store (exactly the row
`POST /queries` would have written then); the running service's minute job does the rest.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from contracts.queries import PartyRole, QueryCategory, SubjectKind
from services.queries.domain.lifecycle import assign, raise_query
from services.queries.domain.query import Assignment, Party, Subject
from services.queries.store import queries as store_queries
from shared.clock import utcnow
from tests.conftest import envelope_of, eventually, unique
from tests.integration.queries.queries_helpers import OFFICER, event_of

pytestmark = pytest.mark.stack
JOB_EVERY_S = 60


async def stored_long_ago(db, team: str) -> str:
    raised_at = utcnow() - timedelta(days=10)
    subject = Subject(SubjectKind.INVOICE, unique("INV-SLA"), provider_id=unique("PRV-SLA"))
    query = raise_query(subject, QueryCategory.LATE_PAYMENT, "Still not paid.",
                        Party(PartyRole.PROVIDER, "u-sla", provider_id=subject.provider_id), raised_at).query
    query = assign(query, Party.officer("u-lead"), raised_at, Assignment(team=team)).query
    await db.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await db.execute("SET search_path TO queries")
    await store_queries.save(db, query)
    return query.query_id


async def test_an_unacknowledged_query_is_announced_breached_once_as_the_deadline_passes(http, stack, db, tail):
    base, team = stack["queries"], unique("TEAM-SLA")
    async with tail("queries.events") as events:
        query_id = await stored_long_ago(db, team)
        [breach] = await events.wait_for(event_of("QuerySlaBreached", query_id=query_id),
                                         timeout=JOB_EVERY_S + 30)
    payload = envelope_of(breach)["payload"]
    assert (payload["sla"], payload["category"], payload["team"]) == ("acknowledge", "late_payment", team)
    assert envelope_of(breach)["actor"]["id"] == "system:queries-sla"

    listed = await http.get(f"{base}/queries", headers=OFFICER, params={"team": team, "sla_state": "breached"})
    assert [q["query_id"] for q in listed.json()] == [query_id]
    shown = (await http.get(f"{base}/queries/{query_id}", headers=OFFICER)).json()
    assert [b["sla"] for b in shown["sla"]["breaches"]] == ["acknowledge"]
    assert shown["history"][-1]["action"] == "sla_breached"
    # The next pass has nothing to say about it until the resolve deadline.
    assert await db.fetchval("SELECT next_breach_check > now() FROM queries WHERE query_id = $1", query_id)

    async def counted():
        lines = (await http.get(f"{base}/metrics")).text.splitlines()
        return any(line.startswith("carepay_query_sla_breaches_total{") and 'sla="acknowledge"' in line
                   and 'category="late_payment"' in line for line in lines)
    await eventually(counted, what="the breach counted in carepay_query_sla_breaches_total")
