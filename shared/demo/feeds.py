"""Each home-care provider sends its week of call monitoring through its own feed: the `ecm.visits`
Kafka topic, the HTTP batch, a CSV export (one week's goes through `carepay ecm import`) or an XML
service delivery file; then its corrections. The records name the provider by a CQC ID (`feed_ref`), the
paths and tokens by its provider_id. Along the way: a malformed CSV (refused whole, sent
again), the same CSV sent twice and an XML file sent twice (both refused as duplicates).
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from shared.demo import wire
from shared.demo.attendance import Attendance
from shared.demo.client import Stack, StackError, provider as as_provider
from shared.demo.council import Council, Provider
from shared.demo.ledger import Ledger, Sent

CARE_PAY = str(Path(sys.executable).parent / "carepay")


class Feeds:
    """The providers' feeds for one month (a Kafka producer is opened on first use)."""

    def __init__(self, stack: Stack, council: Council, ledger: Ledger) -> None:
        self.stack, self.council, self.ledger = stack, council, ledger
        self._producer = None

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send_week(self, provider: Provider, week: int, records: list[Attendance]) -> None:
        main = [a for a in records if not a.corrections]
        fixes = [a for a in records if a.corrections]
        send = getattr(self, f"_{provider.feed}")
        await send(provider, week, main, "main")
        if fixes:
            await send(provider, week, fixes, "corrections")

    def _agreement(self, a: Attendance) -> str:
        return self.ledger.agreement_ids.get(a.person_ref, "")

    def _log(self, feed: str, provider: Provider, batch: str, rows: Iterable[dict], accepted: bool = True) -> None:
        self.ledger.sent += [Sent(feed, provider.key, batch, dict(r), accepted) for r in rows]

    async def _kafka(self, provider: Provider, week: int, records: list[Attendance], label: str) -> None:
        rows = [wire.record(a, provider.feed_ref, self._agreement(a) or None) for a in records]
        await self._publish(provider.feed_ref, rows)
        self._log("kafka", provider, f"W{week + 1}-{label}", rows)

    async def _publish(self, key: str, rows: list[dict], chunk: int = 500) -> None:
        """In order, a chunk at a time; a chunk that fails is sent again from its start (a repeat of
        the same record is a correction that changes nothing)."""
        from aiokafka import AIOKafkaProducer
        from aiokafka.errors import KafkaError

        from contracts.ecm import TOPIC
        from shared.kafka_security import client_options, kafka_settings

        for start in range(0, len(rows), chunk):
            deadline = time.monotonic() + self.stack.patience
            while True:
                try:
                    if self._producer is None:
                        self._producer = AIOKafkaProducer(**client_options(kafka_settings()),
                                                          enable_idempotence=True, acks="all")
                        await self._producer.start()
                    sent = [await self._producer.send(TOPIC, json.dumps(r).encode(), key=key.encode())
                            for r in rows[start:start + chunk]]
                    await asyncio.gather(*sent)
                    break
                except KafkaError as exc:
                    if time.monotonic() > deadline:
                        raise StackError(f"could not publish to {TOPIC}: {exc}") from exc
                    await self._restart_producer()

    async def _restart_producer(self) -> None:
        if self._producer is not None:
            try:
                await self._producer.stop()
            except Exception:  # noqa: BLE001 - a broken producer is replaced whatever its state
                pass
            self._producer = None
        await asyncio.sleep(1)

    async def _http(self, provider: Provider, week: int, records: list[Attendance], label: str) -> None:
        """A batch per day as the provider's system uploads it (the corrections in one batch)."""
        by_day: dict[str, list[dict]] = {}
        for a in records:
            by_day.setdefault(a.visit_id.split("-")[-2] if label == "main" else label, []).append(
                wire.record(a, provider.feed_ref))
        provider_id = self.ledger.provider_ids[provider.key]
        for day, rows in by_day.items():
            await self.stack.json("POST", "delivery", f"/providers/{provider_id}/visits", as_provider(provider_id),
                                  json=rows)
            self._log("http", provider, f"W{week + 1}-{day}", rows)

    async def _csv(self, provider: Provider, week: int, records: list[Attendance], label: str) -> None:
        rows = [wire.csv_fields(a, provider.feed_ref) for a in records]
        reference = f"{self.council.tag}-{provider.key}-W{week + 1}-{label}"
        if week == 1 and label == "main":  # saved without its check_out column: refused whole, sent again
            broken = wire.csv_export(rows, columns=tuple(c for c in wire.CSV_COLUMNS if c[1] != "check_out"))
            await self._file(provider, broken, "text/csv", reference + "-broken", expect=422)
            self._log("csv", provider, reference + "-broken", rows, accepted=False)
        body = wire.csv_export(rows)
        if week == 3 and label == "main":
            await self._cli_import(provider, body, reference)
        else:
            await self._file(provider, body, "text/csv", reference)
        self._log("csv", provider, reference, rows)
        if week == 2 and label == "main":  # last week's export sent again by mistake
            earlier = [s.fields for s in self.ledger.sent if s.batch == f"{self.council.tag}-{provider.key}-W2-main"]
            await self._file(provider, wire.csv_export(earlier), "text/csv", f"{self.council.tag}-{provider.key}-W2-main",
                             expect=409)
            self._log("csv", provider, f"{reference}-duplicate", earlier, accepted=False)

    async def _xml(self, provider: Provider, week: int, records: list[Attendance], label: str) -> None:
        rows = [wire.xml_fields(a, provider.feed_ref, self._agreement(a)) for a in records]
        reference = f"SDF-{self.council.tag}-{provider.key}-W{week + 1}-{label}"
        body = wire.service_delivery_file(reference, provider.feed_ref, rows)
        await self._file(provider, body, "application/xml", reference)
        self._log("xml", provider, reference, rows)
        if week == 3 and label == "main":  # the first week's file uploaded again
            first = [s.fields for s in self.ledger.sent if s.batch == f"SDF-{self.council.tag}-{provider.key}-W1-main"]
            again = wire.service_delivery_file(f"SDF-{self.council.tag}-{provider.key}-W1-main", provider.feed_ref, first)
            await self._file(provider, again, "application/xml", None, expect=409)
            self._log("xml", provider, f"{reference}-duplicate", first, accepted=False)

    async def _file(self, provider: Provider, body: bytes, kind: str, reference: str | None, expect: int = 200) -> None:
        """Upload a file; a file already accepted (409) is what a retry finds when the first answer was lost."""
        provider_id = self.ledger.provider_ids[provider.key]
        params = {"file_reference": reference} if reference and kind == "text/csv" else None
        deadline = time.monotonic() + self.stack.patience
        while True:
            response = await self.stack.send("POST", "delivery", f"/providers/{provider_id}/visit-files",
                                             as_provider(provider_id), content=body, content_type=kind, params=params)
            if response.status_code == 409 and "in progress" in response.text and time.monotonic() < deadline:
                await asyncio.sleep(5)  # an upload cut off part-way resumes once it has been idle
                continue
            if response.status_code == expect or (expect == 200 and response.status_code == 409
                                                   and "already accepted" in response.text):
                return
            raise StackError(f"{provider.name}'s file {reference}: expected {expect}, got {response.status_code} "
                             f"{response.text[:500]}")

    async def _cli_import(self, provider: Provider, body: bytes, reference: str) -> None:
        """The provider's officer sends this export with `carepay ecm import`."""
        provider_id = self.ledger.provider_ids[provider.key]
        token = self.stack.headers(as_provider(provider_id))["Authorization"][7:]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{reference}.csv"
            path.write_bytes(body)
            command = [CARE_PAY, "ecm", "import", str(path), "--provider", provider_id, "--reference", reference,
                       "--url", self.stack.urls["delivery"], "--token", token]
            deadline = time.monotonic() + self.stack.patience
            while True:
                done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=300,
                                               env={**os.environ, "COLUMNS": "200"})
                if done.returncode == 0 or "already accepted" in done.stdout:
                    return
                if time.monotonic() > deadline:
                    raise StackError(f"carepay ecm import {path.name} failed: {done.stdout[-500:]} {done.stderr[-500:]}")
                await asyncio.sleep(2)
