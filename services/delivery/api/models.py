"""Request bodies of delivery's HTTP resources."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.bounds import Reference


class AllocateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agreement_id: Reference
    planned_start: datetime = Field(description="Start of the agreement's planned visit (no offset: London time).")
    reason: str | None = Field(default=None, max_length=500)


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500, description="Why the record will never be paid.")
