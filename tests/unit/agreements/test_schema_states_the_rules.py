"""The agreements API's published schemas state its rules: a request body the document calls valid passes the
models and the request's own checks, and one it calls invalid is refused by them (422), case by case. The
schema is read with jsonschema_rs, as schemathesis reads it; digits are ASCII only, in the API and the contract
events alike."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from pydantic import BaseModel, ValidationError

from contracts.agreements import AgreementTerms, BankAccount, Rate, ScheduledVisit, VisitRules
from services.agreements.api.fields import ForecastDay, as_contract
from services.agreements.api.models import AgreementIn, BankAccountIn, ProviderIn, RateCardIn
from services.agreements.api.personal_assistant_models import PersonalAssistantChangeIn
from services.agreements.app import app
from services.agreements.domain.agreements import check_funding_named, check_terms
from services.agreements.domain.errors import Rejected
from services.agreements.domain.providers import check_self_billing
from services.agreements.domain.rates import check_rates

DOC = app.openapi()


class Forecast(BaseModel):
    on: ForecastDay

COMPONENTS = json.loads(json.dumps(DOC["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/"))
HOUR = {"unit": "hour", "amount_pence": 2400}
VISIT = {"weekday": "monday", "start_time": "09:00", "duration_minutes": 60}
DRAFT = {"person_ref": "P-123", "service_type": "home_care", "provider_id": "PRV-1", "payment_basis": "actuals",
         "cycle": "weekly", "start": "2026-03-02", "rates": [HOUR], "schedule": [VISIT]}
ACCOUNT = {"sort_code": "12-34-56", "account_number": "12345678", "account_name": "CARE LTD"}


@cache
def _validator(name: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator({**COMPONENTS[name], "$defs": COMPONENTS})


def documented(name: str, body: dict[str, Any]) -> bool:
    return _validator(name).is_valid(body)


def draft_accepted(body: dict[str, Any]) -> bool:
    """What POST /agreements decides from the request alone (before looking up the provider)."""
    try:
        draft = AgreementIn.model_validate(body)
        if (draft.rates is None) == (draft.rate_card_id is None):
            return False  # api.agreements.resolve_rates: rates or a rate card
        check_funding_named(draft.funding, draft.direct_payment_id)
        if draft.rates is not None:
            check_terms(draft.payment_basis, AgreementTerms(
                version=1, effective_from=draft.start, rates=as_contract(draft.rates, Rate),
                schedule=as_contract(draft.schedule, ScheduledVisit), weekly_units=draft.weekly_units,
                visit_rules=as_contract(draft.visit_rules, VisitRules)))
    except (ValidationError, Rejected):
        return False
    return True


def model_accepts(model: type[BaseModel], body: dict[str, Any], *checks) -> bool:
    try:
        made = model.model_validate(body)
        for check in checks:
            check(made)
    except (ValidationError, Rejected):
        return False
    return True


@pytest.mark.parametrize("change, valid", [
    ({}, True),
    ({"rates": None, "rate_card_id": "RC-1"}, True),
    ({"rate_card_id": "RC-1"}, False),  # both
    ({"rates": None}, False),  # neither
    ({"rates": []}, False),
    ({"rates": [HOUR, HOUR | {"amount_pence": 2500}]}, False),  # two standard rates
    ({"rates": [HOUR, {"unit": "visit", "amount_pence": 900, "day_category": "weekend"}]}, False),  # two units
    ({"rates": [HOUR, HOUR | {"time_band": "night"}]}, True),
    ({"rates": [{"unit": "week", "amount_pence": 90_000}]}, False),  # actuals priced by the week
    ({"schedule": []}, False),  # actuals without visits
    ({"payment_basis": "plan", "schedule": [], "weekly_units": 37.5}, True),
    ({"payment_basis": "plan", "schedule": []}, False),  # a plan without units or visits
    ({"payment_basis": "plan", "schedule": [], "weekly_units": 0}, False),
    ({"payment_basis": "plan", "schedule": [], "weekly_units": "37.50"}, True),
    ({"payment_basis": "plan", "schedule": [], "weekly_units": "37.505"}, False),
    ({"payment_basis": "plan", "schedule": [], "weekly_units": 2,
      "rates": [HOUR | {"time_band": "day"}]}, False),  # weekly units need the standard rate
    ({"funding": "managed_account", "direct_payment_id": "DP-1"}, True),
    ({"funding": "managed_account"}, False),
    ({"direct_payment_id": "DP-1"}, False),
    ({"cost_centre": "ASC-NORTH"}, True),
    ({"cost_centre": "ASC NORTH!"}, False),
    ({"concurrent": 0}, False),
    ({"schedule": [VISIT | {"duration_minutes": "60"}]}, False),
    ({"schedule": [VISIT | {"duration_minutes": 60.0}]}, True),
    ({"schedule": [VISIT | {"start_time": "09:00:00Z"}]}, False),
    ({"schedule": [VISIT | {"start_time": 32400}]}, False),
    ({"start": 1_700_000_000}, False),
    ({"service_type": "direct_payment"}, False),
    ({"rates": [HOUR | {"amount_pence": 10**12}]}, False),
])
def test_a_draft_the_document_calls_valid_is_accepted_and_one_it_calls_invalid_is_refused(change, valid):
    body = DRAFT | change
    assert documented("AgreementIn", body) is valid
    assert draft_accepted(body) is valid


@pytest.mark.parametrize("rates, valid", [
    ([HOUR], True), ([], False), ([HOUR, HOUR], False),
    ([HOUR, HOUR | {"time_band": "evening"}, HOUR | {"time_band": "evening", "day_category": "weekend"}], True),
    ([HOUR, {"unit": "visit", "amount_pence": 1}], False),
])
def test_a_rate_card_states_one_unit_and_one_price_per_band_and_day(rates, valid):
    body = {"service_type": "home_care", "effective_from": "2026-03-02", "rates": rates}
    assert documented("RateCardIn", body) is valid
    assert model_accepts(RateCardIn, body, lambda card: check_rates(as_contract(card.rates, Rate))) is valid


@pytest.mark.parametrize("self_billing, valid", [
    ({"in_place": False}, True), ({"in_place": False, "agreed_on": None}, True),
    ({"in_place": True, "agreed_on": "2026-01-05"}, True), ({"in_place": True}, False),
    ({"in_place": False, "agreed_on": "2026-01-05"}, False), ({"in_place": 0}, False),
])
def test_self_billing_has_its_date_exactly_when_in_place(self_billing, valid):
    body = {"name": "Care Co", "cqc_provider_id": "1-101234567", "service_types": ["home_care"],
            "bank_account": ACCOUNT, "self_billing": self_billing}
    assert documented("ProviderIn", body) is valid
    assert model_accepts(ProviderIn, body, lambda p: check_self_billing(p.self_billing.in_place,
                                                                        p.self_billing.agreed_on)) is valid


@pytest.mark.parametrize("body, valid", [
    ({}, False), ({"rates": None}, False), ({"employed_to": None}, True), ({"employed_to": "2026-12-31"}, True),
    ({"rates": [{"time_band": "day", "hourly_pence": 1250}]}, True),
    ({"rates": [{"time_band": "night", "hourly_pence": 1400}]}, False),  # no day rate
    ({"rates": [{"time_band": "day", "hourly_pence": 1250}, {"time_band": "day", "hourly_pence": 1300}]}, False),
])
def test_a_pa_change_gives_rates_with_a_day_rate_or_an_end(body, valid):
    assert documented("PersonalAssistantChangeIn", body) is valid
    assert model_accepts(PersonalAssistantChangeIn, body, _pa_change_checked) is valid


def _pa_change_checked(change: PersonalAssistantChangeIn) -> None:
    from contracts.agreements import PersonalAssistantRate
    from services.agreements.domain import personal_assistants
    if change.rates is None and "employed_to" not in change.model_fields_set:
        raise Rejected("rates", "give the new rates or employed_to (or both)")
    if change.rates is not None:
        personal_assistants.check_rates(as_contract(change.rates, PersonalAssistantRate))


@pytest.mark.parametrize("sort_code, account_number, valid", [
    ("12-34-56", "12345678", True), ("12 34 56", "1234 5678", True), ("123456", "12345678", True),
    ("୪୪୪୪୪୪", "12345678", False), ("123456", "߈߈߈߈߈߈߈߈", False), ("12-34-5", "12345678", False),
    ("123456\n", "12345678", False), ("123456", "123456789", False),
])
def test_bank_details_are_ascii_digits_in_the_api_and_in_the_published_event(sort_code, account_number, valid):
    body = {"sort_code": sort_code, "account_number": account_number, "account_name": "X"}
    assert documented("BankAccountIn", body) is valid
    assert model_accepts(BankAccountIn, body) is valid
    if valid:  # kept bare
        account = BankAccountIn.model_validate(body).account()
        assert account.sort_code == re.sub("[ -]", "", sort_code)
        assert account.account_number == account_number.replace(" ", "")
    with pytest.raises(ValidationError):  # the contract's event model: six and eight ASCII digits, nothing else
        BankAccount(sort_code="୪୪୪୪୪୪", account_number="12345678", account_name="X")


@pytest.mark.parametrize("name, valid", [("Care Co", True), ("Care\x00Co", False), ("", False), ("x" * 201, False)])
def test_text_postgres_cannot_keep_is_refused_by_the_schema_not_by_the_database(name, valid):
    body = {"name": name, "cqc_provider_id": "1-101234567", "service_types": ["home_care"], "bank_account": ACCOUNT,
            "self_billing": {"in_place": False}}
    assert documented("ProviderIn", body) is valid
    assert model_accepts(ProviderIn, body) is valid


def test_every_path_id_is_bounded_and_free_of_nul():
    for path, item in DOC["paths"].items():
        for op in item.values():
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    assert param["schema"]["pattern"] == r"^[^\x00]*$" and param["schema"]["maxLength"] == 200, path


def test_a_forecast_day_is_one_the_arithmetic_can_run_on_from_and_the_schema_says_so():
    [on] = [p for p in DOC["paths"]["/people/{person_ref}/commitments"]["get"]["parameters"] if p["name"] == "on"]
    schema = {"$defs": COMPONENTS, **on["schema"]}
    for day, valid in (("2026-12-07", True), ("8999-12-31", True), ("9000-01-01", False), ("9999-12-31", False)):
        assert jsonschema_rs.Draft202012Validator(schema).is_valid(day) is valid
        assert model_accepts(Forecast, {"on": day}) is valid


def test_weekly_units_keep_their_two_decimals():
    terms = AgreementIn.model_validate(DRAFT | {"payment_basis": "plan", "schedule": [], "weekly_units": 37.5})
    assert terms.weekly_units == Decimal("37.5")
