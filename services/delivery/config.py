"""The delivery service's own settings, from environment variables (defaults in brackets).

CAREPAY_DELIVERY_MISSED_EVERY_SECONDS      seconds between missed-visit checks [30]
CAREPAY_DELIVERY_MISSED_HORIZON_DAYS       how far back a check raises missed visits after an outage [14]
CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK   a week auto-confirms this many days after it ends ... [1]
CAREPAY_DELIVERY_CONFIRM_AT                ... at this London time, HH:MM [12:00]
CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES    a week changed within this many minutes waits [10]
"""
from __future__ import annotations

import os
from datetime import time, timedelta

from services.delivery.domain.missed import MissedPolicy
from services.delivery.domain.periods import ConfirmPolicy


def missed_policy() -> MissedPolicy:
    """CAREPAY_DELIVERY_MISSED_EVERY_SECONDS, CAREPAY_DELIVERY_MISSED_HORIZON_DAYS."""
    env = os.environ.get
    return MissedPolicy(every_seconds=float(env("CAREPAY_DELIVERY_MISSED_EVERY_SECONDS") or 30),
                        horizon_days=int(env("CAREPAY_DELIVERY_MISSED_HORIZON_DAYS") or 14))


def confirm_policy() -> ConfirmPolicy:
    """CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK, CAREPAY_DELIVERY_CONFIRM_AT (HH:MM),
    CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES."""
    env = os.environ.get
    return ConfirmPolicy(days_after_week=int(env("CAREPAY_DELIVERY_CONFIRM_DAYS_AFTER_WEEK") or 1),
                         at=time.fromisoformat(env("CAREPAY_DELIVERY_CONFIRM_AT") or "12:00"),
                         settle=timedelta(minutes=float(env("CAREPAY_DELIVERY_CONFIRM_SETTLE_MINUTES") or 10)))
