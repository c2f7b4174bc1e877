"""What operators rely on: metrics promtool accepts, API documents, topics from the registry, auth."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from contracts.topics import TOPICS
from shared.settings import SERVICE_PORTS
from tests.conftest import auth

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
async def test_metrics_pass_promtool(service, http, stack):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make setup` installs Debian's prometheus package"
    resp = await http.get(f"{stack[service]}/metrics")
    assert resp.status_code == 200
    assert "carepay_outbox_backlog" in resp.text
    check = subprocess.run([promtool, "check", "metrics"], input=resp.content, capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
async def test_every_service_serves_health_readiness_and_api_documents(service, http, stack):
    base = stack[service]
    assert (await http.get(f"{base}/health")).json()["status"] == "alive"
    assert (await http.get(f"{base}/ready")).status_code == 200
    assert (await http.get(f"{base}/openapi.json")).json()["info"]["title"] == f"Carepay {service}"
    assert (await http.get(f"{base}/asyncapi.json")).json()["asyncapi"] == "3.0.0"


def test_kcat_lists_every_registry_topic(kafka_bootstrap):
    kcat = shutil.which("kcat")
    assert kcat, "kcat is missing: `make setup` installs Debian's kcat package"
    listing = subprocess.run([kcat, "-b", kafka_bootstrap, "-L"], capture_output=True, text=True, timeout=30)
    assert listing.returncode == 0, listing.stderr
    for topic in TOPICS:
        assert f'topic "{topic.name}"' in listing.stdout


async def test_missing_or_bad_token_is_401_and_wrong_role_is_403(http, stack):
    url = f"{stack['requests']}/requests"
    body = {"person_ref": "P-AUTH-1", "requested_by": "person", "requested_start": "2026-12-01"}
    assert (await http.post(url, json=body)).status_code == 401
    assert (await http.post(url, json=body, headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await http.post(url, json=body, headers=auth("provider", provider="PRV-1A2B3C4D5E"))).status_code == 403
    # A person may only ask for themselves.
    assert (await http.post(url, json=body, headers=auth("person", person="P-SOMEONE-ELSE"))).status_code == 403
