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


class SpendMechanism(StrEnum):
    """How a pound of a person's budget reaches care, for spend reported by mechanism.

    Council-arranged and ISF agreements are paid by the council; a direct payment goes to the
    person, to a third party who manages it for them, or into an account the council manages as
    their nominee (and care bought from that account is spend of the managed direct payment)."""

    COUNCIL_ARRANGED = "council_arranged"
    ISF = "isf"
    DIRECT_PAYMENT_PERSON = "direct_payment_person"
    DIRECT_PAYMENT_THIRD_PARTY = "direct_payment_third_party"
    DIRECT_PAYMENT_MANAGED = "direct_payment_managed"


class Funding(StrEnum):
    """Where the money for an agreement with a provider comes from."""

    COUNCIL = "council"  # the council's own payments account
    MANAGED_ACCOUNT = "managed_account"  # a council-managed direct payment's account (the council as nominee)


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


def direct_payment_mechanism(nominee: Nominee) -> SpendMechanism:
    """The mechanism of a direct payment received by `nominee`."""
    return {Nominee.PERSON: SpendMechanism.DIRECT_PAYMENT_PERSON,
            Nominee.THIRD_PARTY: SpendMechanism.DIRECT_PAYMENT_THIRD_PARTY,
            Nominee.COUNCIL: SpendMechanism.DIRECT_PAYMENT_MANAGED}[nominee]
