"""deploy/helm/carepay, checked without helm (`make deploy-check` renders and validates it): its values,
the names its templates set, the probes' paths, the pods' security and what its files link to."""
import re
from pathlib import Path

import pytest
import yaml
from design_names import known

from shared.settings import REPO_ROOT, SERVICE_PORTS

HELM = REPO_ROOT / "deploy" / "helm"
CHART = HELM / "carepay"
TEMPLATES = CHART / "templates"
VALUE_SETS = [HELM / "values-small-council.yaml", HELM / "values-large-county.yaml"]
# Maps whose keys are the user's own (settings, labels, Kubernetes objects), not the chart's.
FREE_FORM = {"env", "labels", "parameters", "resources", "nodeSelector", "affinity", "podDisruptionBudget",
             "usernames"}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def unknown_keys(given: dict, defaults: dict, where: str = "") -> list[str]:
    """Keys of `given` that the chart's values.yaml does not have (a misspelt key is silently ignored by helm)."""
    found = []
    for key, value in given.items():
        path = f"{where}.{key}" if where else key
        if key not in defaults:
            found.append(path)
        elif isinstance(value, dict) and isinstance(defaults[key], dict) and key not in FREE_FORM:
            found += unknown_keys(value, defaults[key], path)
    return found


def test_the_chart_names_itself():
    chart = _load(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2" and chart["name"] == "carepay"


def test_values_name_every_service():
    assert set(_load(CHART / "values.yaml")["services"]) == set(SERVICE_PORTS)


@pytest.mark.parametrize("path", VALUE_SETS, ids=lambda p: p.name)
def test_value_sets_use_only_the_chart_s_keys(path):
    defaults = _load(CHART / "values.yaml")
    given = _load(path)
    assert unknown_keys({k: v for k, v in given.items() if k != "services"}, defaults) == []
    for service, values in given.get("services", {}).items():
        assert service in SERVICE_PORTS, f"{path.name}: services.{service} is no service"
        assert unknown_keys(values, defaults["serviceDefaults"], f"services.{service}") == []
    assert given["council"]["id"] and given["council"]["name"]


def test_unknown_keys_are_found():
    assert unknown_keys({"kafka": {"bootstrapServer": "x"}, "env": {"ANY": 1}},
                        {"kafka": {"bootstrapServers": ""}, "env": {}}) == ["kafka.bootstrapServer"]


def test_templates_set_only_the_design_s_environment_names():
    text = "\n".join(p.read_text() for p in TEMPLATES.glob("*"))
    set_names = set(re.findall(r"- name: ([A-Z][A-Z0-9_]+)\n", text))
    set_names |= set(re.findall(r"^  ([A-Z][A-Z0-9_]+): ", (TEMPLATES / "configmap.yaml").read_text(), re.M))
    assert {"CAREPAY_ENV", "CAREPAY_HOST", "DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "CAREPAY_SERVICE"} <= set_names
    assert sorted(n for n in set_names if not known(n)) == []
    for values in [CHART / "values.yaml", *VALUE_SETS]:
        assert sorted(n for n in (_load(values).get("env") or {}) if not known(n)) == []


def test_probes_ask_the_paths_every_service_serves():
    service_source = (REPO_ROOT / "shared" / "service.py").read_text()
    deployments = (TEMPLATES / "deployments.yaml").read_text()
    for path, probe in (("/health", "livenessProbe"), ("/ready", "readinessProbe")):
        assert f'@app.get("{path}"' in service_source
        assert re.search(rf"{probe}:\n\s+httpGet: {{path: {path}, port: http}}", deployments), probe


def test_pods_run_unprivileged_on_a_read_only_root():
    helpers = (TEMPLATES / "_helpers.tpl").read_text()
    for needed in ("runAsNonRoot: true", "readOnlyRootFilesystem: true", 'drop: ["ALL"]',
                   "allowPrivilegeEscalation: false", "automountServiceAccountToken: false"):
        assert needed in helpers
    for template in ("deployments.yaml", "migrate-job.yaml"):
        text = (TEMPLATES / template).read_text()
        assert 'include "carepay.podSecurity"' in text and 'include "carepay.containerSecurity"' in text


def test_the_migration_job_runs_carepay_migrate_as_a_hook():
    job = (TEMPLATES / "migrate-job.yaml").read_text()
    assert 'command: ["carepay", "migrate"]' in job
    assert '"post-install,pre-upgrade" "pre-install,pre-upgrade"' in job


@pytest.mark.parametrize("link, target", [("rules", "deploy/prometheus/rules"),
                                          ("dashboards", "deploy/grafana/dashboards")])
def test_the_chart_s_files_are_the_repository_s_rules_and_dashboards(link, target):
    path = CHART / "files" / link
    assert path.is_symlink() and path.resolve() == (REPO_ROOT / target).resolve()
    assert any(path.iterdir())
