"""Latency from producing an attendance on `ecm.visits` to its VisitVerified on `delivery.events`, at a
steady rate: each record's send time against the moment its event is read back (one clock, one process)."""
from __future__ import annotations

import asyncio
import json
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ECM, EVENTS, PARTITIONS = "ecm.visits", "delivery.events", 6


async def latency_probe(kafka: str, items: list[tuple[bytes, bytes, str]], rate: int,
                        warm_up: int = 0) -> dict[str, float]:
    """Send one record per key and wait for them (delivery loads the run's agreements at its first batch),
    then the rest at `rate` a second; the latencies in ms (p50, p99, max) of the rest after the first
    `warm_up` (a broker just started is still compiling its hot paths), how many never came back, and
    the p99 of the warm-up on its own."""
    # The broker answers a fetch as soon as a byte is there (fetch_min_bytes=1), so a longer wait costs no
    # precision; 5 ms had the idle probe asking 200 times a second, on the cores it measures.
    tail = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, fetch_max_wait_ms=100)
    # As an ECM system's client would send them: Kafka 4's clients linger 5 ms by default (KIP-1030), so
    # a steady 1,000/s goes as ~200 requests a second, not 1,000.
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks=1, linger_ms=5, client_id="delivery-latency-probe")
    await tail.start()
    await producer.start()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    try:
        partitions = [TopicPartition(EVENTS, p) for p in range(PARTITIONS)]
        tail.assign(partitions)
        await tail.seek_to_end(*partitions)
        for tp in partitions:
            await tail.position(tp)
        reader = asyncio.create_task(_read(tail, sent, seen))
        # One record per provider first, waited for: every instance has loaded the run's agreements
        # (at its first batch) before the clock starts.
        warm = list({key: (key, value, ident) for key, value, ident in reversed(items)}.values())
        for key, value, ident in warm:
            sent[ident] = time.perf_counter()
            await producer.send(ECM, value=value, key=key)
        await _until(lambda: all(ident in seen for *_, ident in warm), 300, "the warm-up records' VisitVerified")
        warmed = {ident for *_, ident in warm}
        rest = [item for item in items if item[2] not in warmed]
        t0, i = time.perf_counter(), 0
        while i < len(rest):
            due = min(len(rest), int((time.perf_counter() - t0) * rate) + 1)
            while i < due:
                key, value, ident = rest[i]
                sent[ident] = time.perf_counter()
                await producer.send(ECM, value=value, key=key)
                i += 1
            await asyncio.sleep(0.001)
        idents = [ident for *_, ident in rest]
        await _until(lambda: all(x in seen for x in idents), 120, "every probe's VisitVerified", strict=False)
        warming, idents = idents[:warm_up], idents[warm_up:]
        reader.cancel()
    finally:
        await producer.stop()
        await tail.stop()
    ms = sorted((seen[x] - sent[x]) * 1000 for x in idents if x in seen)
    if not ms:
        raise SystemExit("no VisitVerified came back for the latency probes")
    warm = sorted((seen[x] - sent[x]) * 1000 for x in warming if x in seen)
    return {"p50": ms[len(ms) // 2], "p99": ms[int(0.99 * (len(ms) - 1))], "max": ms[-1],
            "lost": len(idents) - len(ms), "warm_up_p99": warm[int(0.99 * (len(warm) - 1))] if warm else None}


async def _read(tail: AIOKafkaConsumer, sent: dict[str, float], seen: dict[str, float]) -> None:
    while True:
        batches = await tail.getmany(timeout_ms=20)
        now = time.perf_counter()
        for records in batches.values():
            for r in records:
                if b'"VisitVerified"' not in r.value:
                    continue
                payload = json.loads(r.value)["payload"]
                ident = f"{payload['visit_id']}|{payload['carer_id']}"
                if ident in sent:
                    seen.setdefault(ident, now)


async def _until(done, timeout: float, what: str, strict: bool = True) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            if strict:
                raise SystemExit(f"timed out waiting for {what}")
            return
        await asyncio.sleep(0.05)
