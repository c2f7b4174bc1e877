"""A small valid file for each upload route the fuzz reaches: fuzz_hooks sends one in place of the generated
bytes of every valid case, as its raw body or its form's part `file`, of the type the case names (a generated
string is never a file whose header row names the columns). Each is written from the columns and the layout
its service's parser reads (tests/unit/foundation/test_fuzz_samples.py reads each with that parser).

A file is valid as a file; what the service holds decides the rest, and a state the fuzz cannot create is
answered 404 or 409 (which schemathesis counts as accepted), or is allowed for that operation (fuzz.py):
- a visit file (delivery): one attendance of last week, naming the path's provider by its provider_id (the
  provider book reads a provider's own id as well as its CQC IDs) and a person delivery need not know (that
  row is then held or rejected in the report; the file is accepted). The XML file's reference is fixed for the
  week, and the CSV's is its hash, so a second copy is 409 duplicate_file;
- ISF returns (invoicing): one line of spend for the last four-weekly period that is over;
- a bank report (payments): the header row and no payment: which payments a run holds is state, and a report
  naming none is valid for every exported run (it records nothing);
- a net-pay file (payments): one employee's net pay (whole pence) for the week of the path.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

from contracts.common import Cycle
from services.delivery.domain.parsing.csv_feed import OPTIONAL_COLUMNS as VISIT_OPTIONAL
from services.delivery.domain.parsing.csv_feed import REQUIRED_COLUMNS as VISIT_REQUIRED
from services.invoicing.domain.isf_returns_csv import OPTIONAL_COLUMNS as ISF_OPTIONAL
from services.invoicing.domain.isf_returns_csv import REQUIRED_COLUMNS as ISF_REQUIRED
from services.invoicing.domain.periods import last_complete_period
from services.payments.domain.confirmation import OPTIONAL_COLUMNS as BANK_OPTIONAL
from services.payments.domain.confirmation import REQUIRED_COLUMNS as BANK_REQUIRED
from services.payments.domain.net_pay import REQUIRED as NET_PAY_COLUMNS
from shared.clock import week_start

PERSON = "P-FUZZ"
EMPLOYEE = "EMP-FUZZ"
SUPPORT = "personal care"


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _last_week(today: date) -> date:
    """The Monday of the last whole week before today's."""
    return week_start(today) - timedelta(days=7)


def _visit(provider_id: str, today: date) -> dict[str, str]:
    """One carer's attendance, last Monday morning, by the columns of the CSV export."""
    day = _last_week(today)

    def at(hour: int, minute: int) -> str:
        return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")  # London wall-clock time
    return {"provider_ref": provider_id, "service_user_ref": PERSON, "visit_id": f"V-FUZZ-{day:%Y%m%d}",
            "carer_id": "C-FUZZ", "planned_start": at(9, 0), "planned_end": at(9, 30), "check_in": at(9, 2),
            "check_out": at(9, 31), "check_in_method": "app", "exception_code": "", "agreement_ref": ""}


def visit_csv(provider_id: str, today: date) -> str:
    """A CSV visit export: header row 1 naming every column delivery reads, then one attendance."""
    columns = [*VISIT_REQUIRED, *VISIT_OPTIONAL]
    visit = _visit(provider_id, today)
    return _csv([columns, [visit[c] for c in columns]])


def service_delivery_xml(provider_id: str, today: date) -> str:
    """An XML service delivery file of the same attendance, under the week it falls in (ASCII: any other
    character of the provider_id is written as a character reference)."""
    v = _visit(provider_id, today)
    ending = _last_week(today) + timedelta(days=6)
    text = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ServiceDeliveryFile reference="SDF-FUZZ-{ending:%Y%m%d}" provider={quoteattr(provider_id)}>\n'
            f'  <ProviderContract>\n'
            f'    <ServiceWeek serviceUser="{v["service_user_ref"]}" weekEnding="{ending.isoformat()}">\n'
            f'      <Visit id="{v["visit_id"]}" plannedStart="{v["planned_start"]}" plannedEnd="{v["planned_end"]}">\n'
            f'        <Carer id="{v["carer_id"]}" checkIn="{v["check_in"]}" checkOut="{v["check_out"]}" '
            f'method="{v["check_in_method"]}"/>\n'
            f'      </Visit>\n'
            f'    </ServiceWeek>\n'
            f'  </ProviderContract>\n'
            f'</ServiceDeliveryFile>\n')
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _isf_period_start(today: date) -> date:
    return last_complete_period(today, Cycle.FOUR_WEEKLY).first


def isf_returns_csv(today: date) -> str:
    """A CSV of ISF returns: header row 1 naming every column invoicing reads, then one line of spend."""
    row = {"person_ref": PERSON, "period_start": _isf_period_start(today).isoformat(), "support_type": SUPPORT,
           "hours": "2.50", "spend": "60.00", "subcontractor": "", "over_budget_reason": ""}
    columns = [*ISF_REQUIRED, *ISF_OPTIONAL]
    return _csv([columns, [row[c] for c in columns]])


def isf_return_json(today: date) -> str:
    """One ISF return as JSON (IsfReturnIn): the same line of spend."""
    return json.dumps({"person_ref": PERSON, "period_start": _isf_period_start(today).isoformat(),
                       "lines": [{"support_type": SUPPORT, "hours": "2.50", "spend_pence": 6000}]})


def bank_report_csv() -> str:
    """The bank's report: its header row (every column payments reads), naming no payment."""
    return _csv([[*BANK_REQUIRED, *BANK_OPTIONAL]])


def net_pay_csv() -> str:
    """The bureau's net pay: header row naming its columns, then one employee's net pay in whole pence."""
    row = {"employee_ref": EMPLOYEE, "net_pence": "10000"}
    return _csv([list(NET_PAY_COLUMNS), [row[c] for c in NET_PAY_COLUMNS]])


Builder = Callable[[Mapping[str, Any], date], str]

# By service and "METHOD /path": the file for each type the route reads (application/octet-stream, a form part's
# type that says nothing, is read as the route's first type).
UPLOADS: dict[tuple[str, str], dict[str, Builder]] = {
    ("delivery", "POST /providers/{provider_id}/visit-files"): {
        **dict.fromkeys(("text/csv", "application/csv", "application/octet-stream"),
                        lambda path, today: visit_csv(str(path.get("provider_id", "")), today)),
        **dict.fromkeys(("application/xml", "text/xml"),
                        lambda path, today: service_delivery_xml(str(path.get("provider_id", "")), today))},
    ("invoicing", "POST /providers/{provider_id}/isf-returns"): {
        **dict.fromkeys(("text/csv", "application/octet-stream"), lambda path, today: isf_returns_csv(today)),
        "application/json": lambda path, today: isf_return_json(today)},
    ("payments", "POST /payment-runs/{run_id}/confirmations"): dict.fromkeys(
        ("text/csv", "application/octet-stream"), lambda path, today: bank_report_csv()),
    ("payments", "POST /direct-payments/{agreement_id}/payroll/{week_start}/net-pay"): dict.fromkeys(
        ("text/csv", "application/octet-stream"), lambda path, today: net_pay_csv()),
}


def sample(service: str, endpoint: str, media_type: str, path_parameters: Mapping[str, Any], today: date) -> str | None:
    """The valid file of `media_type` for the upload route, or None (not an upload route, or not a type it reads)."""
    builder = UPLOADS.get((service, endpoint), {}).get(media_type.split(";", 1)[0].strip().lower())
    return None if builder is None else builder(path_parameters, today)
