"""The council's payment configuration, from environment variables with local-stack defaults.

Accounts are given as 'sortcode:account:name' (the council's own accounts, not a payee's).
The journal mapping can be replaced whole with CAREPAY_PAYMENTS_JOURNAL_MAPPING, a JSON object
{"subjective_by_service": {"home_care": "5110", ...}, "control_subjective": "9100",
 "control_cost_centre": "FIN-CONTROL", "default_cost_centre": "ASC-CARE",
 "managed_account_subjective": "9200", "managed_account_cost_centre": "ASC-DP"}
(the last two: where lines paid from council-managed direct-payment accounts are charged).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from contracts.common import ServiceType
from services.payments.domain.files.gl_journal import JournalMapping
from services.payments.domain.inputs import BankAccount, PaymentSettings
from services.payments.domain.managed_accounts import DEFAULT_SURPLUS_WEEKS
from services.payments.domain.net_pay import DEFAULT_SECOND_PERSON_ABOVE_PENCE
from services.payments.domain.run_calendar import RunCalendar

DEFAULT_SUBJECTIVES = {
    ServiceType.HOME_CARE: "5110", ServiceType.DAY_CARE: "5120", ServiceType.EXTRA_CARE: "5130",
    ServiceType.RESIDENTIAL: "5210", ServiceType.NURSING: "5220", ServiceType.SUPPORTED_LIVING: "5230",
    ServiceType.SHARED_LIVES: "5240", ServiceType.DIRECT_PAYMENT: "5310",
}


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _account(name: str, default: str) -> BankAccount:
    raw = _env(name, default)
    try:
        sort_code, number, holder = raw.split(":", 2)
    except ValueError as exc:
        raise SystemExit(f"{name} must be 'sortcode:account:name', e.g. 401276:12345678:COUNCIL PAYMENTS") from exc
    return BankAccount.of(sort_code, number, holder)


def _journal_mapping() -> JournalMapping:
    raw = os.environ.get("CAREPAY_PAYMENTS_JOURNAL_MAPPING")
    given = json.loads(raw) if raw else {}
    subjectives = {ServiceType(k): v for k, v in given.get("subjective_by_service", {}).items()} or DEFAULT_SUBJECTIVES
    return JournalMapping(subjective_by_service=subjectives,
                          control_subjective=given.get("control_subjective", "9100"),
                          control_cost_centre=given.get("control_cost_centre", "FIN-CONTROL"),
                          default_cost_centre=given.get("default_cost_centre", "ASC-CARE"),
                          managed_subjective=given.get("managed_account_subjective", "9200"),
                          managed_cost_centre=given.get("managed_account_cost_centre", "ASC-DP"))


@lru_cache(maxsize=1)
def payroll_second_person_above_pence() -> int:
    """CAREPAY_PAYROLL_SECOND_PERSON_ABOVE_PENCE: a net pay file totalling more needs a second person."""
    return int(_env("CAREPAY_PAYROLL_SECOND_PERSON_ABOVE_PENCE", str(DEFAULT_SECOND_PERSON_ABOVE_PENCE)))


@dataclass(frozen=True)
class PaymentsConfig:
    settings: PaymentSettings
    journal: JournalMapping
    calendar: RunCalendar
    surplus_weeks: int
    dp_cost_centre: str


@lru_cache(maxsize=1)
def payments_config() -> PaymentsConfig:
    """Read once per process: every file of a run is written with the same settings."""
    council = _env("CAREPAY_COUNCIL_NAME", "Demo County Council")
    settings = PaymentSettings(
        council_name=council,
        service_user_number=_env("CAREPAY_BACS_SUN", "123456"),
        originating_account=_account("CAREPAY_PAYMENTS_ACCOUNT", "401276:12345678:DEMO CC PAYMENTS"),
        managed_account=_account("CAREPAY_MANAGED_DP_ACCOUNT", "401276:87654321:DEMO CC DP CLIENT"),
        bacs_name=_env("CAREPAY_BACS_NAME", council))
    calendar = RunCalendar(four_weekly_anchor=date.fromisoformat(_env("CAREPAY_FOUR_WEEKLY_ANCHOR", "2026-01-07")),
                           weekly_weekday=int(_env("CAREPAY_WEEKLY_RUN_WEEKDAY", "2")))
    return PaymentsConfig(settings, _journal_mapping(), calendar,
                          surplus_weeks=int(_env("CAREPAY_DP_SURPLUS_WEEKS", str(DEFAULT_SURPLUS_WEEKS))),
                          dp_cost_centre=_env("CAREPAY_DP_COST_CENTRE", "ASC-DP"))
