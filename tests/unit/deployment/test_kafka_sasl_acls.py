"""Kafka as a council secures it: SASL_SSL with a SCRAM-SHA-512 user per service and ACLs by topic ownership.

A private broker (tests/unit/deployment/kafka_broker.py: its own CA, certificates, ports and directory)
takes clients only over SASL_SSL and allows only what the ACLs of `shared.kafka_access` grant. Every
client is configured the way a service is, from the CAREPAY_KAFKA_* variables (`shared.kafka_security`):
the admin creates the registry topics; the requests service's outbox relay publishes a real event to
`requests.events`; agreements' FastStream consumer group reads it; and a write by the requests principal
to `agreements.events`, or a read of the bank details on `agreements.payee-accounts`, is refused.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import date

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from aiokafka.protocol.admin import CreateAclsRequest, DescribeAclsRequest
from faststream.kafka import KafkaBroker

from contracts.envelope import Actor
from contracts.requests import ServiceRequested
from contracts.topics import SERVICES, TOPICS
from shared.events import Cause
from shared.kafka_access import access_of
from shared.kafka_io import create_topics, idempotent_producer
from shared.kafka_security import KafkaSettings, broker_options, client_options
from shared.outbox import _COLUMNS, Outbox, OutboxRelay
from tests.unit.deployment.kafka_broker import PrivateKafka, passwords

START_WITHIN_S = 120  # a deadline, not a measure: an idle machine has the broker up in well under 15 s
TOPIC, GROUP, LITERAL, PREFIXED, ANY, READ, WRITE, ALLOW = 2, 3, 3, 4, 1, 3, 4, 3  # Kafka's ACL codes


@pytest.fixture
def kafka(tmp_path):
    """The private broker, starting (`wait_listening`); stopped afterwards whatever happened."""
    broker = PrivateKafka(tmp_path, passwords(["admin", *SERVICES]))
    started = time.monotonic()
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()
        print(f"private Kafka: {time.monotonic() - started:.1f} s from start to stopped")


def as_user(kafka: PrivateKafka, user: str, monkeypatch, tmp_path, **more: str) -> KafkaSettings:
    """The settings a process run as `user` reads from its environment (its password from a file)."""
    secret = tmp_path / f"{user}.password"
    secret.write_text(kafka.users[user] + "\n")
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap, "CAREPAY_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
           "CAREPAY_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "CAREPAY_KAFKA_SASL_USERNAME": user,
           "CAREPAY_KAFKA_SASL_PASSWORD_FILE": str(secret), "CAREPAY_KAFKA_SSL_CA_FILE": str(kafka.ca_file), **more}
    monkeypatch.delenv("CAREPAY_KAFKA_SASL_PASSWORD", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return KafkaSettings.load()


class _CreateAcls(CreateAclsRequest):
    """aiokafka's CreateAcls sends one ACL a request; this sends them all in one."""

    def __init__(self, creations: list[tuple]) -> None:
        self.creations = creations

    def build(self, request_struct_class):
        assert request_struct_class.API_VERSION >= 1, "the broker speaks CreateAcls v1 at least"
        return request_struct_class([(kind, name, pattern, principal, "*", operation, ALLOW)
                                     for kind, name, pattern, principal, operation in self.creations])


def grants() -> list[tuple]:
    """Every service may write the topics it owns, read those it consumes, and join its own groups."""
    acls = []
    for service in SERVICES:
        access = access_of(service)
        acls += [(TOPIC, topic, LITERAL, access.principal, WRITE) for topic in access.writes]
        acls += [(TOPIC, topic, LITERAL, access.principal, READ) for topic in access.reads]
        acls.append((GROUP, access.group_prefix, PREFIXED, access.principal, READ))
    return acls


