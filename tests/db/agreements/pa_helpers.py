"""Direct payments as the agreements service makes them (an approved request through its own consumer, then
completed and agreed over HTTP by two people), and what its outbox recorded, by topic."""
from __future__ import annotations

import json
import time
import uuid
from datetime import date

import httpx
import jwt

from contracts.common import Mechanism, Nominee, ServiceType
from contracts.requests import RequestApproved
from services.agreements.handlers.requests import REQUESTS
from shared.auth import mint_token
from shared.testing import DatabaseOnly

START = date(2026, 3, 2)
PAYEE = {"sort_code": "20-00-00", "account_number": "55556666", "account_name": "MS A HOLDER"}
ACCOUNT = {"sort_code": "40-11-22", "account_number": "12345678", "account_name": "JANE PA"}
NAME = "Jane Quill-Assistant"
DAY = {"time_band": "day", "day_category": None, "hourly_pence": 1250}
NIGHT = {"time_band": "night", "day_category": None, "hourly_pence": 1400}
BANK_HOLIDAY = {"time_band": "day", "day_category": "bank_holiday", "hourly_pence": 2500}


def pa_body(**overrides) -> dict:
    return {"name": NAME, "employee_ref": "EMP-001", "employed_from": START.isoformat(), "rates": [DAY, NIGHT],
            "bank_account": ACCOUNT} | overrides


def pa_auth(db: DatabaseOnly, pa_id: str | None) -> dict[str, str]:
    """A personal_assistant token (a token without pa_id is forged: mint_token refuses to make one)."""
    if pa_id is None:
        now = int(time.time())
        token = jwt.encode({"sub": "u-pa", "role": "personal_assistant", "iss": db.settings.auth_issuer,
                            "aud": db.settings.auth_audience, "iat": now, "exp": now + 600},
                           db.settings.auth_secret, algorithm="HS256")
    else:
        token = mint_token(db.settings.auth_secret, subject=f"u-{pa_id}", role="personal_assistant", pa_id=pa_id)
    return {"Authorization": f"Bearer {token}"}


async def direct_payment(db: DatabaseOnly, client: httpx.AsyncClient, *, person: str = "P-PA-1",
                         nominee: Nominee = Nominee.COUNCIL, agree: bool = True) -> str:
    """A direct payment drafted from an approved request, completed (and, with `agree`, agreed)."""
    request_id = f"REQ-{uuid.uuid4().hex[:8]}"
    await db.send(REQUESTS, RequestApproved(
        request_id=request_id, person_ref=person, service_type=ServiceType.DIRECT_PAYMENT,
        mechanism=Mechanism.DIRECT_PAYMENT, nominee=nominee, weekly_budget_pence=30000,
        weekly_contribution_pence=0, requested_start=START))
    [row] = await db.fetch("SELECT agreement_id FROM direct_payments WHERE request_id = $1", request_id)
    dp = row["agreement_id"]
    completed = await client.put(f"/direct-payments/{dp}", json={"payee_account": PAYEE},
                                 headers=db.auth("brokerage_officer", subject="u-broker"))
    assert completed.status_code == 200, completed.text
    if agree:
        agreed = await client.post(f"/direct-payments/{dp}/agree", headers=db.auth("finance_approver"))
        assert agreed.status_code == 200, agreed.text
    return dp


async def outbox(db: DatabaseOnly, topic: str, *event_types: str) -> list[dict]:
    """(event type, actor id, payload) of what the outbox recorded on `topic`, oldest first."""
    rows = await db.fetch("SELECT event_type, value FROM outbox WHERE topic = $1 ORDER BY id", topic)
    found = []
    for r in rows:
        if event_types and r["event_type"] not in event_types:
            continue
        envelope = json.loads(r["value"])
        found.append({"type": r["event_type"], "actor": envelope["actor"]["id"], "payload": envelope["payload"]})
    return found


async def raw_outbox(db: DatabaseOnly, topic: str) -> str:
    """Every record recorded on `topic`, as one text (to search for what must never be there)."""
    rows = await db.fetch("SELECT value FROM outbox WHERE topic = $1 ORDER BY id", topic)
    return "\n".join(bytes(r["value"]).decode() for r in rows)
