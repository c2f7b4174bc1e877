"""Driving the agreements service on the database-only tier: its HTTP API in process, and requests.events
through its own consumer, against a fresh copy of its schema."""
from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from contracts.common import Mechanism, Nominee, ServiceType
from contracts.requests import RequestApproved
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.agreements.handlers.requests import REQUESTS

TODAY = london_date(utcnow())
START = TODAY - timedelta(days=28)  # the direct payments' and agreements' start: live today
DAILY_HOUR = [{"weekday": d, "start_time": "09:00", "duration_minutes": 60, "carers_required": 1}
              for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]
BROKER = "u-broker-1"
FINANCE = "u-finance-1"
APPROVER = "u-approver-1"


def person() -> str:
    return f"P-{uuid.uuid4().hex[:8].upper()}"


async def approve_request(db: DatabaseOnly, person_ref: str, *, mechanism: Mechanism, budget: int = 30_000,
                          contribution: int = 5_000, nominee: Nominee | None = None, start: date = START,
                          provider_id: str | None = None) -> str:
    """RequestApproved through agreements' consumer; the request id (its draft is made)."""
    request_id = f"REQ-{uuid.uuid4().hex[:12].upper()}"
    await db.send(REQUESTS, RequestApproved(
        request_id=request_id, person_ref=person_ref, service_type=ServiceType.HOME_CARE, mechanism=mechanism,
        nominee=nominee, preferred_provider_id=provider_id, weekly_budget_pence=budget,
        weekly_contribution_pence=contribution, requested_start=start))
    return request_id


async def agreed_direct_payment(db: DatabaseOnly, client: httpx.AsyncClient, person_ref: str, *,
                                nominee: Nominee = Nominee.COUNCIL, budget: int = 30_000, contribution: int = 5_000,
                                start: date = START, **complete: Any) -> str:
    """A direct payment drafted from an approved request, completed by one officer and agreed by another."""
    request_id = await approve_request(db, person_ref, mechanism=Mechanism.DIRECT_PAYMENT, budget=budget,
                                       contribution=contribution, nominee=nominee, start=start)
    dp_id = await db.fetchval("SELECT agreement_id FROM direct_payments WHERE request_id = $1", request_id)
    resp = await client.put(f"/direct-payments/{dp_id}", headers=db.auth("brokerage_officer", subject=BROKER),
                            json={"payee_account": {"sort_code": "200000", "account_number": "12345678",
                                                    "account_name": "DEMO CC DP CLIENT"}, **complete})
    assert resp.status_code == 200, resp.text
    resp = await client.post(f"/direct-payments/{dp_id}/agree", headers=db.auth("finance_approver", subject=APPROVER))
    assert resp.status_code == 200, resp.text
    return dp_id


async def provider(db: DatabaseOnly, client: httpx.AsyncClient) -> str:
    cqc_id = "1-" + "".join(random.choices("0123456789", k=10))
    resp = await client.post("/providers", headers=db.auth("finance_officer", subject=FINANCE), json={
        "name": f"Acme Care {uuid.uuid4().hex[:6]}", "cqc_provider_id": cqc_id,
        "service_types": ["home_care"], "bank_account": {"sort_code": "200000", "account_number": "87654321",
                                                         "account_name": "ACME CARE LTD"},
        "self_billing": {"in_place": False}})
    assert resp.status_code == 201, resp.text
    return resp.json()["provider_id"]


def home_care(provider_id: str, **overrides: Any) -> dict[str, Any]:
    """Home care on actuals, an hour a day at £24."""
    return {"provider_id": provider_id, "payment_basis": "actuals", "cycle": "weekly", "start": START.isoformat(),
            "rates": [{"unit": "hour", "amount_pence": 2400}], "schedule": DAILY_HOUR, **overrides}


def problem(resp: httpx.Response) -> tuple[list[str], str]:
    """The (loc, msg) of a 422's one problem: the request itself breaks a rule."""
    assert resp.status_code == 422, resp.text
    [detail] = resp.json()["errors"]
    return detail["loc"], detail["msg"]


def conflict(resp: httpx.Response) -> tuple[list[str], str, str]:
    """The (loc, msg, code) of a 409: what the request meets does not allow it (loc [] when it is the record's
    own state)."""
    assert resp.status_code == 409, resp.text
    body = resp.json()
    assert body["type"] == f"urn:carepay:problem:{body['code']}" and body["code"] != "conflict", body
    if not body["errors"]:
        return [], body["detail"], body["code"]
    [detail] = body["errors"]
    return detail["loc"], detail["msg"], body["code"]
