"""Driving the queries API on the stack, and waiting for what the owning services tell it."""
from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import auth, envelope_of, eventually
from tests.integration.invoicing.invoicing_helpers import (MONDAY, about_agreement, agreement, confirm_week,
                                                           daily_lines, invoicing_event, provider)

OFFICER = auth("finance_officer", subject="u-queries-officer")


async def subject_known(db, kind: str, subject_id: str) -> None:
    """Wait until queries has heard of the subject from its owning service's events."""
    await eventually(lambda: db.fetchval("SELECT true FROM queries.subjects WHERE kind = $1 AND subject_id = $2",
                                         kind, subject_id), timeout=60, what=f"queries to know {kind} {subject_id}")


async def self_billed_invoice(producer, db, tail, days: int = 3) -> tuple[str, str, str]:
    """(provider_id, agreement_id, invoice_id): a provider (bank details verified) with an approved
    self-billed invoice of £24.00 a day for `days` days, known to queries."""
    pid = await provider(producer, db)
    aid, person = await agreement(producer, db, pid)
    async with tail("invoicing.events") as events:
        await confirm_week(producer, pid, aid, person, MONDAY, daily_lines(aid, MONDAY, days=days))
        [issued] = await events.wait_for(about_agreement("InvoiceIssued", aid))
        invoice_id = envelope_of(issued)["payload"]["invoice_id"]
        await events.wait_for(invoicing_event("InvoiceApproved", invoice_id))
    await subject_known(db, "invoice", invoice_id)
    await subject_known(db, "agreement", aid)
    return pid, aid, invoice_id


async def raise_query(http: httpx.AsyncClient, base: str, headers: dict[str, str], subject_kind: str,
                      subject_id: str, category: str, **body: Any) -> httpx.Response:
    return await http.post(f"{base}/queries", headers=headers, json={
        "subject_kind": subject_kind, "subject_id": subject_id, "category": category,
        "description": body.pop("description", "Please look into this."), **body})


async def step(http: httpx.AsyncClient, base: str, query_id: str, action: str, headers: dict[str, str] = OFFICER,
               body: dict[str, Any] | None = None) -> httpx.Response:
    return await http.post(f"{base}/queries/{query_id}/{action}", headers=headers, json=body)


async def under_investigation(http: httpx.AsyncClient, base: str, query_id: str) -> None:
    for action in ("acknowledge", "investigate"):
        resp = await step(http, base, query_id, action)
        assert resp.status_code == 200, resp.text


async def shown(http: httpx.AsyncClient, base: str, query_id: str, headers: dict[str, str] = OFFICER) -> dict:
    resp = await http.get(f"{base}/queries/{query_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def effect_settled(http: httpx.AsyncClient, base: str, query_id: str, timeout: float = 60) -> dict:
    """The query once its effect is no longer pending."""
    async def settled():
        query = await shown(http, base, query_id)
        return query if query["effect"] and query["effect"]["status"] != "pending" else None
    return await eventually(settled, timeout=timeout, what=f"the effect of query {query_id} to be reported")


def event_of(event_type: str, **payload: Any):
    """A tail predicate: an event of this type whose payload has these values."""
    def match(record) -> bool:
        envelope = json.loads(record.value)
        return envelope["event_type"] == event_type and all(envelope["payload"].get(k) == v
                                                            for k, v in payload.items())
    return match
