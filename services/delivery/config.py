"""The delivery service's own settings, from environment variables (defaults in brackets).

CAREPAY_DELIVERY_MISSED_EVERY_SECONDS      seconds between missed-visit checks [30]
CAREPAY_DELIVERY_MISSED_HORIZON_DAYS       how far back a check raises missed visits after an outage [14]
CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK   a week auto-confirms this many days after it ends ... [1]
CAREPAY_DELIVERY_CONFIRM_AT                ... at this London time, HH:MM [12:00]
CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES    a week changed within this many minutes waits [10]
"""
from __future__ import annotations

from datetime import time, timedelta

from services.delivery.domain.missed import MissedPolicy
from services.delivery.domain.periods import ConfirmPolicy
from shared.settings_sources import CarepaySettings, setting


class DeliverySettings(CarepaySettings):
    missed_every_seconds: float = setting("CAREPAY_DELIVERY_MISSED_EVERY_SECONDS", 30.0, gt=0)
    missed_horizon_days: int = setting("CAREPAY_DELIVERY_MISSED_HORIZON_DAYS", 14, ge=0)
    confirm_days_after_week: int = setting("CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK", 1, ge=0)
    confirm_at: time = setting("CAREPAY_DELIVERY_CONFIRM_AT", time(12))
    confirm_settle_minutes: float = setting("CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES", 10.0, ge=0)


def missed_policy() -> MissedPolicy:
    """CAREPAY_DELIVERY_MISSED_EVERY_SECONDS, CAREPAY_DELIVERY_MISSED_HORIZON_DAYS."""
    s = DeliverySettings.read()
    return MissedPolicy(every_seconds=s.missed_every_seconds, horizon_days=s.missed_horizon_days)


def confirm_policy() -> ConfirmPolicy:
    """CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK, CAREPAY_DELIVERY_CONFIRM_AT (HH:MM),
    CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES."""
    s = DeliverySettings.read()
    return ConfirmPolicy(days_after_week=s.confirm_days_after_week, at=s.confirm_at,
                         settle=timedelta(minutes=s.confirm_settle_minutes))
