"""The council's payment configuration, from environment variables with local-stack defaults.

Accounts are given as 'sortcode:account:name' (the council's own accounts, not a payee's).
The journal mapping can be replaced whole with CAREPAY_PAYMENTS_JOURNAL_MAPPING, a JSON object
{"subjective_by_service": {"home_care": "5110", ...}, "control_subjective": "9100",
 "control_cost_centre": "FIN-CONTROL", "default_cost_centre": "ASC-CARE",
 "managed_account_subjective": "9200", "managed_account_cost_centre": "ASC-DP"}
(the last two: where lines paid from council-managed direct-payment accounts are charged).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_settings import NoDecode

from contracts.common import ServiceType
from services.payments.domain.files.gl_journal import JournalMapping
from services.payments.domain.inputs import BankAccount, PaymentSettings
from services.payments.domain.managed_accounts import DEFAULT_SURPLUS_WEEKS
from services.payments.domain.net_pay import DEFAULT_SECOND_PERSON_ABOVE_PENCE
from services.payments.domain.run_calendar import RunCalendar
from shared.production import required
from shared.settings_sources import CarepaySettings, Problem, setting

DEFAULT_SUBJECTIVES = {
    ServiceType.HOME_CARE: "5110", ServiceType.DAY_CARE: "5120", ServiceType.EXTRA_CARE: "5130",
    ServiceType.RESIDENTIAL: "5210", ServiceType.NURSING: "5220", ServiceType.SUPPORTED_LIVING: "5230",
    ServiceType.SHARED_LIVES: "5240", ServiceType.DIRECT_PAYMENT: "5310",
}
# The local stack's demo council: refused in production (production_problems).
DEMO_COUNCIL_NAME = "Demo County Council"
DEMO_SUN = "123456"
DEMO_PAYMENTS_ACCOUNT = "401276:12345678:DEMO CC PAYMENTS"
DEMO_MANAGED_ACCOUNT = "401276:87654321:DEMO CC DP CLIENT"


def _account(text: object) -> object:
    """'sortcode:account:name' as a BankAccount; the message never repeats the account."""
    if not isinstance(text, str):
        return text
    try:
        sort_code, number, holder = text.split(":", 2)
        return BankAccount.of(sort_code, number, holder)
    except ValueError:
        raise ValueError("must be 'sortcode:account:name' (6-digit sort code, 8-digit account), "
                         "e.g. 401276:12345678:COUNCIL PAYMENTS") from None


Account = Annotated[BankAccount, NoDecode, BeforeValidator(_account)]


class JournalMappingSetting(BaseModel):
    """CAREPAY_PAYMENTS_JOURNAL_MAPPING: the GL journal's codes, each key optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    subjective_by_service: dict[ServiceType, str] = Field(default_factory=lambda: dict(DEFAULT_SUBJECTIVES))
    control_subjective: str = "9100"
    control_cost_centre: str = "FIN-CONTROL"
    default_cost_centre: str = "ASC-CARE"
    managed_account_subjective: str = "9200"
    managed_account_cost_centre: str = "ASC-DP"

    def mapping(self) -> JournalMapping:
        return JournalMapping(subjective_by_service=self.subjective_by_service or DEFAULT_SUBJECTIVES,
                              control_subjective=self.control_subjective, control_cost_centre=self.control_cost_centre,
                              default_cost_centre=self.default_cost_centre,
                              managed_subjective=self.managed_account_subjective,
                              managed_cost_centre=self.managed_account_cost_centre)


class PaymentsSettings(CarepaySettings):
    council_name: str = setting("CAREPAY_COUNCIL_NAME", DEMO_COUNCIL_NAME)
    service_user_number: str = setting("CAREPAY_BACS_SUN", DEMO_SUN, pattern=r"^[A-Za-z0-9]{6}$")
    bacs_name: str | None = setting("CAREPAY_BACS_NAME", None)
    payments_account: Account = setting("CAREPAY_PAYMENTS_ACCOUNT", DEMO_PAYMENTS_ACCOUNT, secret=True,
                                        validate_default=True)
    managed_account: Account = setting("CAREPAY_MANAGED_DP_ACCOUNT", DEMO_MANAGED_ACCOUNT, secret=True,
                                       validate_default=True)
    four_weekly_anchor: date = setting("CAREPAY_FOUR_WEEKLY_ANCHOR", date(2026, 1, 7))
    weekly_run_weekday: int = setting("CAREPAY_WEEKLY_RUN_WEEKDAY", 2, ge=0, le=6)
    journal: JournalMappingSetting = setting("CAREPAY_PAYMENTS_JOURNAL_MAPPING", JournalMappingSetting())
    payroll_second_person_above_pence: int = setting("CAREPAY_PAYROLL_SECOND_PERSON_ABOVE_PENCE",
                                                     DEFAULT_SECOND_PERSON_ABOVE_PENCE, ge=0)
    dp_surplus_weeks: int = setting("CAREPAY_DP_SURPLUS_WEEKS", DEFAULT_SURPLUS_WEEKS, ge=0)
    dp_cost_centre: str = setting("CAREPAY_DP_COST_CENTRE", "ASC-DP")


@lru_cache(maxsize=1)
def payments_settings() -> PaymentsSettings:
    return PaymentsSettings.read()


def production_problems(service: str) -> list[Problem]:
    """Production pays real money: the council's own name, Bacs SUN and accounts, never the demo's."""
    problems: list[Problem] = []  # PaymentsSettings.problems() are every service's check (shared.production)
    required("CAREPAY_COUNCIL_NAME", problems, refused=(DEMO_COUNCIL_NAME,), what="council name")
    required("CAREPAY_BACS_SUN", problems, refused=(DEMO_SUN,), what="Bacs service user number")
    required("CAREPAY_PAYMENTS_ACCOUNT", problems, refused=(DEMO_PAYMENTS_ACCOUNT,), what="payments account")
    required("CAREPAY_MANAGED_DP_ACCOUNT", problems, refused=(DEMO_MANAGED_ACCOUNT,),
             what="direct-payment client account")
    return problems


@lru_cache(maxsize=1)
def payroll_second_person_above_pence() -> int:
    """CAREPAY_PAYROLL_SECOND_PERSON_ABOVE_PENCE: a net pay file totalling more needs a second person."""
    return payments_settings().payroll_second_person_above_pence


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
    s = payments_settings()
    settings = PaymentSettings(council_name=s.council_name, service_user_number=s.service_user_number,
                               originating_account=s.payments_account, managed_account=s.managed_account,
                               bacs_name=s.bacs_name or s.council_name)
    calendar = RunCalendar(four_weekly_anchor=s.four_weekly_anchor, weekly_weekday=s.weekly_run_weekday)
    return PaymentsConfig(settings, s.journal.mapping(), calendar, surplus_weeks=s.dp_surplus_weeks,
                          dp_cost_centre=s.dp_cost_centre)
