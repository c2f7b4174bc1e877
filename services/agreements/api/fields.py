"""The field types of the agreements API. Each states its rule in the published schema (a pattern, a bound, an
enum) and is checked by exactly that rule, so a request the document calls valid is never refused for its
shape, and one it calls invalid never gets through. Rules between fields of one request are in `schema_rules`.

Digits are ASCII `[0-9]` everywhere: `\\d` would also take other scripts' digits ("୪߈").
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, WithJsonSchema

from contracts.agreements import PersonalAssistantRate, Rate, ScheduledVisit, VisitRules
from contracts.common import ServiceType
from services.agreements.api import schema_rules as rules
from services.agreements.api.schema_rules import SchemaExtra
from services.agreements.domain import providers as register
from services.agreements.domain.cost_centres import check_cost_centre
from services.agreements.domain.errors import Rejected
from shared.bounds import Filter, PathId, Reference, text  # noqa: F401 (PathId, text: for the API's modules)
from shared.clock import PlausibleDate

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SORT_CODE = r"^([0-9][ -]?){5}[0-9]$"
ACCOUNT_NUMBER = r"^([0-9] ?){7}[0-9]$"
CQC_ID = r"^1-[0-9]{9,11}$"
COST_CENTRE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
# A London wall-clock time with no offset: HH:MM, HH:MM:SS or HH:MM:SS.ffffff.
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
WEEKLY_UNITS = r"^[0-9]{1,6}(\.[0-9]{1,2})?$"
MAX_RATE_PENCE = 100_000_000  # £1m a unit: past any genuine price, far inside what every store of pence holds
MAX_WEEKLY_UNITS = Decimal("999999.99")


def iso_date(value: Any) -> Any:
    """A date only as YYYY-MM-DD (pydantic alone also reads 0 or "1700000000" as a Unix time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date as YYYY-MM-DD")


# Any date (`from`). A date kept or acted on is a Day: within shared.clock's window of today.
IsoDate = Annotated[date, BeforeValidator(iso_date)]
Day = Annotated[PlausibleDate, BeforeValidator(iso_date)]


def _before_9000(day: date) -> date:
    if day.year >= 9000:
        raise ValueError("must be a day before the year 9000: a forecast runs on from it")
    return day


# A day a forecast runs on from (a year and more past it): any before 9000, which the schema's pattern states.
ForecastDay = Annotated[date, BeforeValidator(iso_date), AfterValidator(_before_9000), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": "^[0-8][0-9]{3}-", "description": "A day before the year 9000."})]


def _local_time(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(LOCAL_TIME, value):
        return value
    raise ValueError("must be a London wall-clock time as HH:MM or HH:MM:SS, with no offset")


LocalTimeIn = Annotated[time, BeforeValidator(_local_time), WithJsonSchema(
    {"type": "string", "pattern": LOCAL_TIME, "maxLength": 15,
     "description": "London wall-clock time: HH:MM or HH:MM:SS, no offset."})]

def _patterned(pattern: str, max_length: int, rule: str, then: Any, description: str, **schema: Any) -> Any:
    """A string matching `pattern` (the schema's; it allows at most `max_length` characters), refused with `rule`
    otherwise, then normalised by `then`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if len(value) > max_length or not compiled.fullmatch(value):
            raise ValueError(rule)
        return then(value)

    return Annotated[str, AfterValidator(check), WithJsonSchema(
        {"type": "string", "pattern": pattern, "maxLength": max_length, "description": description, **schema})]


def _cost_centre(value: str) -> str:
    try:
        return check_cost_centre(value)
    except Rejected as refused:
        raise ValueError(refused.rule) from None


SortCode = _patterned(SORT_CODE, 11, "must be a sort code of 6 digits, e.g. 12-34-56", register.sort_code,
                      "6 digits, each but the last may be followed by a dash or a space (12-34-56); stored bare.")
AccountNumber = _patterned(ACCOUNT_NUMBER, 15, "must be an account number of exactly 8 digits", register.account_number,
                           "8 digits (spaces between them allowed); stored bare.")
CqcId = _patterned(CQC_ID, 14, "must be a CQC ID: '1-' followed by 9 to 11 digits, e.g. 1-101234567", register.cqc_id,
                   "A CQC provider or location ID: '1-' and 9 to 11 digits.", examples=["1-101234567"])
CostCentre = _patterned(COST_CENTRE, 40, "must be 1-40 letters, digits, '-' or '_' (a council cost centre code such as "
                                     "ASC-NORTH)", _cost_centre,
                        "A council cost centre code: 1-40 letters, digits, '-' or '_', from a letter or digit.")


def _weekly_units(value: Any) -> Any:
    """A number, or a string of digits with at most two decimals; never a bool, an exponent or blanks."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("must be a number of units with at most 2 decimals, e.g. 37.5")
    if isinstance(value, str) and not re.fullmatch(WEEKLY_UNITS, value):
        raise ValueError("must be a number of units with at most 2 decimals, e.g. 37.5")
    return value


WeeklyUnits = Annotated[Decimal, BeforeValidator(_weekly_units), Field(gt=0, le=MAX_WEEKLY_UNITS, decimal_places=2),
                        WithJsonSchema({"anyOf": [
                            {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_WEEKLY_UNITS),
                             "multipleOf": 0.01},
                            {"type": "string", "pattern": r"^(?!0*(\.0*)?$)[0-9]{1,6}(\.[0-9]{1,2})?$"}],
                            "description": "Units paid each week (plan basis), more than 0 with at most 2 decimals, "
                                           "e.g. 1 week or 37.5 hours."})]


def _whole(value: Any) -> Any:
    """A JSON integer (60, or 60.0: JSON Schema's integers include it), never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a whole number")
    return value


# A whole number as JSON sends it (pydantic alone would also read "60" and true).
Whole = Annotated[int, BeforeValidator(_whole)]


def whole(**bounds: int) -> Any:
    """A Whole within `bounds` (ge, gt, le): inside the type, so an optional one's schema states them too."""
    return Annotated[int, Field(**bounds), BeforeValidator(_whole)]  # this order: the schema says the bounds


# Text of a length with no NUL character (`text`), an id in a body (`Ref`) or a path (`PathId`): shared.bounds.
Ref = Reference
# A query filter (an id, a person_ref): may be empty, as a form leaves it.
QueryFilter = Annotated[Filter | None, Query()]


# The contract's models as the API takes them: bounded, and strict (JSON numbers and booleans as such: pydantic
# alone would read "60" as 60 and 0 as false, which the schema says are not). What is kept and published is
# the contract's own (`as_contract`).
class RateIn(Rate):
    amount_pence: Whole = Field(ge=0, le=MAX_RATE_PENCE)


class ScheduledVisitIn(ScheduledVisit):
    start_time: LocalTimeIn = Field(description="Local wall-clock time, Europe/London.")
    duration_minutes: Whole = Field(gt=0, le=1440)
    carers_required: Whole = Field(default=1, ge=1, le=4, description="2 for a double-up visit.")


class VisitRulesIn(VisitRules):
    late_after_minutes: Whole = Field(default=30, ge=0, le=1440, description=(
        "Check-in later than this after planned start is late."))
    short_below_percent: Whole = Field(default=75, ge=0, le=100, description=(
        "Attendance below this % of planned is short."))
    pay_frustrated: StrictBool = Field(default=True, description="Pay a NOACCESS visit at planned duration.")
    pay_short_notice_cancellation: StrictBool = Field(default=True, description="Pay a visit cancelled under 24h.")
    missed_cut_off: LocalTimeIn | None = Field(
        default=None, description="Local time a visit with no attendance is missed; None: the end of its local day.")


class PersonalAssistantRateIn(PersonalAssistantRate):
    hourly_pence: Whole = Field(gt=0, le=MAX_RATE_PENCE)


# Rates as sent: 1 to 50, one unit, one price per time band and kind of day.
RatesIn = Annotated[list[RateIn], Field(min_length=1, max_length=50), SchemaExtra(**rules.rates_list())]
# A PA's hourly rates: one per time band and kind of day, the day rate among them.
PaRatesIn = Annotated[list[PersonalAssistantRateIn], Field(min_length=1, max_length=12),
                      SchemaExtra(**rules.pa_rates_list())]
CARE_SERVICES = [s.value for s in ServiceType if s is not ServiceType.DIRECT_PAYMENT]


def _care_service(value: ServiceType) -> ServiceType:
    if value is ServiceType.DIRECT_PAYMENT:
        raise ValueError("a care service is wanted here; a direct payment is arranged under /direct-payments")
    return value


# The care services a provider offers and an agreement buys: every service type but a direct payment.
CareService = Annotated[ServiceType, AfterValidator(_care_service), SchemaExtra(enum=CARE_SERVICES)]


def as_contract(items: Any, model: type) -> Any:
    """The API's bounded models as the contract's own (what the domain keeps, compares and publishes)."""
    if items is None:
        return None
    if isinstance(items, list):
        return [model.model_validate(i.model_dump()) for i in items]
    return model.model_validate(items.model_dump())
