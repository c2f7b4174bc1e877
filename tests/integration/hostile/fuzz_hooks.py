"""Schemathesis hooks for the fuzz runs (`SCHEMATHESIS_HOOKS`).

- Each operation is called with a token of a role its gate lets in (officers first), so the run reaches
  past 401/403 into the route itself. The service is told by the document's title ("Carepay <service>"),
  the role by the authorisation matrix; open routes get no token.
- Valid (positive) cases are made to keep the few rules a JSON Schema cannot state, each a documented
  422 tested by the service's own tests; invalid (negative) cases are sent as generated:
  - `after` is a cursor only the server issues (a page's Link rel=next): left out of valid cases;
  - a week or period start is a Monday: a generated date is moved to the Monday of its week, and for the
    four-weekly periods (contributions, ISF advances and returns) to the start of its four-weekly period;
  - a range ends on or after it starts (from/to, period_start/period_end, start/end), within three years:
    swapped if not, and a longer one starts a year before its end;
  - a date is within a window around today (shared.clock: a pay date a year back to two ahead, any other
    business date six back to two ahead, any date twenty back to ten ahead), which moves every day: all
    the dates of a case are moved together by whole weeks of years (364 days), so their order, the days
    between them and their weekdays stay as generated, the latest within the year up to today;
  - spend by person is not limited to cost centres (group by cost centre instead): no cost_centre then;
  - what is sent for a week or period that must be over (a net-pay file's week, an ISF return's period) is
    for one that is over: moved back a week (a period) at a time until it is;
  - an upload route's file (a body or form part documented as a string of bytes) is a file of its kind
    whose header row names the columns: a small valid one (fuzz_samples) replaces the generated string;
  - an Idempotency-Key is not used again with another request: a fresh one per call.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import schemathesis

from shared.clock import london_date, utcnow
from shared.idempotency import KEY
from shared.uploads import GENERIC, MULTIPART, media_type_of
from tests.conftest import auth
from tests.integration.hostile.authz_matrix import MATRIX
from tests.integration.hostile.fuzz_samples import sample

# A role the operation lets in, officers first: a provider or person token would mostly meet 403/404.
PREFERENCE = ("finance_officer", "brokerage_officer", "social_worker", "finance_approver", "ops", "team_manager",
              "person", "provider", "personal_assistant")
FUZZ_SCOPE = {"provider": {"provider": "PRV-FUZZ"}, "person": {"person": "P-FUZZ"},
              "personal_assistant": {"pa": "PA-FUZZ"}}


def service_of(case) -> str:
    return case.operation.schema.raw_schema["info"]["title"].removeprefix("Carepay ").strip()


def endpoint_of(case) -> str:
    return f"{case.method.upper()} {case.operation.path}"


def headers_for(service: str, endpoint: str) -> dict[str, str]:
    """A valid token for a role `endpoint` lets in; none for an open route."""
    rule = MATRIX.get(service, {}).get(endpoint)
    if rule is None:
        return {}
    role = next(r for r in PREFERENCE if r in rule.roles)
    return auth(role, **FUZZ_SCOPE.get(role, {}))


@schemathesis.auth(refresh_interval=None, cache_by_key=lambda case, _ctx: f"{service_of(case)} {endpoint_of(case)}")
class PerOperationToken:
    def get(self, case, _context):
        return headers_for(service_of(case), endpoint_of(case)).get("Authorization")

    def set(self, case, data, _context):
        if data:
            case.headers = {**(case.headers or {}), "Authorization": data}


MONDAYS = ("week_start", "period_start")
FOUR_WEEKLY_PATHS = ("/contribution-charges", "/isf-advances", "/providers/{provider_id}/isf-returns")
FOUR_WEEKLY_ANCHOR = date(2024, 4, 1)  # invoicing's default: the Monday the council's four-weekly cycle counts from
RANGES = (("from", "to"), ("period_start", "period_end"), ("start", "end"))


def _monday(value, four_weekly: bool = False):
    """The Monday of the week (or the first day of the four-weekly period) of an ISO date string; anything
    else as it is."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if four_weekly:
        return (day - timedelta(days=(day - FOUR_WEEKLY_ANCHOR).days % 28)).isoformat()
    return (day - timedelta(days=day.weekday())).isoformat()


def _in_order(values: dict) -> None:
    """A range's end on or after its start, and at most three years after it (reporting's longest range)."""
    for start, end in RANGES:
        first, last = values.get(start), values.get(end)
        if isinstance(first, str) and isinstance(last, str) and ISO_DATE.match(first) and ISO_DATE.match(last):
            if last < first:
                values[start], values[end] = first, last = last, first
            try:
                end_day = date.fromisoformat(last[:10])
                if (end_day - date.fromisoformat(first[:10])).days > 3 * 365:
                    values[start] = (end_day - YEAR_OF_WEEKS).isoformat() + first[10:]
            except ValueError:
                pass


ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")
YEAR_OF_WEEKS = timedelta(days=364)


def _dates_in(value, found: list) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _dates_in(item, found)
    elif isinstance(value, list):
        for item in value:
            _dates_in(item, found)
    elif isinstance(value, str) and (m := ISO_DATE.match(value)):
        try:
            found.append(date.fromisoformat(m.group(1)))
        except ValueError:
            pass


