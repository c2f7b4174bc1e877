"""Business metrics of the requests service (on the shared registry, so /metrics serves them)."""
from prometheus_client import Histogram

from shared.metrics import REGISTRY

DAY_SECONDS = 86_400
# In seconds, Prometheus's base unit of time (a request's wait is whole days: days x 86,400); buckets the first
# week day by day, then weeks out to six months.
REQUEST_TO_SERVICE_SECONDS = Histogram(
    "carepay_request_wait_for_service_seconds",
    "Time from a person's request for service to the service starting (whole days), per activated request.",
    ["mechanism"], registry=REGISTRY,
    buckets=tuple(days * DAY_SECONDS for days in (0, 1, 2, 3, 5, 7, 14, 21, 28, 42, 56, 91, 182)),
)
