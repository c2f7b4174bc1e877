"""Driving the agreements service (and the requests service before it) for the stack tests."""
from __future__ import annotations

import random
import uuid
from datetime import date
from typing import Any

import httpx

from contracts.envelope import Actor
from contracts.requests import RequestApproved
from shared.events import Cause, envelope_for
from tests.conftest import auth, envelope_of
from tests.integration.foundation.helpers import send_envelope  # noqa: F401 (for the tests)

# A Monday far enough ahead that no other test's dates matter.
START = date(2027, 1, 4)
DAILY_HOUR_AT_NINE = [{"weekday": d, "start_time": "09:00", "duration_minutes": 60, "carers_required": 1}
                      for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]


def cqc_id() -> str:
    return "1-" + "".join(random.choices("0123456789", k=10))


def bank_account(**overrides) -> dict[str, str]:
    return {"sort_code": "20-00-00", "account_number": "".join(random.choices("0123456789", k=8)),
            "account_name": "Acme Care Ltd", **overrides}


def event_of(event_type: str, key: str):
    """A tail predicate: the `event_type` event of one aggregate."""
    return lambda r: r.key == key.encode() and envelope_of(r)["event_type"] == event_type


async def register_provider(http: httpx.AsyncClient, base: str, *, service_types=("home_care",),
                            subject: str | None = None, **overrides) -> dict[str, Any]:
    body = {"name": f"Acme Care {uuid.uuid4().hex[:6]}", "cqc_provider_id": cqc_id(),
            "cqc_location_ids": [cqc_id()], "service_types": list(service_types), "bank_account": bank_account(),
            "self_billing": {"in_place": True, "agreed_on": "2026-04-01"}, **overrides}
    resp = await http.post(f"{base}/providers", json=body,
                           headers=auth("finance_officer", subject=subject or f"u-fo-{uuid.uuid4().hex[:6]}"))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def publish_hourly_card(http: httpx.AsyncClient, base: str, provider_id: str, pence: int,
                              service_type: str = "home_care") -> dict[str, Any]:
    resp = await http.post(f"{base}/providers/{provider_id}/rate-cards", headers=auth("brokerage_officer"),
                           json={"service_type": service_type, "effective_from": "2026-01-01",
                                 "rates": [{"unit": "hour", "amount_pence": pence}]})
    assert resp.status_code == 201, resp.text
    return resp.json()


def home_care_terms(provider_id: str, **overrides) -> dict[str, Any]:
    return {"provider_id": provider_id, "payment_basis": "actuals", "cycle": "weekly", "start": START.isoformat(),
            "rates": [{"unit": "hour", "amount_pence": 2400}], "schedule": DAILY_HOUR_AT_NINE, **overrides}


async def draft_and_activate(http: httpx.AsyncClient, base: str, person: str, provider_id: str,
                             **overrides) -> httpx.Response:
    """An officer-drafted home-care agreement, activated; returns the activation response."""
    resp = await http.post(f"{base}/agreements", headers=auth("brokerage_officer"),
                           json={"person_ref": person, "service_type": "home_care",
                                 **home_care_terms(provider_id, **overrides)})
    assert resp.status_code == 201, resp.text
    return await http.post(f"{base}/agreements/{resp.json()['agreement_id']}/activate",
                           headers=auth("brokerage_officer"))


async def approve_through_requests(http: httpx.AsyncClient, base: str, person: str, *, mechanism: str,
                                   budget: int, contribution: int = 0, nominee: str | None = None,
                                   preferred_provider_id: str | None = None) -> str:
    """Submit, assess, budget, choose and approve a home-care request in the requests service, as the
    social worker and brokerage officer a team manager allocated the person to (their only access)."""
    workers = {role: f"test-{role}-{person}" for role in ("social_worker", "brokerage_officer")}
    for role, worker_id in workers.items():
        resp = await http.put(f"{base}/people/{person}/allocation", headers=auth("team_manager"),
                              json={"worker_id": worker_id, "worker_role": role, "reason": "caseload"})
        assert resp.status_code == 200, resp.text
    resp = await http.post(f"{base}/requests", headers=auth("social_worker", subject=workers["social_worker"]),
                           json={"person_ref": person, "requested_by": "social_worker",
                                 "requested_start": START.isoformat(), "needs": ["help washing"]})
    assert resp.status_code == 201, resp.text
    request_id = resp.json()["request_id"]
    steps = [("assess", "social_worker", {"eligible": True, "service_type": "home_care", "needs": ["help washing"],
                                          "outcomes": ["stay at home"]}),
             ("budget", "social_worker", {"weekly_budget_pence": budget, "weekly_contribution_pence": contribution}),
             ("mechanism", "social_worker", {"mechanism": mechanism, "nominee": nominee,
                                             "preferred_provider_id": preferred_provider_id}),
             ("approve", "brokerage_officer", {"reason": "panel agreed"})]
    for route, role, body in steps:
        resp = await http.post(f"{base}/requests/{request_id}/{route}", headers=auth(role, subject=workers[role]),
                               json=body)
        assert resp.status_code == 200, f"{route}: {resp.text}"
    return request_id


def request_approved(person: str, *, mechanism: str, budget: int, contribution: int = 0,
                     preferred_provider_id: str | None = None, nominee: str | None = None,
                     request_id: str | None = None):
    """A RequestApproved envelope as the requests service publishes it."""
    event = RequestApproved(request_id=request_id or f"REQ-T{uuid.uuid4().hex[:12].upper()}", person_ref=person,
                            service_type="home_care", mechanism=mechanism, nominee=nominee,
                            preferred_provider_id=preferred_provider_id, weekly_budget_pence=budget,
                            weekly_contribution_pence=contribution, requested_start=START)
    return envelope_for(event, producer="requests", council_id="demo-council",
                        cause=Cause(str(uuid.uuid4()), None, Actor(id="u-broker", role="brokerage_officer")))


async def drafts_for(http: httpx.AsyncClient, base: str, request_id: str) -> list[dict[str, Any]]:
    resp = await http.get(f"{base}/agreements", params={"request_id": request_id}, headers=auth("brokerage_officer"))
    assert resp.status_code == 200, resp.text
    return resp.json()
