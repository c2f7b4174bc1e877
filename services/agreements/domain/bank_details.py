"""Bank details of a payee (a provider, or a personal assistant) and the second-person check of every change.

Mandate fraud works by changing where a payee is paid: every new set of bank details is an unverified
change, and the person who entered it can never be the one who verifies it.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from enum import StrEnum

from services.agreements.domain.errors import Conflict, NotAllowed

SORT_CODE = re.compile(r"[0-9]{6}")  # ASCII digits: \d would take any script's
ACCOUNT_NUMBER = re.compile(r"[0-9]{8}")


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
    """What anyone is shown of an account number: its last four digits."""
    return "****" + account[-4:]


class ChangeStatus(StrEnum):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer change arrived before this one was checked


@dataclass(frozen=True)
class BankDetailsChange:
    """New bank details for a payee (`payee_id`: a provider_id or a PA's pa_id). Until a second person
    verifies them, the payee's payments are held; whoever entered them cannot verify or reject them."""

    change_id: str
    payee_id: str
    changed_by: str
    status: ChangeStatus = ChangeStatus.UNVERIFIED
    decided_by: str | None = None

    @classmethod
    def record(cls, payee_id: str, changed_by: str) -> "BankDetailsChange":
        return cls(f"BDC-{uuid.uuid4().hex[:12].upper()}", payee_id, changed_by)

    def verify(self, by: str) -> "BankDetailsChange":
        self._check_decidable(by)
        return replace(self, status=ChangeStatus.VERIFIED, decided_by=by)

    def reject(self, by: str) -> "BankDetailsChange":
        self._check_decidable(by)
        return replace(self, status=ChangeStatus.REJECTED, decided_by=by)

    def _check_decidable(self, by: str) -> None:
        if self.status is not ChangeStatus.UNVERIFIED:
            raise Conflict(None, f"this change is already {self.status}; only an unverified change can be decided",
                           code="bank_details_change_decided")
        if by == self.changed_by:
            raise NotAllowed("the person who entered the bank details cannot verify or reject them; a second "
                             "finance approver must")
