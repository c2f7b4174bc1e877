"""Who registers, changes and reads a PA: the employer the nominee names registers and changes; officers and
the direct payment's own person read (with the name); a PA reads only themself (without it); a PA token
without its pa_id is refused. A change is published again whole (the latest wins)."""
from __future__ import annotations

import pytest

from contracts import agreements as contract
from contracts.common import Nominee
from shared.testing import DatabaseOnly
from services.agreements.app import app
from tests.db.agreements.pa_helpers import (BANK_HOLIDAY, DAY, NAME, NIGHT, direct_payment, outbox, pa_auth,
                                            pa_body)

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def test_the_nominee_names_who_registers(db):
    async with db.http(app) as client:
        managed = await direct_payment(db, client, person="P-MANAGED")
        held = await direct_payment(db, client, person="P-HELD", nominee=Nominee.PERSON)
        third = await direct_payment(db, client, person="P-THIRD", nominee=Nominee.THIRD_PARTY)

        async def register(dp: str, headers: dict, ref: str) -> int:
            answer = await client.post(f"/direct-payments/{dp}/personal-assistants", headers=headers,
                                       json=pa_body(employee_ref=ref))
            return answer.status_code

        assert await register(managed, db.auth("finance_officer"), "A") == 201
        assert await register(managed, db.auth("brokerage_officer"), "B") == 201
        assert await register(managed, db.auth("person", person="P-MANAGED"), "C") == 403  # the council employs
        assert await register(held, db.auth("person", person="P-HELD"), "A") == 201
        assert await register(held, db.auth("brokerage_officer"), "B") == 201
        assert await register(held, db.auth("finance_officer"), "C") == 403
        assert await register(third, db.auth("brokerage_officer"), "A") == 201
        assert await register(third, db.auth("person", person="P-THIRD"), "B") == 403
        for role in ("social_worker", "finance_approver", "ops"):
            assert await register(managed, db.auth(role), "D") == 403
        assert await register(managed, db.auth("provider", provider="PRV-1"), "D") == 403
        assert await register(managed, pa_auth(db, "PA-000000000000"), "D") == 403
        # Another person's direct payment is not said to exist.
        answer = await client.post(f"/direct-payments/{held}/personal-assistants", json=pa_body(employee_ref="E"),
                                   headers=db.auth("person", person="P-MANAGED"))
        assert answer.status_code == 404 and "not found" in answer.json()["detail"]
    assert await db.fetchval("SELECT count(*) FROM personal_assistants") == 5


async def test_who_reads_a_pa_and_who_sees_the_name(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client, person="P-HELD", nominee=Nominee.PERSON)
        person = db.auth("person", person="P-HELD")
        pa_id = (await client.post(f"/direct-payments/{dp}/personal-assistants", json=pa_body(),
                                   headers=person)).json()["pa_id"]
        other = (await client.post(f"/direct-payments/{dp}/personal-assistants", headers=person,
                                   json=pa_body(employee_ref="EMP-002", name="Other PA"))).json()["pa_id"]
        one = f"/personal-assistants/{pa_id}"

        for headers in (person, db.auth("social_worker"), db.auth("finance_approver"), db.auth("ops")):
            shown = await client.get(one, headers=headers)
            assert shown.status_code == 200 and shown.json()["name"] == NAME
        itself = await client.get(one, headers=pa_auth(db, pa_id))
        assert itself.status_code == 200, itself.text
        assert itself.json()["name"] is None and itself.json()["employee_ref"] == "EMP-001"
        assert itself.json()["bank_details"]["status"] == "unverified"
        assert (await client.get(f"/personal-assistants/{other}", headers=pa_auth(db, pa_id))).status_code == 404
        assert (await client.get(one, headers=pa_auth(db, None))).status_code == 401
        assert (await client.get(one, headers=db.auth("person", person="P-SOMEONE-ELSE"))).status_code == 404
        assert (await client.get(one, headers=db.auth("provider", provider="PRV-1"))).status_code == 403
        assert (await client.get("/personal-assistants/PA-000000000000",
                                 headers=db.auth("finance_officer"))).status_code == 404

        listed = await client.get(f"/direct-payments/{dp}/personal-assistants", headers=person)
        assert [(p["pa_id"], p["name"]) for p in listed.json()] == [(pa_id, NAME), (other, "Other PA")]
        assert (await client.get(f"/direct-payments/{dp}/personal-assistants",
                                 headers=pa_auth(db, pa_id))).status_code == 403
        assert (await client.get(f"/direct-payments/{dp}/personal-assistants",
                                 headers=db.auth("person", person="P-SOMEONE-ELSE"))).status_code == 404
        assert (await client.get("/direct-payments/DP-NOT-THERE/personal-assistants",
                                 headers=db.auth("ops"))).status_code == 404
        # A PA changes neither themself nor their account.
        assert (await client.put(one, json={"rates": [DAY]}, headers=pa_auth(db, pa_id))).status_code == 403
        assert (await client.post(f"{one}/bank-details", headers=pa_auth(db, pa_id), json={
            "sort_code": "401122", "account_number": "11112222", "account_name": "JANE PA"})).status_code == 403


async def test_a_change_of_rates_or_end_is_published_again_whole(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        officer = db.auth("finance_officer", subject="u-officer")
        pa_id = (await client.post(f"/direct-payments/{dp}/personal-assistants", json=pa_body(),
                                   headers=officer)).json()["pa_id"]
        repriced = await client.put(f"/personal-assistants/{pa_id}", json={"rates": [DAY, BANK_HOLIDAY]},
                                    headers=officer)
        assert repriced.status_code == 200, repriced.text
        assert (repriced.json()["rates"], repriced.json()["employed_to"]) == ([DAY, BANK_HOLIDAY], None)
        ended = await client.put(f"/personal-assistants/{pa_id}", json={"employed_to": "2026-09-30"},
                                 headers=db.auth("brokerage_officer"))
        assert (ended.json()["rates"], ended.json()["employed_to"]) == ([DAY, BANK_HOLIDAY], "2026-09-30")
        reopened = await client.put(f"/personal-assistants/{pa_id}", json={"employed_to": None, "rates": [DAY, NIGHT]},
                                    headers=officer)
        assert (reopened.json()["rates"], reopened.json()["employed_to"]) == ([DAY, NIGHT], None)
        assert (await client.put(f"/personal-assistants/{pa_id}", json={"rates": [DAY]},
                                 headers=db.auth("person", person="P-PA-1"))).status_code == 403
        assert (await client.put("/personal-assistants/PA-000000000000", json={"rates": [DAY]},
                                 headers=officer)).status_code == 404

    published = await outbox(db, contract.TOPIC, "PersonalAssistantRegistered")
    assert [(e["payload"]["pa_id"], e["payload"]["rates"], e["payload"]["employed_to"]) for e in published] == [
        (pa_id, [DAY, NIGHT], None), (pa_id, [DAY, BANK_HOLIDAY], None), (pa_id, [DAY, BANK_HOLIDAY], "2026-09-30"),
        (pa_id, [DAY, NIGHT], None)]
    assert {e["payload"]["employee_ref"] for e in published} == {"EMP-001"}
    assert [r["action"] for r in await db.fetch("SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id",
                                                pa_id)][-3:] == ["personal_assistant_changed"] * 3
