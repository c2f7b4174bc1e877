"""shared/kafka_security.py: each security protocol's options for aiokafka clients and FastStream's broker,
the topic settings by environment, secrets from files, and settings refused with the variable named."""
from __future__ import annotations

import ssl
import sys
import types
from pathlib import Path

import pytest
from aiokafka.abc import AbstractTokenProvider
from cryptography.hazmat.primitives import serialization
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLOAuthBearer, SASLPlaintext, SASLScram256, SASLScram512

from shared.kafka_io import create_topics, idempotent_producer, topic_configs
from shared.kafka_security import KafkaSettings, KafkaSettingsError, broker_options, client_options
from tests.unit.deployment.kafka_broker import make_pki

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No Kafka setting of the machine running the tests leaks in."""
    import os
    for name in list(os.environ):
        if name.startswith("CAREPAY_KAFKA_") or name in ("KAFKA_BOOTSTRAP_SERVERS", "CAREPAY_ENV", "CAREPAY_SECRETS_DIR"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """A CA, and a certificate with its key in separate files (the key also encrypted with PASSWORD)."""
    directory = tmp_path_factory.mktemp("pki")
    ca, keystore = make_pki(directory)
    pem = keystore.read_bytes()
    key_end = pem.index(b"-----END PRIVATE KEY-----\n") + len(b"-----END PRIVATE KEY-----\n")
    files = {"ca": ca, "cert": directory / "client.crt", "key": directory / "client.key",
             "encrypted_key": directory / "client-encrypted.key"}
    files["cert"].write_bytes(pem[key_end:])
    files["key"].write_bytes(pem[:key_end])
    key = serialization.load_pem_private_key(pem[:key_end], None)
    files["encrypted_key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.BestAvailableEncryption(PASSWORD.encode())))
    return files


def settings(monkeypatch, **env: str) -> KafkaSettings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return KafkaSettings.load()


def refused(monkeypatch, **env: str) -> str:
    with pytest.raises(KafkaSettingsError) as caught:
        settings(monkeypatch, **env)
    message = str(caught.value)
    assert PASSWORD not in message
    return message


# --- PLAINTEXT and the topics --------------------------------------------------------------------------
def test_with_no_settings_the_local_stack_is_plaintext_with_one_replica_and_1_mb_messages(monkeypatch):
    kafka = settings(monkeypatch)
    assert client_options(kafka) == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}
    assert broker_options(kafka) == {"bootstrap_servers": "127.0.0.1:9092", "security": None,
                                     "sasl_oauth_token_provider": None, "max_request_size": 1_000_000,
                                     "allow_auto_create_topics": True}
    assert (kafka.replication_factor, kafka.min_insync_replicas, kafka.create_topics) == (1, 1, True)
    assert topic_configs(kafka, -1) == {"retention.ms": "-1", "max.message.bytes": "1000000",
                                        "min.insync.replicas": "1"}


def test_production_keeps_three_copies_acknowledges_two_and_leaves_topics_to_the_cluster(monkeypatch):
    kafka = settings(monkeypatch, CAREPAY_ENV="production", KAFKA_BOOTSTRAP_SERVERS="kafka-bootstrap:9093")
    assert (kafka.replication_factor, kafka.min_insync_replicas, kafka.create_topics) == (3, 2, False)
    assert topic_configs(kafka, 1000)["min.insync.replicas"] == "2"
    assert broker_options(kafka)["allow_auto_create_topics"] is False


def test_production_names_the_cluster(monkeypatch):
    assert refused(monkeypatch, CAREPAY_ENV="production").startswith("KAFKA_BOOTSTRAP_SERVERS is not set")


def test_topic_settings_are_read_and_checked(monkeypatch):
    kafka = settings(monkeypatch, CAREPAY_KAFKA_REPLICATION_FACTOR="5", CAREPAY_KAFKA_MIN_INSYNC_REPLICAS="3",
                     CAREPAY_KAFKA_MAX_MESSAGE_BYTES="2000000", CAREPAY_KAFKA_CREATE_TOPICS="false")
    assert (kafka.replication_factor, kafka.min_insync_replicas, kafka.max_message_bytes, kafka.create_topics) == \
        (5, 3, 2_000_000, False)
    assert "CAREPAY_KAFKA_MIN_INSYNC_REPLICAS (3) is more than CAREPAY_KAFKA_REPLICATION_FACTOR (2)" in refused(
        monkeypatch, CAREPAY_KAFKA_REPLICATION_FACTOR="2")
    assert refused(monkeypatch, CAREPAY_KAFKA_MAX_MESSAGE_BYTES="lots").startswith("CAREPAY_KAFKA_MAX_MESSAGE_BYTES:")


async def test_producers_refuse_what_the_topics_would_and_batch_below_it(monkeypatch):
    def sizes(producer) -> tuple[int, int]:
        return producer._max_request_size, producer._message_accumulator._batch_size

    # A batch is never larger than a topic takes.
    assert sizes(idempotent_producer(settings(monkeypatch), "test")) == (1_000_000, 512 * 1024)
    assert sizes(idempotent_producer(settings(monkeypatch, CAREPAY_KAFKA_MAX_MESSAGE_BYTES="300000"), "test")) == \
        (300_000, 300_000)


async def test_no_topic_is_created_when_the_cluster_defines_them(monkeypatch):
    # Nothing listens on port 9: a connection attempt would fail the test.
    kafka = settings(monkeypatch, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", CAREPAY_KAFKA_CREATE_TOPICS="false")
    assert await create_topics(kafka) == []


class Admin:
    """What create_topics asks of the cluster: it has `requests.events` and refuses three copies of the rest."""

    created: list = []

    def __init__(self, **options) -> None:
        self.options = options

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def list_topics(self) -> list[str]:
        return ["requests.events"]

    async def create_topics(self, new_topics):
        Admin.created = new_topics
        errors = [{"topic": t.name, "error_code": 36 if t.name == "queries.events" else 38,  # exists, invalid RF
                   "error_message": None if t.name == "queries.events" else "Replication factor: 3 larger than "
                                                                                "available brokers: 1."}
                  for t in new_topics]
        return types.SimpleNamespace(to_object=lambda: {"topic_errors": errors})


async def test_topics_the_cluster_refuses_are_named(monkeypatch):
    import shared.kafka_io

    monkeypatch.setattr(shared.kafka_io, "AIOKafkaAdminClient", Admin)
    kafka = settings(monkeypatch, CAREPAY_KAFKA_REPLICATION_FACTOR="3", CAREPAY_KAFKA_MIN_INSYNC_REPLICAS="2")
    with pytest.raises(shared.kafka_io.TopicsNotCreated) as caught:
        await create_topics(kafka)
    assert "requests.events" not in {t.name for t in Admin.created}
    assert {(t.replication_factor, t.topic_configs["min.insync.replicas"]) for t in Admin.created} == {(3, "2")}
    message = str(caught.value)
    assert "agreements.events: InvalidReplicationFactorError Replication factor: 3 larger than available brokers: 1." \
        in message
    assert "queries.events" not in message  # created by another process meanwhile: not a refusal


def test_credentials_are_never_sent_in_the_clear(monkeypatch):
    message = refused(monkeypatch, CAREPAY_KAFKA_SASL_USERNAME="requests", CAREPAY_KAFKA_SASL_PASSWORD=PASSWORD)
    assert message.startswith("CAREPAY_KAFKA_SASL_USERNAME, CAREPAY_KAFKA_SASL_PASSWORD set, but "
                              "CAREPAY_KAFKA_SECURITY_PROTOCOL is PLAINTEXT")


def test_a_misspelt_setting_is_named_not_ignored(monkeypatch):
    assert refused(monkeypatch, CAREPAY_KAFKA_SASL_USER="requests").startswith(
        "CAREPAY_KAFKA_SASL_USER: not a Kafka setting (they are: ")


def test_an_unknown_protocol_is_named(monkeypatch):
    assert refused(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT").startswith(
        "CAREPAY_KAFKA_SECURITY_PROTOCOL: Input should be 'PLAINTEXT', 'SSL' or 'SASL_SSL'")


# --- SSL -------------------------------------------------------------------------------------------------
def test_ssl_checks_the_brokers_against_the_ca(monkeypatch, pki):
    kafka = settings(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SSL", CAREPAY_KAFKA_SSL_CA_FILE=str(pki["ca"]))
    options = client_options(kafka)
    context = options.pop("ssl_context")
    assert options == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "SSL"}
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "carepay-test-ca"),),)]
    security = broker_options(kafka)["security"]
    assert type(security) is BaseSecurity and security.ssl_context is context
    assert parse_security(security) == {"security_protocol": "SSL", "ssl_context": context}


def test_ssl_without_a_ca_file_trusts_the_systems_cas(monkeypatch):
    context = client_options(settings(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SSL"))["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_ssl_presents_a_client_certificate_whose_key_may_be_encrypted(monkeypatch, pki, tmp_path):
    password_file = tmp_path / "key-password"
    password_file.write_text(PASSWORD + "\n")
    kafka = settings(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SSL", CAREPAY_KAFKA_SSL_CA_FILE=str(pki["ca"]),
                     CAREPAY_KAFKA_SSL_CERT_FILE=str(pki["cert"]), CAREPAY_KAFKA_SSL_KEY_FILE=str(pki["encrypted_key"]),
                     CAREPAY_KAFKA_SSL_KEY_PASSWORD_FILE=str(password_file))
    assert kafka.ssl_key_password.get_secret_value() == PASSWORD
    assert isinstance(client_options(kafka)["ssl_context"], ssl.SSLContext)


def test_bad_ssl_files_are_named(monkeypatch, pki, tmp_path):
    ssl_on = {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "SSL"}
    assert refused(monkeypatch, **ssl_on, CAREPAY_KAFKA_SSL_CA_FILE=str(tmp_path / "nowhere.pem")) == \
        f"CAREPAY_KAFKA_SSL_CA_FILE: no file {tmp_path / 'nowhere.pem'}"
    monkeypatch.delenv("CAREPAY_KAFKA_SSL_CA_FILE")
    assert refused(monkeypatch, **ssl_on, CAREPAY_KAFKA_SSL_CERT_FILE=str(pki["cert"])).startswith(
        "CAREPAY_KAFKA_SSL_CERT_FILE and CAREPAY_KAFKA_SSL_KEY_FILE go together")
    assert refused(monkeypatch, **ssl_on, CAREPAY_KAFKA_SSL_KEY_FILE=str(pki["encrypted_key"]),
                   CAREPAY_KAFKA_SSL_KEY_PASSWORD="not-" + PASSWORD).startswith(
        "CAREPAY_KAFKA_SSL_CERT_FILE / CAREPAY_KAFKA_SSL_KEY_FILE: the certificate and key cannot be loaded")
    not_a_ca = tmp_path / "not-a-ca.pem"
    not_a_ca.write_text("hello\n")
    monkeypatch.delenv("CAREPAY_KAFKA_SSL_KEY_PASSWORD")
    monkeypatch.delenv("CAREPAY_KAFKA_SSL_CERT_FILE")
    monkeypatch.delenv("CAREPAY_KAFKA_SSL_KEY_FILE")
    assert refused(monkeypatch, **ssl_on, CAREPAY_KAFKA_SSL_CA_FILE=str(not_a_ca)).startswith(
        f"CAREPAY_KAFKA_SSL_CA_FILE: {not_a_ca} is not a PEM CA certificate")


def test_ssl_takes_no_sasl_settings(monkeypatch):
    assert "set it to SASL_SSL" in refused(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SSL",
                                           CAREPAY_KAFKA_SASL_USERNAME="requests")


# --- SASL_SSL --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mechanism, security_class", [(None, SASLScram512), ("SCRAM-SHA-512", SASLScram512),
                                                       ("SCRAM-SHA-256", SASLScram256), ("PLAIN", SASLPlaintext)])
def test_sasl_ssl_logs_in_with_a_username_and_password(monkeypatch, pki, mechanism, security_class):
    env = {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CAREPAY_KAFKA_SSL_CA_FILE": str(pki["ca"]),
           "CAREPAY_KAFKA_SASL_USERNAME": "requests", "CAREPAY_KAFKA_SASL_PASSWORD": PASSWORD}
    if mechanism:
        env["CAREPAY_KAFKA_SASL_MECHANISM"] = mechanism
    kafka = settings(monkeypatch, **env)
    options = client_options(kafka)
    expected = {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "SASL_SSL",
                "ssl_context": kafka.ssl_context, "sasl_mechanism": mechanism or "SCRAM-SHA-512",
                "sasl_plain_username": "requests", "sasl_plain_password": PASSWORD}
    assert options == expected
    security = broker_options(kafka)["security"]
    assert type(security) is security_class
    # FastStream turns its security object into the same aiokafka options.
    assert parse_security(security) == {k: v for k, v in expected.items() if k != "bootstrap_servers"}
    assert PASSWORD not in repr(kafka)


def test_sasl_needs_a_username_and_a_password(monkeypatch):
    sasl = {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CAREPAY_KAFKA_SASL_PASSWORD": PASSWORD}
    assert refused(monkeypatch, **sasl) == \
        "CAREPAY_KAFKA_SASL_MECHANISM SCRAM-SHA-512 needs CAREPAY_KAFKA_SASL_USERNAME"
    monkeypatch.delenv("CAREPAY_KAFKA_SASL_PASSWORD")
    assert refused(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SASL_SSL", CAREPAY_KAFKA_SASL_MECHANISM="PLAIN") == \
        "CAREPAY_KAFKA_SASL_MECHANISM PLAIN needs CAREPAY_KAFKA_SASL_USERNAME and CAREPAY_KAFKA_SASL_PASSWORD"


def test_the_password_comes_from_a_file_or_the_secrets_directory(monkeypatch, tmp_path):
    sasl = {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CAREPAY_KAFKA_SASL_USERNAME": "requests"}
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    kafka = settings(monkeypatch, **sasl, CAREPAY_KAFKA_SASL_PASSWORD_FILE=str(secret))
    assert client_options(kafka)["sasl_plain_password"] == PASSWORD
    assert refused(monkeypatch, CAREPAY_KAFKA_SASL_PASSWORD=PASSWORD) == (
        "CAREPAY_KAFKA_SASL_PASSWORD: CAREPAY_KAFKA_SASL_PASSWORD and CAREPAY_KAFKA_SASL_PASSWORD_FILE are both set: "
        "give one of them")
    monkeypatch.delenv("CAREPAY_KAFKA_SASL_PASSWORD")
    assert refused(monkeypatch, CAREPAY_KAFKA_SASL_PASSWORD_FILE=str(tmp_path / "missing")).startswith(
        f"CAREPAY_KAFKA_SASL_PASSWORD_FILE: cannot read {tmp_path / 'missing'}")
    monkeypatch.delenv("CAREPAY_KAFKA_SASL_PASSWORD_FILE")
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "CAREPAY_KAFKA_SASL_PASSWORD").write_text(PASSWORD)
    kafka = settings(monkeypatch, CAREPAY_SECRETS_DIR=str(secrets_dir))
    assert client_options(kafka)["sasl_plain_password"] == PASSWORD
    assert refused(monkeypatch, CAREPAY_SECRETS_DIR=str(secret)) == f"CAREPAY_SECRETS_DIR: {secret} is not a directory"


class StaticToken(AbstractTokenProvider):
    async def token(self) -> str:
        return "a-token"


@pytest.fixture
def token_module(monkeypatch):
    module = types.ModuleType("carepay_test_tokens")
    module.provider = StaticToken
    module.not_a_provider = object
    monkeypatch.setitem(sys.modules, "carepay_test_tokens", module)


def test_oauthbearer_takes_its_tokens_from_the_named_provider(monkeypatch, token_module):
    kafka = settings(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SASL_SSL", CAREPAY_KAFKA_SASL_MECHANISM="OAUTHBEARER",
                     CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER="carepay_test_tokens:provider")
    options = client_options(kafka)
    assert isinstance(options.pop("sasl_oauth_token_provider"), StaticToken)
    assert options == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "SASL_SSL",
                       "ssl_context": kafka.ssl_context, "sasl_mechanism": "OAUTHBEARER"}
    broker = broker_options(kafka)
    assert type(broker["security"]) is SASLOAuthBearer
    assert broker["sasl_oauth_token_provider"] is kafka.token_provider
    assert parse_security(broker["security"])["sasl_mechanism"] == "OAUTHBEARER"


def test_a_token_provider_that_cannot_be_used_is_named(monkeypatch, token_module):
    oauth = {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CAREPAY_KAFKA_SASL_MECHANISM": "OAUTHBEARER"}
    assert refused(monkeypatch, **oauth).startswith("CAREPAY_KAFKA_SASL_MECHANISM is OAUTHBEARER: set "
                                                    "CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER")
    assert refused(monkeypatch, **oauth, CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER="carepay_test_tokens:missing").startswith(
        "CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER: cannot find carepay_test_tokens:missing")
    assert refused(monkeypatch, CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER="carepay_test_tokens:not_a_provider") == \
        ("CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER: carepay_test_tokens:not_a_provider() returned a object, "
         "not an aiokafka.abc.AbstractTokenProvider")
    assert refused(monkeypatch, CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER="no colon").startswith(
        "CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER: String should match pattern")
    monkeypatch.setenv("CAREPAY_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    assert "is SCRAM-SHA-512, not OAUTHBEARER" in refused(
        monkeypatch, CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER="carepay_test_tokens:provider")


def test_the_service_runtimes_broker_connects_as_the_settings_say(monkeypatch, pki):
    from shared.service import ServiceRuntime
    from shared.settings import settings_for

    kafka = settings(monkeypatch, CAREPAY_KAFKA_SECURITY_PROTOCOL="SASL_SSL", CAREPAY_KAFKA_SSL_CA_FILE=str(pki["ca"]),
                     CAREPAY_KAFKA_SASL_USERNAME="queries", CAREPAY_KAFKA_SASL_PASSWORD=PASSWORD,
                     KAFKA_BOOTSTRAP_SERVERS="kafka-1:9093,kafka-2:9093")
    runtime = ServiceRuntime(settings_for("queries"), Path("services/queries"), [], {}, kafka=kafka)
    connection = runtime.broker._connection_kwargs
    assert {k: connection[k] for k in ("bootstrap_servers", "security_protocol", "sasl_mechanism",
                                       "sasl_plain_username", "sasl_plain_password", "ssl_context",
                                       "max_request_size")} == {
        "bootstrap_servers": ["kafka-1:9093,kafka-2:9093"], "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "queries", "sasl_plain_password": PASSWORD,
        "ssl_context": kafka.ssl_context, "max_request_size": 1_000_000}
