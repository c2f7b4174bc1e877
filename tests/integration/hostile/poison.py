"""Poison messages for the enveloped topics, the consumers that must dead-letter them, and a reader
of every service's dead-letter topic.

Who consumes a topic is read from each service's live `/asyncapi.json` (its `receive` operations
are named `<topic>:<consumer>`), so a consumer added later is covered without editing this file.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from contracts import agreements, delivery, invoicing, payee_accounts, payments, queries, requests
from contracts.envelope import Actor, Event
from shared.events import Cause, envelope_for
from tests.conftest import url

ENVELOPED_TOPICS = ("requests.events", "agreements.events", "agreements.payee-accounts", "delivery.events",
                    "invoicing.events", "payments.events", "queries.events")
HOSTILE_HEADER = ("origin", b"\xff\xfe\x80 not utf-8")
HUGE_BYTES = 900 * 1024


def consumers_of(topic: str) -> list[tuple[str, str]]:
    """(service, consumer group) of every consumer of `topic`, from the services' AsyncAPI documents."""
    found = []
    for service in ("requests", "agreements", "delivery", "invoicing", "payments", "queries", "reporting"):
        doc = httpx.get(f"{url(service)}/asyncapi.json", timeout=10).json()
        for name, op in doc["operations"].items():
            channel_topic, _, consumer = name.partition(":")
            if op["action"] == "receive" and channel_topic == topic:
                found.append((service, consumer))
    return found


def follower_event(topic: str, ref: str) -> Event:
    """A valid event on `topic` that its consumers accept (most skip it) and record in their inbox."""
    if topic == "requests.events":
        return requests.ServiceRequested(request_id=f"REQ-{ref}", person_ref=f"P-{ref}", requested_by="social_worker",
                                         requested_start=date(2026, 12, 1))
    if topic == "agreements.events":
        return agreements.RateCardPublished.model_validate({
            "provider_id": f"PRV-{ref}", "rate_card_id": f"RC-{ref}", "service_type": "home_care", "unit": "hour",
            "effective_from": "2026-12-01", "rates": [{"unit": "hour", "amount_pence": 2400}]})
    if topic == "agreements.payee-accounts":
        # A rejection of a change payments never heard of: recorded in the inbox, changes nothing.
        return payee_accounts.PayeeBankDetailsRejected(provider_id=f"PRV-{ref}", change_id=f"BDC-{ref}",
                                                       previous_account_stands=False)
    if topic == "delivery.events":
        return delivery.AttendancesReceived(provider_id=f"PRV-{ref}", intake_id=f"intake-{ref}", source="http",
                                            received=0, verified=0, unallocated=0, rejected=0)
    if topic == "invoicing.events":
        return invoicing.InvoiceScheduled(invoice_id=f"INV-{ref}", provider_id=f"PRV-{ref}", run_id=f"RUN-{ref}")
    if topic == "payments.events":
        return payments.PaymentRunProposed(run_id=f"RUN-{ref}", run_number=1, kind="ad_hoc", pay_date=date(2026, 12, 1),
                                           payment_count=0, total_pence=0, excluded_count=0)
    if topic == "queries.events":
        return queries.QueryNoteAdded(query_id=f"Q-{ref}", note_id=f"N-{ref}", author_role="officer")
    raise ValueError(f"no follower for {topic}")


def envelope_json(event: Event) -> dict[str, Any]:
    env = envelope_for(event, producer="hostile-tests", council_id="demo-council",
                       cause=Cause(str(uuid.uuid4()), None, Actor(id="test:hostile", role="system")))
    return json.loads(env.model_dump_json())


@dataclass(frozen=True)
class Poison:
    value: bytes | None
    reason: str  # the dlq_reason every consumer must give


