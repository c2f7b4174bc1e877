"""deploy/check/validate_manifests.py's reading of CRDs, and the local CRDs of the fields the chart uses
(deploy/check/schemas): they take the resources as the chart renders them and refuse a misspelt field."""
import importlib.util
import json

import jsonschema_rs
import pytest
import yaml

from shared import deployment
from shared.settings import REPO_ROOT

CHECK = REPO_ROOT / "deploy" / "check"
_spec = importlib.util.spec_from_file_location("validate_manifests", CHECK / "validate_manifests.py")
validate_manifests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate_manifests)


@pytest.fixture(scope="module")
def local_crds() -> dict:
    return validate_manifests.load_crds([CHECK / "schemas"])


def errors(schema: dict, doc: dict) -> list[str]:
    return [e.message for e in jsonschema_rs.validator_for(json.loads(json.dumps(schema))).iter_errors(doc)]


def test_objects_are_closed_unless_the_crd_keeps_unknown_fields():
    schema = validate_manifests.structural({
        "type": "object", "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"c": {}}},
            "port": {"x-kubernetes-int-or-string": True},
        }})
    assert schema["additionalProperties"] is False
    assert schema["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["free"]
    assert schema["properties"]["port"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert errors(schema, {"a": {"b": "x"}, "free": {"anything": 1}, "port": "http"}) == []
    assert errors(schema, {"a": {"bb": "x"}})  # the misspelt field is refused


def test_the_local_crds_define_the_kinds_the_chart_renders(local_crds):
    assert set(local_crds) == {("kafka.strimzi.io", v, k) for v in ("v1", "v1beta2") for k in ("KafkaTopic", "KafkaUser")} \
        | {("postgresql.cnpg.io", "v1", "Cluster")}


def _topic(**spec) -> dict:
    return {"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic",
            "metadata": {"name": "carepay-requests-events", "labels": {"strimzi.io/cluster": "k"}},
            "spec": {"topicName": "requests.events", "partitions": 3, "replicas": 3,
                     "config": deployment.manifest()["topics"][0]["config"], **spec}}


def test_a_generated_topic_passes_and_a_wrong_one_is_named(local_crds):
    schema = local_crds[("kafka.strimzi.io", "v1", "KafkaTopic")]
    assert errors(schema, _topic()) == []
    assert errors(schema, _topic(partitions=0))
    assert errors(schema, _topic(replica=3))
    unlabelled = _topic()
    unlabelled["metadata"]["labels"] = {}
    assert errors(schema, unlabelled)


def test_a_user_s_acls_take_only_strimzi_s_operations(local_crds):
    schema = local_crds[("kafka.strimzi.io", "v1beta2", "KafkaUser")]
    user = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
            "metadata": {"name": "carepay-requests", "labels": {"strimzi.io/cluster": "k"}},
            "spec": {"authentication": {"type": "scram-sha-512"}, "authorization": {"type": "simple", "acls": [
                {"resource": {"type": "topic", "name": "requests.events", "patternType": "literal"},
                 "operations": ["Write", "Describe"]}]}}}
    assert errors(schema, user) == []
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Publish"]
    assert errors(schema, user)


def test_a_resource_name_must_be_a_dns_subdomain():
    doc = {"metadata": {"name": "Carepay_Requests"}}
    assert validate_manifests.DNS_SUBDOMAIN.match(doc["metadata"]["name"]) is None
    assert validate_manifests.DNS_SUBDOMAIN.match("carepay-agreements-payee-accounts")


def test_a_crd_version_without_a_schema_is_refused(tmp_path):
    crd = {"kind": "CustomResourceDefinition", "spec": {"group": "g.io", "names": {"kind": "K"},
                                                        "versions": [{"name": "v1", "served": True}]}}
    (tmp_path / "crd.yaml").write_text(yaml.safe_dump(crd))
    with pytest.raises(SystemExit, match="K v1 has no openAPIV3Schema"):
        validate_manifests.load_crds([tmp_path])
