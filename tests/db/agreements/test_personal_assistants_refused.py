"""A PA registration or change the rules refuse names the field, and nothing is stored or published: a 422 when
the request itself is wrong, a 409 (with its code) when the direct payment or the PA as they stand do not allow
it (a refusal by the direct payment itself names the path's agreement_id)."""
from __future__ import annotations

import pytest

from shared.testing import DatabaseOnly
from services.agreements.app import app
from tests.db.agreements.pa_helpers import BANK_HOLIDAY, DAY, NIGHT, direct_payment, pa_body

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("agreements") as db:
        yield db


async def _nothing_kept(db: DatabaseOnly, outbox_before: int) -> None:
    assert await db.fetchval("SELECT count(*) FROM personal_assistants") == 0
    assert await db.fetchval("SELECT count(*) FROM personal_assistant_bank_details") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox") == outbox_before


def _where(answer, status: int = 422, code: str | None = None) -> list[tuple[tuple, str]]:
    assert answer.status_code == status, answer.text
    assert code is None or answer.json()["code"] == code, answer.text
    return [(tuple(d["loc"]), d["msg"]) for d in answer.json()["errors"]]


def _conflict(answer, code: str) -> list[tuple[tuple, str]]:
    return _where(answer, 409, code)


async def test_employment_from_before_the_direct_payment_conflicts_with_its_start(db):
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        before = await db.fetchval("SELECT count(*) FROM outbox")
        answer = await client.post(f"/direct-payments/{dp}/personal-assistants", headers=db.auth("finance_officer"),
                                   json=pa_body(employed_from="2026-03-01"))
        assert _conflict(answer, "outside_direct_payment") == [
            (("body", "employed_from"), "must not be before the direct payment's start 2026-03-02")]
        await _nothing_kept(db, before)


@pytest.mark.parametrize("body, loc, says", [
    (pa_body(employed_to="2026-03-01"), ("body", "employed_to"), "before employed_from"),
    (pa_body(rates=[NIGHT, BANK_HOLIDAY]), ("body", "rates"), "give the day rate"),
    (pa_body(rates=[DAY, NIGHT, NIGHT | {"hourly_pence": 1500}]), ("body", "rates", 2), "a second rate"),
    (pa_body(rates=[DAY | {"hourly_pence": 0}]), ("body", "rates", 0, "hourly_pence"), "greater than 0"),
    (pa_body(rates=[DAY | {"time_band": "dusk"}]), ("body", "rates", 0, "time_band"), "day"),
    (pa_body(rates=[]), ("body", "rates"), "at least 1"),
    (pa_body(bank_account={"sort_code": "12-34-5", "account_number": "12345678", "account_name": "X"}),
     ("body", "bank_account", "sort_code"), "6 digits"),
    (pa_body(bank_account={"sort_code": "12-34-56", "account_number": "1234567", "account_name": "X"}),
     ("body", "bank_account", "account_number"), "8 digits"),
    (pa_body(employee_ref="=HYPERLINK(1)"), ("body", "employee_ref"), "pattern"),
    (pa_body(name=""), ("body", "name"), "at least 1"),
])
async def test_bad_fields_are_named_and_nothing_is_kept(db, body, loc, says):
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        before = await db.fetchval("SELECT count(*) FROM outbox")
        answer = await client.post(f"/direct-payments/{dp}/personal-assistants", json=body,
                                   headers=db.auth("finance_officer"))
        [(where, msg)] = _where(answer)
        assert where == loc and says in msg
        await _nothing_kept(db, before)