def poison(kind: str, topic: str, key: str) -> Poison:
    """A message on `topic`, sent with Kafka key `key`, that no consumer can use."""
    valid = envelope_json(follower_event(topic, key))
    valid["aggregate_id"] = key

    def changed(**fields: Any) -> bytes:
        return json.dumps({**valid, **fields}).encode()

    if kind == "invalid_json":
        return Poison(b'{"event_type": "ServiceRequested", ', "invalid_json")
    if kind == "deeply_nested_json":
        return Poison(b"[" * 100_000 + b"]" * 100_000, "invalid_json")
    if kind == "not_an_envelope":
        return Poison(json.dumps(["an", "array"]).encode(), "invalid_envelope")
    if kind == "empty_value":
        return Poison(None, "empty_value")
    if kind == "unknown_schema_version":
        return Poison(changed(schema_version=99), "unknown_schema_version")
    if kind == "unknown_event_type":
        return Poison(changed(event_type="NoSuchEvent"), "unknown_event_type")
    if kind == "wrong_key":
        return Poison(changed(aggregate_id=f"{key}-OTHER"), "wrong_key")
    if kind == "huge_payload":  # an envelope padded to ~900 KB in a field that must be a time (a field no
        # envelope has would be ignored: readers are tolerant)
        return Poison(changed(occurred_at="x" * HUGE_BYTES), "invalid_envelope")
    raise ValueError(kind)


POISON_KINDS = ("invalid_json", "deeply_nested_json", "not_an_envelope", "empty_value", "unknown_schema_version",
                "unknown_event_type", "wrong_key", "huge_payload")


class DeadLetters:
    """Reads the dead-letter topics of `services` from their ends at entry (no consumer group)."""

    def __init__(self, bootstrap: str, services: set[str]) -> None:
        self.bootstrap, self.topics = bootstrap, sorted(f"{s}.dlq" for s in services)
        self.seen: list[Any] = []

    async def __aenter__(self) -> "DeadLetters":
        from aiokafka import AIOKafkaConsumer

        from shared.kafka_io import partitions_of

        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                         fetch_max_bytes=16 * 1024 * 1024, max_partition_fetch_bytes=8 * 1024 * 1024)
        await self.consumer.start()
        parts = [tp for topic in self.topics for tp in await partitions_of(self.consumer, topic)]
        self.consumer.assign(parts)
        await self.consumer.seek_to_end(*parts)
        for tp in parts:
            await self.consumer.position(tp)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.consumer.stop()

    async def poll(self) -> list[Any]:
        for records in (await self.consumer.getmany(timeout_ms=200)).values():
            self.seen.extend(records)
        return self.seen

    async def letters_for(self, topic: str, partition: int, offset: int, consumers: list[tuple[str, str]],
                          timeout: float = 30.0) -> dict[str, Any]:
        """The letter each consumer wrote for the message at topic/partition/offset, by consumer name."""
        wanted = {consumer for _, consumer in consumers}
        deadline = time.monotonic() + timeout
        found: dict[str, Any] = {}
        while time.monotonic() < deadline:
            await self.poll()
            found = {headers_of(r)["dlq_consumer"]: r for r in letter_of(self.seen, topic, partition, offset)}
            if wanted <= set(found):
                return found
        raise AssertionError(f"after {timeout}s only {sorted(found)} of {sorted(wanted)} dead-lettered "
                             f"{topic}/{partition}@{offset}")


def letter_of(records: list[Any], topic: str, partition: int, offset: int) -> list[Any]:
    """The dead letters among `records` for the message at topic/partition/offset."""
    return [r for r in records if (h := headers_of(r)).get("dlq_original_topic") == topic
            and h.get("dlq_original_partition") == str(partition) and h.get("dlq_original_offset") == str(offset)]


async def committed_past(bootstrap: str, group: str, topic: str, partition: int, offset: int) -> bool:
    """Has consumer group `group` committed past `offset`? It commits a batch only once every record of
    it is applied in Postgres or dead-lettered."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        tp = TopicPartition(topic, partition)
        committed = (await admin.list_consumer_group_offsets(group, partitions=[tp])).get(tp)
    finally:
        await admin.close()
    return committed is not None and committed.offset > offset


def headers_of(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}
