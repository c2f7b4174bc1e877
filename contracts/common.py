"""Vocabulary shared by several services' events (the words of docs/domain.md)."""
from __future__ import annotations

from enum import StrEnum


class ServiceType(StrEnum):
    HOME_CARE = "home_care"
    DAY_CARE = "day_care"
    EXTRA_CARE = "extra_care"
    RESIDENTIAL = "residential"
    NURSING = "nursing"
    SUPPORTED_LIVING = "supported_living"
    SHARED_LIVES = "shared_lives"
    DIRECT_PAYMENT = "direct_payment"


class Mechanism(StrEnum):
    """How the council pays for a person's care (chosen by the person)."""

    COUNCIL_ARRANGED = "council_arranged"  # purchase agreement with a provider
    ISF = "isf"  # individual service fund held by a provider
    DIRECT_PAYMENT = "direct_payment"


class Nominee(StrEnum):
    """Who receives and manages a direct payment."""

    PERSON = "person"
    THIRD_PARTY = "third_party"
    COUNCIL = "council"  # council-managed account


class PaymentBasis(StrEnum):
    ACTUALS = "actuals"
    PLAN = "plan"


class Cycle(StrEnum):
    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"


class RoundingPolicy(StrEnum):
    NEAREST_15 = "nearest_15"
    PER_MINUTE = "per_minute"
    UP_15 = "up_15"


class RateUnit(StrEnum):
    HOUR = "hour"
    VISIT = "visit"
    SESSION = "session"
    NIGHT = "night"
    WEEK = "week"