async def connected_admin(settings: KafkaSettings, deadline: float) -> AIOKafkaAdminClient:
    """An admin client, once the broker answers (it listens a moment before it serves)."""
    while True:
        admin = AIOKafkaAdminClient(**client_options(settings), client_id="test-admin")
        try:
            await admin.start()
            await admin.list_topics()
            return admin
        except KafkaConnectionError:
            await admin.close()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def grant(admin: AIOKafkaAdminClient, acls: list[tuple], deadline: float) -> None:
    """Create the ACLs and wait until the broker's authorizer holds all of them."""
    response = await admin._send_request(_CreateAcls(acls))  # noqa: SLF001 - aiokafka has no public ACL API
    failures = [r for r in response.creation_responses if r[0]]
    assert not failures, failures
    while True:
        described = await admin._send_request(DescribeAclsRequest(ANY, None, ANY, None, None, ANY, ANY))  # noqa: SLF001
        held = sum(len(resource[-1]) for resource in described.resources)
        if held >= len(acls):
            return
        assert time.monotonic() < deadline, f"the broker holds {held} of {len(acls)} ACLs"
        await asyncio.sleep(0.05)


class _Transaction:
    """What Outbox.add needs of asyncpg: a transaction, the INSERT's rows."""

    def __init__(self) -> None:
        self.records: list[tuple] = []

    def is_in_transaction(self) -> bool:
        return True

    async def executemany(self, _sql: str, records) -> None:
        self.records.extend(records)


async def test_each_service_writes_only_its_own_topics_over_sasl_ssl(kafka, monkeypatch, tmp_path):
    deadline = time.monotonic() + START_WITHIN_S
    acls = grants()  # while the broker starts
    kafka.wait_listening(deadline)
    admin_settings = as_user(kafka, "admin", monkeypatch, tmp_path)
    admin = await connected_admin(admin_settings, deadline)
    try:
        assert sorted(await create_topics(admin_settings)) == sorted(t.name for t in TOPICS)
        await grant(admin, acls, deadline)
    finally:
        await admin.close()

    # The requests service records ServiceRequested in its outbox; its relay publishes the row.
    requests = as_user(kafka, "requests", monkeypatch, tmp_path, CAREPAY_KAFKA_CREATE_TOPICS="false")
    transaction = _Transaction()
    [envelope] = await Outbox("requests", "test-council").publish(
        transaction, [ServiceRequested(request_id="REQ-SASL-1", person_ref="P-SASL-1", requested_by="social_worker",
                                       requested_start=date(2026, 4, 6))],
        Cause("corr-sasl", None, Actor(id="test", role="system")))
    rows = [dict(zip(_COLUMNS, record), id=n) for n, record in enumerate(transaction.records)]
    producer = idempotent_producer(requests, "requests-relay")
    await producer.start()
    try:
        relay = OutboxRelay(pool=None, producer=producer, service="requests", schema="requests",
                            max_record_bytes=requests.max_message_bytes)
        published, set_aside = await relay._publish(rows)  # noqa: SLF001 - the relay's own send, without Postgres
        assert (published, set_aside) == (rows, [])

        # Forged: the requests principal writes an agreements event. The broker refuses it.
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait("agreements.events", b"{}", key=b"AGR-FORGED")
    finally:
        await producer.stop()

    # Agreements' FastStream consumer group (as its service runs it) reads the event.
    agreements = as_user(kafka, "agreements", monkeypatch, tmp_path, CAREPAY_KAFKA_CREATE_TOPICS="false")
    received: asyncio.Queue = asyncio.Queue()
    broker = KafkaBroker(**broker_options(agreements), client_id="carepay-agreements-test")

    @broker.subscriber("requests.events", group_id="agreements.requests", auto_offset_reset="earliest")
    async def on_request(body: dict) -> None:
        await received.put(body)

    await broker.start()
    try:
        body = await asyncio.wait_for(received.get(), timeout=max(1.0, deadline - time.monotonic()))
    finally:
        await broker.stop()
    assert body == json.loads(envelope.model_dump_json())
    assert body["payload"]["request_id"] == "REQ-SASL-1" and body["producer"] == "requests"

    # Bank details are for payments alone: the requests principal may not read them.
    reader = AIOKafkaConsumer("agreements.payee-accounts", **client_options(requests), group_id="requests.snoop",
                              auto_offset_reset="earliest")
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await reader.start()
    finally:
        await reader.stop()
