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

import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from services.invoicing.domain.isf_advances import DEFAULT_ADVANCE_DAYS
from services.invoicing.domain.contribution_files import JournalCodes
from services.invoicing.domain.periods import DEFAULT_FOUR_WEEKLY_ANCHOR
from services.invoicing.domain.validation_context import ValidationSettings


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


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
    try:
        validation = ValidationSettings(
            tolerance_pence=int(_env("CAREPAY_INVOICING_TOLERANCE_PENCE", "50")),
            safety_share=_env("CAREPAY_INVOICING_SAFETY_SHARE", "0.10"),
            payment_terms_days=int(_env("CAREPAY_INVOICING_PAYMENT_TERMS_DAYS", "30")))
        anchor = date.fromisoformat(_env("CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR", DEFAULT_FOUR_WEEKLY_ANCHOR.isoformat()))
        if anchor.weekday() != 0:
            raise ValueError(f"CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR must be a Monday, not {anchor:%A} {anchor}")
        advance_days = int(_env("CAREPAY_INVOICING_ISF_ADVANCE_DAYS", str(DEFAULT_ADVANCE_DAYS)))
        if not 0 <= advance_days <= 28:
            raise ValueError(f"CAREPAY_INVOICING_ISF_ADVANCE_DAYS must be 0 to 28 days, not {advance_days}")
        after_days = int(_env("CAREPAY_INVOICING_CONTRIBUTION_CHARGE_AFTER_DAYS", "7"))
        if after_days < 0:
            raise ValueError("CAREPAY_INVOICING_CONTRIBUTION_CHARGE_AFTER_DAYS must be 0 or more")
        codes = JournalCodes(_env("CAREPAY_INVOICING_CONTRIBUTION_INCOME_CODE", "8100"),
                             _env("CAREPAY_INVOICING_CONTRIBUTION_INCOME_COST_CENTRE", "ASC-CARE"),
                             _env("CAREPAY_INVOICING_CONTRIBUTION_DEBTORS_CODE", "9150"),
                             _env("CAREPAY_INVOICING_CONTRIBUTION_DEBTORS_COST_CENTRE", "FIN-CONTROL"))
        retained_weeks = int(_env("CAREPAY_INVOICING_ISF_RETAINED_WEEKS", "1"))
        if retained_weeks < 0:
            raise ValueError(f"CAREPAY_INVOICING_ISF_RETAINED_WEEKS cannot be below 0, not {retained_weeks}")
        return InvoicingConfig(validation, anchor, float(_env("CAREPAY_INVOICING_SCHEDULE_EVERY_S", "3600")),
                               int(_env("CAREPAY_INVOICING_SCHEDULE_BATCH", "500")),
                               int(_env("CAREPAY_INVOICING_MAX_INVOICE_AGREEMENTS", "500")), advance_days,
                               after_days, codes, retained_weeks)
    except ValueError as exc:
        raise SystemExit(f"invoicing settings: {exc}") from exc
