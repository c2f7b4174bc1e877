"""Every Carepay metric follows Prometheus's naming conventions (https://prometheus.io/docs/practices/naming/):
one `carepay_` prefix; the unit, a base unit, named last (seconds not milliseconds or days, bytes not KiB, ratios
0-1 not percent; money in pence, the system's unit; the SLA's working days, `workdays`: promtool refuses a name ending
`_days`); `_total` only on counters, where
prometheus_client adds it; a histogram says its unit."""
from __future__ import annotations

import importlib
import re

import pytest

from shared.metrics import REGISTRY
from shared.settings import SERVICE_PORTS

for _service in SERVICE_PORTS:  # every service's business metrics, on the one registry
    importlib.import_module(f"services.{_service}.metrics")

UNITS = ("seconds", "bytes", "ratio", "pence", "workdays")
# Words that name a unit other than the base one (or a count dressed as a unit), anywhere in a name.
NOT_BASE_UNITS = {"ms", "msec", "millis", "milliseconds", "micros", "microseconds", "us", "ns", "nanoseconds",
                  "minutes", "mins", "hours", "hrs", "days", "weeks", "kb", "kib", "mb", "mib", "gb",
                  "gib", "kilobytes", "megabytes", "percent", "pct", "percentage", "pounds"}
NAME = re.compile(r"^carepay_[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def carepay_families():
    return [family for family in REGISTRY.collect() if family.name.startswith("carepay_")]


def _ids(families):
    return [f.name for f in families]


def test_the_registry_holds_the_metrics_of_the_shared_runtime_and_every_service():
    names = {f.name for f in carepay_families()}
    assert {"carepay_http_request_duration_seconds", "carepay_http_requests", "carepay_request_wait_for_service_seconds",
            "carepay_query_acknowledgement_workdays", "carepay_payment_runs",
            "carepay_reporting_read_model_lag_seconds"} <= names


@pytest.mark.parametrize("family", carepay_families(), ids=_ids(carepay_families()))
def test_a_metric_is_named_by_the_conventions(family):
    unit = next((u for u in UNITS if family.name.endswith(f"_{u}")), None)
    words = family.name.removesuffix(f"_{unit}").split("_") if unit else family.name.split("_")
    assert NAME.match(family.name), f"{family.name}: lower-case words joined by _, after the carepay_ prefix"
    assert not NOT_BASE_UNITS.intersection(words), \
        f"{family.name}: use the base unit (seconds, bytes, a 0-1 ratio), not {NOT_BASE_UNITS.intersection(words)}"
    assert family.documentation.strip(), f"{family.name}: say what it measures (HELP)"
    if family.type != "counter":  # a counter is exposed as `<name>_total` by prometheus_client itself
        assert not family.name.endswith("_total"), f"{family.name}: _total is for counters only"
    if family.type in ("histogram", "summary"):
        assert family.name.endswith(tuple(f"_{u}" for u in UNITS)), \
            f"{family.name}: a {family.type} ends with its unit, one of {UNITS}"
    assert not set(UNITS).intersection(words), f"{family.name}: the unit goes last"
