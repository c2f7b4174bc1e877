"""What the rate-uplifts API accepts and returns: a provider's rate card applied to its agreements, previewed."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, StrictBool

from contracts.common import ServiceType
from services.agreements.api.fields import CareService, Day
from services.agreements.api.models import In


class RateUpliftIn(In):
    """The provider's rate card for `service_type` in force on `effective_from`, applied to its agreements."""

    service_type: CareService
    effective_from: Day = Field(description=(
        "The first day of the new rates; a past date varies back-dated (within each agreement's start and end)."))
    preview: StrictBool = Field(default=False, description="True: answer what would change, and change nothing.")


class UpliftVariedOut(BaseModel):
    agreement_id: str
    person_ref: str
    weekly_before_pence: int = Field(description="The seven days from effective_from under the terms then in force.")
    weekly_after_pence: int = Field(description="The same seven days under the card's rates.")
    rate_card_id: str
    version: int | None = Field(description="The version the variation made; None in a preview.")
    reason: str = Field(description="Why it changes, e.g. negotiated rates replaced by the card.")


class UpliftSkippedOut(BaseModel):
    agreement_id: str
    reason: str


class RateUpliftOut(BaseModel):
    rate_uplift_id: str | None = Field(description="None in a preview: nothing was stored.")
    preview: bool
    provider_id: str
    service_type: ServiceType
    effective_from: date
    rate_card_id: str = Field(description="The card in force on effective_from.")
    applied_by: str | None = None
    applied_at: datetime | None = None
    varied: list[UpliftVariedOut]
    skipped: list[UpliftSkippedOut]
