"""Rules of the provider register: CQC identifiers, bank details and their second-person check."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum

from services.agreements.domain.errors import Rejected

CQC_ID = re.compile(r"1-\d{9,11}")
SORT_CODE = re.compile(r"\d{6}")
ACCOUNT_NUMBER = re.compile(r"\d{8}")


def cqc_id(value: str) -> str:
    """A CQC provider or location ID: '1-' followed by 9 to 11 digits."""
    value = value.strip()
    if not CQC_ID.fullmatch(value):
        raise ValueError("must be a CQC ID: '1-' followed by 9 to 11 digits, e.g. 1-101234567")
    return value


def sort_code(value: str) -> str:
    """Six digits; the usual '12-34-56' and '12 34 56' spellings are accepted and stored bare."""
    bare = re.sub(r"[\s-]", "", value)
    if not SORT_CODE.fullmatch(bare):
        raise ValueError("must be a sort code of 6 digits, e.g. 12-34-56")
    return bare


def account_number(value: str) -> str:
    bare = re.sub(r"\s", "", value)
    if not ACCOUNT_NUMBER.fullmatch(bare):
        raise ValueError("must be an account number of exactly 8 digits")
    return bare


def masked(account: str) -> str:
    """What an officer is shown of an account number: its last four digits."""
    return "****" + account[-4:]


def new_provider_id() -> str:
    return f"PRV-{uuid.uuid4().hex[:10].upper()}"


class ChangeStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer change arrived before this one was checked


@dataclass(frozen=True)
class BankDetailsChange:
    """New bank details for a provider. Until a second person verifies them, payments are held.

    Mandate fraud works by changing a supplier's account: the person who entered a change can
    never be the one who verifies it.
    """

    change_id: str
    provider_id: str
    changed_by: str
    status: ChangeStatus = ChangeStatus.UNVERIFIED
    decided_by: str | None = None

    @classmethod
    def record(cls, provider_id: str, changed_by: str) -> "BankDetailsChange":
        return cls(f"BDC-{uuid.uuid4().hex[:12].upper()}", provider_id, changed_by)

    def verify(self, by: str) -> "BankDetailsChange":
        self._check_decidable(by)
        return replace(self, status=ChangeStatus.VERIFIED, decided_by=by)

    def reject(self, by: str) -> "BankDetailsChange":
        self._check_decidable(by)
        return replace(self, status=ChangeStatus.REJECTED, decided_by=by)

    def _check_decidable(self, by: str) -> None:
        if self.status is not ChangeStatus.UNVERIFIED:
            raise Rejected("change_id", f"this change is already {self.status}; only an unverified change can be decided")
        if by == self.changed_by:
            raise Rejected("verified_by", "the person who entered the bank details cannot verify them; "
                                          "a second finance approver must")


def check_self_billing(in_place: bool, agreed_on) -> None:
    """HMRC allows self-billing only under a written agreement, so its date must be known."""
    if in_place and agreed_on is None:
        raise Rejected("self_billing.agreed_on", "give the date of the self-billing agreement when one is in place")
    if not in_place and agreed_on is not None:
        raise Rejected("self_billing.agreed_on", "there is no date without a self-billing agreement in place")