async def test_an_unknown_direct_payment_is_not_found_a_draft_or_ended_one_is_named_in_the_path(db):
    officer = db.auth("brokerage_officer")
    async with db.http(app) as client:
        answer = await client.post("/direct-payments/DP-NOT-THERE/personal-assistants", json=pa_body(), headers=officer)
        assert answer.status_code == 404 and answer.json()["detail"] == "direct payment DP-NOT-THERE not found"

        draft = await direct_payment(db, client, agree=False)
        answer = await client.post(f"/direct-payments/{draft}/personal-assistants", json=pa_body(), headers=officer)
        assert _conflict(answer, "direct_payment_status") == [
            (("path", "agreement_id"), "the direct payment is draft: a PA is employed under an agreed direct payment")]

        ended = await direct_payment(db, client, person="P-ENDED")
        assert (await client.post(f"/direct-payments/{ended}/end", json={"end": "2026-04-30", "reason": "other"},
                                  headers=officer)).status_code == 200
        before = await db.fetchval("SELECT count(*) FROM outbox")
        answer = await client.post(f"/direct-payments/{ended}/personal-assistants", headers=officer,
                                   json=pa_body(employed_from="2026-05-01"))
        assert _conflict(answer, "outside_direct_payment") == [
            (("path", "agreement_id"), "the direct payment ended on 2026-04-30: it employs nobody after")]
        await _nothing_kept(db, before)
        still_paying = await client.post(f"/direct-payments/{ended}/personal-assistants", headers=officer,
                                         json=pa_body(employed_from="2026-04-01"))
        assert still_paying.status_code == 201, still_paying.text


async def test_an_employee_ref_is_one_pas_within_the_direct_payment(db):
    officer = db.auth("finance_officer")
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        other = await direct_payment(db, client, person="P-OTHER")
        assert (await client.post(f"/direct-payments/{dp}/personal-assistants", json=pa_body(),
                                  headers=officer)).status_code == 201
        before = await db.fetchval("SELECT count(*) FROM outbox")
        again = await client.post(f"/direct-payments/{dp}/personal-assistants", headers=officer,
                                  json=pa_body(name="Someone Else"))
        assert _conflict(again, "employee_ref_taken") == [
            (("body", "employee_ref"), f"direct payment {dp} already employs a PA with employee_ref EMP-001")]
        assert await db.fetchval("SELECT count(*) FROM personal_assistants") == 1
        assert await db.fetchval("SELECT count(*) FROM personal_assistant_bank_details") == 1
        assert await db.fetchval("SELECT count(*) FROM outbox") == before
        assert (await client.post(f"/direct-payments/{other}/personal-assistants", json=pa_body(),
                                  headers=officer)).status_code == 201  # another employer's payroll


async def test_a_refused_change_changes_nothing(db):
    officer = db.auth("finance_officer")
    async with db.http(app) as client:
        dp = await direct_payment(db, client)
        pa_id = (await client.post(f"/direct-payments/{dp}/personal-assistants", json=pa_body(),
                                   headers=officer)).json()["pa_id"]
        before = await db.fetchval("SELECT count(*) FROM outbox")
        for body, loc in (({}, ("body", "rates")), ({"rates": [NIGHT]}, ("body", "rates")),
                          ({"rates": [DAY, DAY]}, ("body", "rates", 1)),
                          ({"name": "New Name"}, ("body", "name"))):
            [(where, _)] = _where(await client.put(f"/personal-assistants/{pa_id}", json=body, headers=officer))
            assert where == loc
        # Before the PA's own employed_from, as stored: a conflict with the PA as they stand.
        [(where, _)] = _conflict(await client.put(f"/personal-assistants/{pa_id}", json={"employed_to": "2026-03-01"},
                                                  headers=officer), "outside_employment")
        assert where == ("body", "employed_to")
        bad_account = await client.post(f"/personal-assistants/{pa_id}/bank-details", headers=officer,
                                        json={"sort_code": "1", "account_number": "12345678", "account_name": "X"})
        assert _where(bad_account)[0][0] == ("body", "sort_code")
        assert await db.fetchval("SELECT count(*) FROM outbox") == before
        [row] = await db.fetch("SELECT employed_to, rates FROM personal_assistants")
        assert (row["employed_to"], row["rates"]) == (None, [DAY, NIGHT])
