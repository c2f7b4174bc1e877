"""Every metric that a Grafana dashboard or a Prometheus alert rule queries is one the running services
declare on their /metrics (a renamed metric would otherwise leave an empty panel or a silent alert)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.settings import REPO_ROOT

pytestmark = pytest.mark.stack

DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
RULES = sorted((REPO_ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
FROM_PROMETHEUS = {"up"}  # written by Prometheus for each target it scrapes, not by a service
# The series a family of each type is exposed as (a counter `x` is scraped as x_total and x_created).
SERIES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
          "summary": ("", "_sum", "_count", "_created"), "gauge": ("",), "info": ("_info",), "unknown": ("",)}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless",
            "inf", "nan"}


def exposed(metrics_text: str) -> set[str]:
    """The series names a /metrics page declares, with or without samples yet (a labelled counter that has
    not counted anything is declared by its HELP and TYPE lines only)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(metrics_text):
        names |= {family.name + suffix for suffix in SERIES.get(family.type, ("",))}
        names |= {sample.name for sample in family.samples}
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects: identifiers that are not functions, aggregations,
    keywords, label names, numbers or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)                    # strings (label values)
    expr = re.sub(r"\{[^}]*\}", "", expr)                              # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                             # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\boffset\s+[0-9smhdwy]+", "", expr)
    expr = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", "", expr)
    return {m.group() for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr)
            if m.group() not in KEYWORDS and not expr[m.end():].lstrip().startswith("(")}


def expressions(node: Any) -> Iterator[str]:
    """Every `expr` in a dashboard (panels, rows' panels, targets) or a rules file, however deeply nested."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


@pytest.fixture(scope="module")
async def declared(stack) -> set[str]:
    import httpx

    names: set[str] = set()
    async with httpx.AsyncClient(timeout=10.0) as client:
        for service, url in stack.items():
            page = await client.get(f"{url}/metrics")
            assert page.status_code == 200, f"{service} /metrics answered {page.status_code}"
            names |= exposed(page.text)
    return names


def test_metric_names_are_read_from_expressions_without_functions_labels_or_durations():
    expr = ('histogram_quantile(0.95, sum by (le, service) (rate(carepay_handler_latency_seconds_bucket'
            '{service=~"a|b"}[5m]))) > 2 * (sum(increase(carepay_visits_missed_total[1h] offset 1d)) or vector(0))'
            ' and time() - max(carepay_payment_run_last_export_timestamp_seconds > 0) > 8 * 86400')
    assert metric_names(expr) == {"carepay_handler_latency_seconds_bucket", "carepay_visits_missed_total",
                                  "carepay_payment_run_last_export_timestamp_seconds"}


def _used(path: Path) -> set[str]:
    text = path.read_text()
    document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    exprs = list(expressions(document))
    assert exprs, f"{path.name} has no queries"
    return set().union(*(metric_names(e) for e in exprs))


def test_there_are_four_dashboards_and_the_rules_to_check():
    assert {p.stem for p in DASHBOARDS} == {"pipeline", "spend", "payments", "queries"}
    assert RULES


@pytest.mark.parametrize("path", DASHBOARDS + RULES, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_every_metric_queried_is_declared_by_a_running_service(path, declared):
    used = _used(path)
    missing = sorted(used - declared - FROM_PROMETHEUS)
    assert not missing, f"{path.relative_to(REPO_ROOT)} queries metrics no service declares: {missing}"
    assert any(name.startswith("carepay_") for name in used)
