"""deploy/compose/compose.yaml runs the whole stack: Apache Kafka (KRaft), Postgres, the migration and topic
one-shots, every service of shared/settings.SERVICE_PORTS from the one image, Prometheus and Grafana."""
import re

import pytest
import yaml
from design_names import known

from shared.settings import REPO_ROOT, SERVICE_PORTS

COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())


def test_every_service_runs_from_the_one_image_on_its_port(compose):
    services = compose["services"]
    for name, port in SERVICE_PORTS.items():
        assert name in services, f"compose.yaml has no {name}"
        svc = services[name]
        assert svc["environment"]["CAREPAY_SERVICE"] == name
        assert svc["image"] == services["migrate"]["image"]
        assert svc["ports"] == [f"127.0.0.1:{port}:{port}"]
        assert svc["depends_on"] == {"migrate": {"condition": "service_completed_successfully"},
                                     "topics": {"condition": "service_completed_successfully"}}
        assert svc["read_only"] is True and svc["cap_drop"] == ["ALL"]


def test_the_stack_around_them(compose):
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["command"] == ["carepay", "migrate"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert {"prometheus", "grafana"} <= set(services)


def test_only_the_design_s_environment_names_are_given(compose):
    for name, svc in compose["services"].items():
        if name in SERVICE_PORTS or name in ("migrate", "topics"):
            unknown = {n for n in svc["environment"] if not known(n)}
            assert not unknown, f"{name} sets {sorted(unknown)}, not names of the design"
            assert svc["environment"]["CAREPAY_HOST"] == "0.0.0.0"
            assert svc["environment"]["CAREPAY_ENV"] == "local"
            assert svc["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
            assert svc["environment"]["DATABASE_URL"].startswith("postgresql://carepay:carepay@postgres:5432/")


def test_prometheus_scrapes_every_service_as_the_rules_expect():
    config = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "carepay"
    targets = {c["labels"]["service"]: c["targets"] for c in job["static_configs"]}
    assert targets == {name: [f"{name}:{port}"] for name, port in SERVICE_PORTS.items()}


def test_every_mounted_file_exists(compose):
    for name, svc in compose["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), f"{name} mounts {source}, which does not exist"


def test_the_grafana_datasource_keeps_the_uid_the_dashboards_name():
    datasource = yaml.safe_load((COMPOSE_DIR / "grafana-datasource.yml").read_text())["datasources"][0]
    assert datasource["uid"] == "carepay-prometheus"
    assert datasource["url"] == "http://prometheus:9090"
    dashboards = (REPO_ROOT / "deploy" / "grafana" / "dashboards" / "pipeline.json").read_text()
    assert re.search(r'"uid":\s*"carepay-prometheus"', dashboards)
