"""Rules between the fields of one request, stated in JSON Schema (2020-12, as OpenAPI 3.1 reads it) for the
published document. Each restates a check the domain or a model makes, word for word in meaning:
- a list of rates: one unit (`domain.rates.check_rates`), one price per time band and kind of day;
- a PA's rates: one per band and kind of day, and the day rate (`domain.personal_assistants.check_rates`);
- a draft's terms (`domain.agreements.check_terms`, `check_funding_named`, `api.agreements.resolve_rates`):
  rates or a rate card, funding and its direct payment, what each payment basis needs, and the standard
  rate for weekly units;
- self-billing's date (`domain.providers.check_self_billing`);
- a variation's and a PA change's "give at least one of".
A rule between two values (an end before its start) is beyond JSON Schema, and one that a planned visit's
time band and kind of day have a rate (in JSON Schema, six conditionals over the schedule and the rates) is
beyond what the fuzzing tools read (schemathesis gives up on the operation): their descriptions say them.
"""
from __future__ import annotations

from typing import Any

from contracts.agreements import DayCategory, TimeBand
from contracts.common import Funding, PaymentBasis, RateUnit

NULLISH = {"type": "null"}


class SchemaExtra:
    """Annotated metadata adding keywords to a type's own JSON schema (an inline array or object)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


def given(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The property is present and not null (and matches `schema`). Types and bounds are the property's own."""
    return {"required": [name], "properties": {name: {"not": NULLISH, **schema}}}


def _at_most_one(band: Any, day: Any) -> dict[str, Any]:
    """At most one item for this time band and kind of day (None: null or absent, as the models default it)."""
    return {"contains": {"properties": {"time_band": _is(band), "day_category": _is(day)},
                         "required": [name for name, value in (("time_band", band), ("day_category", day)) if value]},
            "minContains": 0, "maxContains": 1}


def _is(value: Any) -> dict[str, Any]:
    """Exactly `value`, or null (an absent key is null too: `required` says when it must be there). Never
    `"const": null`: FastAPI drops None values from the document it serves."""
    return NULLISH if value is None else {"const": value.value}


def rates_list() -> dict[str, Any]:
    """A list of `Rate`: all in one unit; no two for the same time band and kind of day (none is a value)."""
    return {
        "anyOf": [{"items": {"properties": {"unit": {"const": unit.value}}}} for unit in RateUnit],
        "allOf": [_at_most_one(band, day) for band in (*TimeBand, None) for day in (*DayCategory, None)],
    }


def pa_rates_list() -> dict[str, Any]:
    """A PA's rates: one per time band and kind of day, and among them the day rate for every kind of day."""
    return {"allOf": [
        *[_at_most_one(band, day) for band in TimeBand for day in (*DayCategory, None)],
        {"contains": {"properties": {"time_band": _is(TimeBand.DAY), "day_category": NULLISH},
                      "required": ["time_band"]}},
    ]}


def draft_terms() -> list[dict[str, Any]]:
    """`allOf` of a draft's terms (TermsIn): what check_terms and resolve_rates refuse, when the rates are given;
    rates from a rate card are the card's, checked against it (409). Few branches: each `oneOf`/`if` doubles
    what a generator must lay out."""
    actuals = {"properties": {"payment_basis": {"const": PaymentBasis.ACTUALS.value}, "schedule": {"minItems": 1},
                              "rates": {"items": {"properties": {"unit": {"not": {"const": RateUnit.WEEK.value}}}}}},
               "required": ["payment_basis", "schedule"]}
    plan = {"properties": {"payment_basis": {"const": PaymentBasis.PLAN.value}}, "required": ["payment_basis"],
            "anyOf": [given("weekly_units", {}),
                      {"properties": {"schedule": {"minItems": 1}}, "required": ["schedule"]}]}
    return [
        {"oneOf": [given("rates", {}), given("rate_card_id", {})]},
        {"oneOf": [{"properties": {"funding": {"const": Funding.MANAGED_ACCOUNT.value},
                                   "direct_payment_id": {"not": NULLISH}},
                    "required": ["funding", "direct_payment_id"]},
                   {"properties": {"funding": {"const": Funding.COUNCIL.value}, "direct_payment_id": NULLISH}}]},
        {"oneOf": [actuals, plan]},
        {"if": given("weekly_units", {}), "then": {"properties": {"rates": {"contains": {
            "properties": {"time_band": NULLISH, "day_category": NULLISH}}}}}},
    ]


def rates_or_rate_card() -> list[dict[str, Any]]:
    """A variation's rates: given, or a rate card, or neither (the rates in force carry over); not both."""
    return [{"not": {"allOf": [given("rates", {}), given("rate_card_id", {})]}}]


def at_least_one_of(*names: str, nullable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """At least one of `names` is given (those in `nullable` count when sent as null too)."""
    return [{"anyOf": [{"required": [n]} if n in nullable else given(n, {}) for n in names]}]


def self_billing() -> list[dict[str, Any]]:
    """The date of the self-billing agreement exactly when one is in place."""
    return [{"oneOf": [{"properties": {"in_place": {"const": True}, "agreed_on": {"not": NULLISH}},
                        "required": ["in_place", "agreed_on"]},
                       {"properties": {"in_place": {"const": False}, "agreed_on": NULLISH}, "required": ["in_place"]}]}]
