"""Business metrics of the agreements service, on the shared registry."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

from shared.metrics import REGISTRY

PEOPLE_OVER_BUDGET = Gauge("carepay_commitment_people_over_budget",
                           "People whose forecast weekly commitment exceeds their personal budget.",
                           registry=REGISTRY)
COMMITMENT_EXCEEDED = Counter("carepay_commitment_exceeded",
                              "Times a person's commitment went above their personal budget.", registry=REGISTRY)
AGREEMENT_CHANGES = Counter("carepay_agreement_changes", "Agreement lifecycle changes, by event.",
                            ["event"], registry=REGISTRY)
DP_REVIEWS = Gauge("carepay_dp_reviews", "Live direct payments whose review is due (within 28 days) or overdue.",
                   ["status"], registry=REGISTRY)
