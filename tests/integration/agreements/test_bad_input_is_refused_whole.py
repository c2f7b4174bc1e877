"""Bad input gets a 422 naming the field and the rule (a 409 with its code when it is what is stored that
does not allow it: a CQC ID already registered, a provider not registered), and leaves nothing half-written."""
from __future__ import annotations

import pytest

from tests.conftest import auth, unique
from tests.integration.agreements.brokerage_helpers import bank_account, cqc_id, home_care_terms, register_provider

pytestmark = pytest.mark.stack


def provider_body(**overrides):
    return {"name": "Bad Input Care", "cqc_provider_id": cqc_id(), "service_types": ["home_care"],
            "bank_account": bank_account(), "self_billing": {"in_place": False}, **overrides}


def refusal(resp, status: int = 422) -> tuple[list[str], str]:
    assert resp.status_code == status, resp.text
    [error] = resp.json()["errors"]
    return error["loc"], error["msg"]


@pytest.mark.parametrize("overrides, field, rule", [
    ({"cqc_provider_id": "1-1234"}, ["body", "cqc_provider_id"], "9 to 11 digits"),
    ({"cqc_location_ids": ["X-123456789"]}, ["body", "cqc_location_ids", 0], "9 to 11 digits"),
    ({"bank_account": bank_account(sort_code="12-34")}, ["body", "bank_account", "sort_code"], "6 digits"),
    ({"bank_account": bank_account(account_number="1234567")}, ["body", "bank_account", "account_number"], "8 digits"),
    ({"self_billing": {"in_place": True}}, ["body", "self_billing", "agreed_on"], "date of the self-billing"),
])
async def test_a_provider_with_bad_details_is_refused_and_not_registered(http, stack, db, overrides, field, rule):
    body = provider_body(**overrides)
    loc, msg = refusal(await http.post(f"{stack['agreements']}/providers", json=body, headers=auth("finance_officer")))
    assert loc == field and rule in msg
    assert await db.fetchval("SELECT count(*) FROM agreements.providers WHERE cqc_provider_id = $1",
                             body["cqc_provider_id"]) == 0


async def test_a_second_registration_of_a_cqc_id_leaves_no_second_provider_or_bank_details(http, stack, db):
    first = await register_provider(http, stack["agreements"])
    again = provider_body(cqc_provider_id=first["cqc_provider_id"], bank_account=bank_account(account_name="Dup"))
    resp = await http.post(f"{stack['agreements']}/providers", json=again, headers=auth("finance_officer"))
    loc, msg = refusal(resp, 409)
    assert loc == ["body", "cqc_provider_id"] and "already registered" in msg
    assert resp.json()["code"] == "provider_already_registered"
    assert await db.fetchval("SELECT count(*) FROM agreements.provider_bank_details WHERE account_name = 'Dup'"
                             " AND account_number = $1", again["bank_account"]["account_number"]) == 0


async def test_a_negative_rate_is_refused(http, stack):
    pid = (await register_provider(http, stack["agreements"]))["provider_id"]
    resp = await http.post(f"{stack['agreements']}/providers/{pid}/rate-cards", headers=auth("brokerage_officer"),
                           json={"service_type": "home_care", "effective_from": "2026-01-01",
                                 "rates": [{"unit": "hour", "amount_pence": -1}]})
    loc, msg = refusal(resp)
    assert loc == ["body", "rates", 0, "amount_pence"] and "greater than or equal to 0" in msg


@pytest.mark.parametrize("overrides, status, field, rule", [
    ({"end": "2026-12-31"}, 422, ["body", "end"], "must not be before start"),  # START is 2027-01-04
    ({"provider_id": "PRV-NOSUCHONE"}, 409, ["body", "provider_id"], "unknown provider"),
    ({"rates": [{"unit": "hour", "amount_pence": -5}]}, 422, ["body", "rates", 0, "amount_pence"], "greater than"),
    ({"schedule": []}, 422, ["body", "schedule"], "at least one scheduled visit"),
])
async def test_an_agreement_with_bad_terms_is_refused_and_not_drafted(http, stack, db, overrides, status, field, rule):
    pid = (await register_provider(http, stack["agreements"]))["provider_id"]
    person = unique("P")
    resp = await http.post(f"{stack['agreements']}/agreements", headers=auth("brokerage_officer"),
                           json={"person_ref": person, "service_type": "home_care",
                                 **{**home_care_terms(pid), **overrides}})
    loc, msg = refusal(resp, status)
    assert loc == field and rule in msg
    assert await db.fetchval("SELECT count(*) FROM agreements.agreements WHERE person_ref = $1", person) == 0
