"""Business metrics of the requests service (on the shared registry, so /metrics serves them)."""
from prometheus_client import Histogram

from shared.metrics import REGISTRY

# Buckets in days: the first week day by day, then weeks out to six months.
REQUEST_TO_SERVICE_DAYS = Histogram(
    "carepay_request_wait_for_service",
    "Days from a person's request for service to the service starting, per activated request.",
    ["mechanism"], registry=REGISTRY,
    buckets=(0, 1, 2, 3, 5, 7, 14, 21, 28, 42, 56, 91, 182),
)
