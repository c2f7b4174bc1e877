"""The invoicing service's settings, from environment variables (documented in the README table).

CAREPAY_INVOICING_PAYMENT_TERMS_DAYS   days from receipt to due date (default 30; at most 30)
CAREPAY_INVOICING_TOLERANCE_PENCE      total difference from actuals or plan still approved (default 50)
CAREPAY_INVOICING_SAFETY_SHARE         share above commitment held for an officer (default 0.10)
CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR   a Monday from which four-weekly periods count (default 2024-04-01)
CAREPAY_INVOICING_SCHEDULE_EVERY_S     seconds between scheduled-invoice runs (default 3600; 0 = off)
CAREPAY_INVOICING_SCHEDULE_BATCH       agreements per transaction in a scheduled run or run of ISF advances
                                       (default 500)
CAREPAY_INVOICING_ISF_ADVANCE_DAYS     days before a four-weekly period starts that its ISF advances are
                                       raised (default 14)
CAREPAY_INVOICING_MAX_INVOICE_AGREEMENTS  distinct agreements one provider invoice may name (default 500):
                                       each is one advisory lock while it is received, so an invoice
                                       naming more is refused (422) before any lock is taken
CAREPAY_INVOICING_CONTRIBUTION_CHARGE_AFTER_DAYS  days a four-weekly period has been over before the job
                                       charges contributions for it (default 7)
CAREPAY_INVOICING_CONTRIBUTION_INCOME_CODE, _INCOME_COST_CENTRE   client-contribution income in the
                                       journal (default 8100 on ASC-CARE)
CAREPAY_INVOICING_CONTRIBUTION_DEBTORS_CODE, _DEBTORS_COST_CENTRE  the debtors control account
                                       (default 9150 on FIN-CONTROL)
CAREPAY_INVOICING_ISF_RETAINED_WEEKS   weeks of an ISF's weekly budget its provider may keep after a return;
                                       a balance above it is reclaimed (default 1)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache

from pydantic import field_validator

from services.invoicing.domain.contribution_files import JournalCodes
from services.invoicing.domain.isf_advances import DEFAULT_ADVANCE_DAYS
from services.invoicing.domain.payment_terms import MAX_PAYMENT_TERMS_DAYS
from services.invoicing.domain.periods import DEFAULT_FOUR_WEEKLY_ANCHOR
from services.invoicing.domain.validation_context import ValidationSettings
from shared.settings_sources import CarepaySettings, setting

P = "CAREPAY_INVOICING_"


class InvoicingSettings(CarepaySettings):
    payment_terms_days: int = setting(f"{P}PAYMENT_TERMS_DAYS", 30, ge=0, le=MAX_PAYMENT_TERMS_DAYS)
    tolerance_pence: int = setting(f"{P}TOLERANCE_PENCE", 50, ge=0)
    safety_share: str = setting(f"{P}SAFETY_SHARE", "0.10")
    four_weekly_anchor: date = setting(f"{P}FOUR_WEEKLY_ANCHOR", DEFAULT_FOUR_WEEKLY_ANCHOR)
    schedule_every_s: float = setting(f"{P}SCHEDULE_EVERY_S", 3600.0, ge=0)
    schedule_batch: int = setting(f"{P}SCHEDULE_BATCH", 500, ge=1)
    max_invoice_agreements: int = setting(f"{P}MAX_INVOICE_AGREEMENTS", 500, ge=1)
    isf_advance_days: int = setting(f"{P}ISF_ADVANCE_DAYS", DEFAULT_ADVANCE_DAYS, ge=0, le=28)
    contribution_charge_after_days: int = setting(f"{P}CONTRIBUTION_CHARGE_AFTER_DAYS", 7, ge=0)
    contribution_income_code: str = setting(f"{P}CONTRIBUTION_INCOME_CODE", "8100")
    contribution_income_cost_centre: str = setting(f"{P}CONTRIBUTION_INCOME_COST_CENTRE", "ASC-CARE")
    contribution_debtors_code: str = setting(f"{P}CONTRIBUTION_DEBTORS_CODE", "9150")
    contribution_debtors_cost_centre: str = setting(f"{P}CONTRIBUTION_DEBTORS_COST_CENTRE", "FIN-CONTROL")
    isf_retained_weeks: int = setting(f"{P}ISF_RETAINED_WEEKS", 1, ge=0)

    @field_validator("safety_share")
    @classmethod
    def _a_share(cls, share: str) -> str:
        try:
            if Fraction(share) >= 0:
                return share
        except (ValueError, ZeroDivisionError):
            pass
        raise ValueError("must be a share, 0 or more, e.g. 0.10")

    @field_validator("four_weekly_anchor")
    @classmethod
    def _a_monday(cls, anchor: date) -> date:
        if anchor.weekday() != 0:
            raise ValueError(f"must be a Monday, not {anchor:%A} {anchor}")
        return anchor


@dataclass(frozen=True)
class InvoicingConfig:
    validation: ValidationSettings
    four_weekly_anchor: date
    schedule_every_s: float
    schedule_batch: int
    max_invoice_agreements: int = 500
    isf_advance_days: int = DEFAULT_ADVANCE_DAYS
    contribution_charge_after_days: int = 7
    contribution_codes: JournalCodes = JournalCodes()
    isf_retained_weeks: int = 1

    @property
    def payment_terms_days(self) -> int:
        return self.validation.payment_terms_days


@lru_cache(maxsize=1)
def config() -> InvoicingConfig:
    """Read once per process; SystemExit naming each variable that is not what it must be."""
    s = InvoicingSettings.read()
    return InvoicingConfig(
        ValidationSettings(tolerance_pence=s.tolerance_pence, safety_share=s.safety_share,
                           payment_terms_days=s.payment_terms_days),
        s.four_weekly_anchor, s.schedule_every_s, s.schedule_batch, s.max_invoice_agreements, s.isf_advance_days,
        s.contribution_charge_after_days,
        JournalCodes(s.contribution_income_code, s.contribution_income_cost_centre, s.contribution_debtors_code,
                     s.contribution_debtors_cost_centre),
        s.isf_retained_weeks)
