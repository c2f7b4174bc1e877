"""The chart's generated Kafka file (deploy/helm/carepay/files/kafka.yaml) matches the code: every topic of
contracts/topics.py with production settings, and each service's ACLs from what it owns and consumes."""
import importlib

import pytest
import yaml

from contracts.topics import SERVICES, TOPICS, Topic
from shared import deployment
from shared.settings import REPO_ROOT, SERVICE_PORTS

HINT = "run `carepay deploy generate` and commit deploy/helm/carepay/files/kafka.yaml"


@pytest.fixture(scope="module")
def generated() -> dict:
    return deployment.manifest()


def test_committed_file_matches_the_code(generated):
    path = deployment.chart_file(REPO_ROOT)
    assert path.exists(), f"{path} is missing: {HINT}"
    assert path.read_text() == deployment.render(generated), f"{path} drifted from the code: {HINT}"


def test_every_registry_topic_has_the_production_settings(generated):
    topics = {t["name"]: t for t in yaml.safe_load(deployment.chart_file(REPO_ROOT).read_text())["topics"]}
    assert set(topics) == {t.name for t in TOPICS}
    assert generated["replicas"] == 3
    for topic in TOPICS:
        given = topics[topic.name]
        assert given["partitions"] == topic.partitions, topic.name
        assert given["config"]["retention.ms"] == topic.retention_ms, topic.name
        assert given["config"]["min.insync.replicas"] == 2, topic.name
        assert given["config"]["max.message.bytes"] == 1_000_000, topic.name


def test_each_service_writes_exactly_the_topics_it_owns(generated):
    for service in SERVICES:
        owned = {t.name for t in TOPICS if t.owner == service}
        assert set(generated["services"][service]["writes"]) == owned
        assert f"{service}.dlq" in owned
    # ecm.visits is written by providers' systems, through their own user, never by a service.
    assert generated["feed"]["writes"] == ["ecm.visits"]
    assert all("ecm.visits" not in s["writes"] for s in generated["services"].values())


def test_each_service_reads_what_its_consumers_subscribe_to_in_their_groups(generated):
    for service in SERVICES:
        consumers = importlib.import_module(f"services.{service}.handlers").CONSUMERS
        reads = generated["services"][service]["reads"]
        assert [(r["group"], r["topic"]) for r in reads] == [(c.group_id, c.topic) for c in consumers]
        assert generated["services"][service]["port"] == SERVICE_PORTS[service]


def test_a_service_scales_up_to_the_most_partitions_among_the_topics_it_reads(generated):
    partitions = {t.name: t.partitions for t in TOPICS}
    assert generated["services"]["agreements"]["maxReplicas"] == partitions["requests.events"] == 3
    for service, entry in generated["services"].items():
        assert entry["maxReplicas"] == max(partitions[r["topic"]] for r in entry["reads"]), service


def test_a_consumer_of_a_topic_the_registry_lacks_is_named():
    topics = (Topic("requests.events", "requests", "request_id", 3, -1, "x"),)
    subscribed = {"agreements": [deployment.Subscription("agreements.requests", "requests.evnts")]}
    with pytest.raises(ValueError, match=r"'agreements.requests' of agreements reads 'requests.evnts'"):
        deployment.manifest(topics, subscribed)


def test_a_service_that_consumes_nothing_keeps_one_instance_and_no_read_acls():
    topics = (Topic("requests.events", "requests", "request_id", 3, -1, "x"),)
    made = deployment.manifest(topics, {})
    assert made["services"]["requests"] == {"port": 8001, "writes": ["requests.events"], "reads": [],
                                            "maxReplicas": 1}


def test_write_reports_whether_the_file_changed(tmp_path):
    assert deployment.write(tmp_path) is True
    assert deployment.write(tmp_path) is False
    assert deployment.chart_file(tmp_path).read_text() == deployment.chart_file(REPO_ROOT).read_text()