def _shifted(value, by: timedelta):
    if isinstance(value, dict):
        return {k: _shifted(v, by) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, by) for v in value]
    if isinstance(value, str) and (m := ISO_DATE.match(value)):
        try:
            day = date.fromisoformat(m.group(1))
        except ValueError:
            return value
        try:
            return (day + by).isoformat() + (m.group(2) or "")
        except OverflowError:
            return value
    return value


def move_dates_around_today(case, today: date | None = None) -> None:
    """Move every date of the case by the same whole number of 364-day years, so the latest lies within the
    year up to today (a range left open ends today)."""
    parts = [p for p in ("path_parameters", "query", "body") if getattr(case, p, None)]
    found: list[date] = []
    for part in parts:
        _dates_in(getattr(case, part), found)
    if not found:
        return
    today = today or date.today()
    years = (today - max(found)).days // YEAR_OF_WEEKS.days
    if years:
        for part in parts:
            setattr(case, part, _shifted(getattr(case, part), YEAR_OF_WEEKS * years))
    for part in parts:  # a date still years before the others (no range holds it): into the year up to today
        setattr(case, part, _strays_moved(getattr(case, part), today))


def _strays_moved(value, today: date):
    if isinstance(value, dict):
        return {k: _strays_moved(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [_strays_moved(v, today) for v in value]
    if isinstance(value, str) and (m := ISO_DATE.match(value)):
        try:
            day = date.fromisoformat(m.group(1))
        except ValueError:
            return value
        years = (today - day).days // YEAR_OF_WEEKS.days
        if years >= 5:
            return (day + YEAR_OF_WEEKS * years).isoformat() + (m.group(2) or "")
    return value


# By path: the path parameter or body field that starts a week or period which must be over, and its days.
OVER = {"/direct-payments/{agreement_id}/payroll/{week_start}/net-pay": ("week_start", 7),
        "/providers/{provider_id}/isf-returns": ("period_start", 28)}


def _over(values: dict, name: str, days: int, today: date) -> None:
    """`values[name]`, an ISO date starting a week or period of `days` days, moved back whole periods until
    the period ends before today; anything else as it is."""
    try:
        first = date.fromisoformat(values[name])
    except (KeyError, TypeError, ValueError):
        return
    while first + timedelta(days=days - 1) >= today:
        first -= timedelta(days=days)
    values[name] = first.isoformat()


def give_upload_a_file(case, today: date) -> None:
    """A valid case of an upload route sends a valid file of the type it names (fuzz_samples), as its raw
    body or as its form's part `file` (whose type is pinned to the one the case would send); a raw body
    the document states as JSON stays as generated."""
    if case.media_type is None:
        return
    service, endpoint = service_of(case), endpoint_of(case)
    declared = case.operation.get_body_for_media_type(case.media_type)
    if media_type_of(case.media_type) == MULTIPART and isinstance(case.body, dict) and declared is not None:
        part = (case.multipart_content_types or {}).get("file") or next(
            iter(declared.get_property_content_types("file")), GENERIC)
        text = sample(service, endpoint, part, case.path_parameters or {}, today)
        if text is not None:
            case.body = {**case.body, "file": text}
            case.multipart_content_types = {**(case.multipart_content_types or {}), "file": part}
    elif declared is not None and declared.definition.get("schema", {}).get("type") == "string":
        text = sample(service, endpoint, case.media_type, case.path_parameters or {}, today)
        if text is not None:
            case.body = text


def keep_unstatable_rules(case) -> None:
    """Make a valid case keep the rules no schema states (module docstring)."""
    for part in ("query", "body"):
        if isinstance(getattr(case, part, None), dict):
            _in_order(getattr(case, part))
    move_dates_around_today(case)
    if case.operation.path == "/spend" and (case.query or {}).get("group_by") == "person":
        case.query = {k: v for k, v in case.query.items() if k != "cost_centre"}
    if case.query and "after" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "after"}
    four_weekly = case.operation.path.startswith(FOUR_WEEKLY_PATHS)
    for part in ("path_parameters", "query", "body"):
        values = getattr(case, part, None)
        if not isinstance(values, dict):
            continue
        _in_order(values)
        for name in MONDAYS:
            if isinstance(values.get(name), str):
                values[name] = _monday(values[name], four_weekly)
    if case.operation.path in OVER:
        name, days = OVER[case.operation.path]
        for part in ("path_parameters", "body"):
            if isinstance(getattr(case, part, None), dict):
                _over(getattr(case, part), name, days, london_date(utcnow()))


@schemathesis.hook
def before_call(_context, case, **_kwargs):
    """A generated Idempotency-Key is a fresh one per call: keys the generator repeats ("0") with other
    bodies would be answered 422 idempotency_key_reused, a rule between two requests that no schema of one
    request can state (an invalid key is sent as generated). The replay rule itself is tested in
    tests/db/foundation/test_idempotency.py. Valid cases keep the other unstatable rules."""
    if case.meta is not None and case.meta.generation.mode.is_positive:
        keep_unstatable_rules(case)
        give_upload_a_file(case, london_date(utcnow()))
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and KEY.fullmatch(value):
            headers[name] = f"fuzz-{uuid.uuid4().hex}"
