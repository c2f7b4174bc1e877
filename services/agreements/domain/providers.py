"""Rules of the provider register: CQC identifiers and self-billing. Bank details and their second-person
check are a payee's (`bank_details`), re-exported here for the register's callers."""
from __future__ import annotations

import re
import uuid

from services.agreements.domain.bank_details import (BankDetailsChange, ChangeStatus, account_number, masked,
                                                     sort_code)
from services.agreements.domain.errors import Rejected

__all__ = ["BankDetailsChange", "ChangeStatus", "account_number", "check_self_billing", "cqc_id", "masked",
           "new_provider_id", "sort_code"]

CQC_ID = re.compile(r"1-[0-9]{9,11}")  # ASCII digits only


def cqc_id(value: str) -> str:
    """A CQC provider or location ID: '1-' followed by 9 to 11 digits."""
    value = value.strip()
    if not CQC_ID.fullmatch(value):
        raise ValueError("must be a CQC ID: '1-' followed by 9 to 11 digits, e.g. 1-101234567")
    return value


def new_provider_id() -> str:
    return f"PRV-{uuid.uuid4().hex[:10].upper()}"


def check_self_billing(in_place: bool, agreed_on) -> None:
    """HMRC allows self-billing only under a written agreement, so its date must be known."""
    if in_place and agreed_on is None:
        raise Rejected("self_billing.agreed_on", "give the date of the self-billing agreement when one is in place")
    if not in_place and agreed_on is not None:
        raise Rejected("self_billing.agreed_on", "there is no date without a self-billing agreement in place")
