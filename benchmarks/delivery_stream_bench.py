"""Delivery's ECM stream on the running stack (issue 4, "Speed"): a million attendances on `ecm.visits`.

1. Agreements for 8,000 people (20 providers) go out on agreements.events; we wait until delivery stored them.
2. Latency: attendances at a steady 1,000/s for 30 s; each one's VisitVerified is awaited on delivery.events.
3. Throughput: N attendances (default 1,000,000) produced as fast as the producer goes, timed from the first
   produce until delivery's consumer group has committed all of them (it commits only after the batch's
   transaction: verified visits, attendances, inbox and outbox rows); then until the outbox relay has
   published every event. Delivery's peak memory is read as the stream goes (VmRSS/VmHWM). The CPU of every
   process of the stack (benchmarks/stack_cpu.py) is counted until every consumer has caught up.
4. Baseline in the same run: a plain aiokafka consumer (its own group) COPYs the same records into a
   throwaway table, one COPY and one offset commit per batch.
Then the run's rows are removed from delivery (fresh references each run; `--keep` keeps them).

Run: `.venv/bin/python benchmarks/delivery_stream_bench.py [N] [--rate 1000] [--seconds 30] [--keep]`.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.delivery_stream_data import (  # noqa: E402
    CLEANUP, PARTITIONS, PEOPLE, PROVIDERS, agreement_messages, days_for, new_run, stream)
from benchmarks.delivery_stream_probe import latency_probe  # noqa: E402
from benchmarks.stack_cpu import BENCH_PART, snapshot, used  # noqa: E402
from benchmarks.stack_cpu import cpu_seconds as process_cpu  # noqa: E402
from benchmarks.stack_settled import settled  # noqa: E402
from shared.settings import settings_for  # noqa: E402
from shared.stack import all_instances, recorded_pid  # noqa: E402

ECM, EVENTS, GROUP = "ecm.visits", "delivery.events", "delivery.ecm"
# The latency is of a steady rate: its first seconds, while a broker just started still compiles its hot
# paths, are sent at the same rate but reported on their own.
WARM_UP_S = 10
SETTINGS = settings_for("delivery")
KAFKA, DB = SETTINGS.kafka_bootstrap_servers, SETTINGS.database_url


def memory() -> dict[str, tuple[float, float]]:
    """label -> (VmRSS, VmHWM) in MiB of every running delivery instance."""
    out = {}
    for inst in all_instances():
        pid = recorded_pid(inst) if inst.service == "delivery" else None
        if pid:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            out[inst.label] = tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))
    return out


def pids() -> dict[str, int | None]:
    return {inst.label: recorded_pid(inst) for inst in all_instances() if inst.service == "delivery"}


def cpu_seconds(of: list[int] | None = None) -> float:
    """CPU time used so far by these processes (default: every running delivery instance)."""
    return process_cpu(of if of is not None else [p for p in pids().values() if p])


async def backends(conn) -> list[int]:
    """Postgres backends serving delivery (its pool's connections)."""
    return [r["pid"] for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'carepay-delivery'")]


def busy_share() -> tuple[float, float]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


async def produce(producer: AIOKafkaProducer, items, topic: str = ECM) -> None:
    futures = []
    for key, value, *_ in items:
        futures.append(await producer.send(topic, value=value, key=key))
        if len(futures) >= 20_000:
            await asyncio.gather(*futures)
            futures = []
    await asyncio.gather(*futures)


async def ends(probe: AIOKafkaConsumer, topic: str) -> dict[TopicPartition, int]:
    return await probe.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])


async def committed(admin: AIOKafkaAdminClient) -> dict[TopicPartition, int]:
    found = await admin.list_consumer_group_offsets(GROUP)
    return {tp: meta.offset for tp, meta in found.items() if tp.topic == ECM}


async def setup(producer, conn, run) -> float:
    t0 = time.perf_counter()
    await produce(producer, [(k, v) for _, k, v, _ in agreement_messages(run)], "agreements.events")
    while True:
        stored = await conn.fetchval("SELECT count(*) FROM delivery.agreements WHERE agreement_id LIKE $1 || '%'",
                                     run.agreement_prefix)
        if stored >= PEOPLE:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > 600:
            raise SystemExit(f"delivery stored only {stored} of {PEOPLE} agreements in 10 minutes")
        await asyncio.sleep(0.5)


async def throughput(producer, probe, admin, conn, items) -> dict:
    n = len(items)
    # Delivery serves other work meanwhile (the shared stack's HTTP, other feeds, jobs): its CPU rate
    # just before the stream is subtracted from what the stream is charged.
    db = await backends(conn)
    idle0, db_idle0, stack_idle0 = cpu_seconds(), cpu_seconds(db), await snapshot(conn)
    await asyncio.sleep(10)
    idle_rate, db_idle_rate = (cpu_seconds() - idle0) / 10, (cpu_seconds(db) - db_idle0) / 10
    stack_idle = used(stack_idle0, await snapshot(conn))
    start, first = await committed(admin), await ends(probe, ECM)
    events_before = sum((await ends(probe, EVENTS)).values())
    wal0 = await conn.fetchrow("SELECT wal_bytes, wal_fpi FROM pg_stat_wal")
    cpu0, db0, machine0, stack0 = cpu_seconds(), cpu_seconds(db), busy_share(), await snapshot(conn)
    t0 = time.perf_counter()
    await produce(producer, items)
    produced_s = time.perf_counter() - t0
    target = await ends(probe, ECM)
    base = sum(start.get(tp, 0) for tp in target)
    want = sum(target.values())
    samples: dict[int, dict] = {}  # memory at each quarter of the stream committed
    timeline: list[tuple[float, int, int]] = []
    while True:
        done = await committed(admin)
        now = time.perf_counter() - t0
        timeline.append((now, sum(done.values()) - base, sum((await ends(probe, EVENTS)).values()) - events_before))
        quarter = 4 * (sum(done.values()) - base) // max(want - base, 1)
        if 0 < quarter < 4 and quarter not in samples:
            samples[quarter] = memory()
        if all(done.get(tp, 0) >= end for tp, end in target.items()):
            break
        if now > 3600:
            raise SystemExit(f"delivery committed {timeline[-1][1]:,} of {n:,} in an hour")
        await asyncio.sleep(0.2)
    ingest_s = timeline[-1][0]
    samples[4] = memory()
    while await conn.fetchval("SELECT count(*) FROM delivery.outbox WHERE published_at IS NULL"):
        timeline.append((time.perf_counter() - t0, timeline[-1][1],
                         sum((await ends(probe, EVENTS)).values()) - events_before))
        await asyncio.sleep(0.2)
    machine1 = busy_share()
    relay_s = time.perf_counter() - t0
    # What each part of the stack used for the stream, less what it used while idle just before: counted
    # until every consumer has read every event (a read model that fell behind does its share later).
    settle_s = await settled(admin, probe, conn, timeout=1800)
    stack1, stack_s = await snapshot(conn), time.perf_counter() - t0
    stack = {part: max(s - stack_idle[part] / 10 * stack_s, 0.0) for part, s in used(stack0, stack1).items()}
    cpu = {"delivery_s": cpu_seconds() - cpu0 - idle_rate * relay_s, "idle_rate": idle_rate,
           "postgres_s": cpu_seconds(db) - db0 - db_idle_rate * relay_s,
           "machine_busy": (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1)}
    wal1 = await conn.fetchrow("SELECT wal_bytes, wal_fpi FROM pg_stat_wal")
    cpu["wal_bytes"], cpu["wal_fpi"] = int(wal1[0] - wal0[0]), int(wal1[1] - wal0[1])
    published = sum((await ends(probe, EVENTS)).values()) - events_before
    first_publish = next(t for t, _, e in timeline if e > 0) if any(e for *_, e in timeline) else 0.0
    return {"n": n, "produced_s": produced_s, "ingest_s": ingest_s, "relay_s": relay_s, "published": published,
            "relay_rate": published / max(relay_s - first_publish, 1e-9), "memory": samples, "cpu": cpu,
            "stack": stack, "settle_s": settle_s, "start": first, "end": target}


async def baseline(conn, run, start, end) -> float:
    name = f"raw_{run.tag.lower()}"
    table = f"delivery_bench.{name}"
    await conn.execute("CREATE SCHEMA IF NOT EXISTS delivery_bench")
    await conn.execute(f"CREATE TABLE {table} (topic text, partition int, \"offset\" bigint, key text, value bytea)")
    group = f"bench-raw-{run.tag}"
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(end))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        t0 = time.perf_counter()
        left = {tp: offset for tp, offset in end.items() if offset > start[tp]}
        while left:
            fetched = await consumer.getmany(timeout_ms=500, max_records=SETTINGS.consumer_max_records)
            rows = [(r.topic, r.partition, r.offset, r.key.decode() if r.key else None, r.value)
                    for tp, records in fetched.items() for r in records if r.offset < end[tp]]
            if rows:
                await conn.copy_records_to_table(name, schema_name="delivery_bench", records=rows,
                                                 columns=("topic", "partition", "offset", "key", "value"))
                await consumer.commit()
            for tp in list(left):
                if await consumer.position(tp) >= left[tp]:
                    del left[tp]
        elapsed = time.perf_counter() - t0
        copied = await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await consumer.stop()
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.delete_consumer_groups([group])
    except Exception:  # noqa: BLE001 - an idle group also expires on its own
        pass
    finally:
        await admin.close()
    return copied / elapsed


def line(what: str, figure: str, target: str = "") -> None:
    print(f"{what:<52} {figure:<34} {('target ' + target) if target else ''}".rstrip(), flush=True)


async def main(n: int, rate: int, seconds: int, keep: bool) -> None:
    warm_up = rate * WARM_UP_S
    probes = rate * seconds + warm_up
    run = new_run(n, probes + PROVIDERS)
    delivery, started_pids = memory(), pids()
    if not delivery:
        raise SystemExit("delivery is not running: `.venv/bin/carepay stack up delivery`")
    conn = await asyncpg.connect(DB)
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks=1, linger_ms=10, max_batch_size=256 * 1024,
                                client_id="delivery-stream-bench")
    probe = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await producer.start(), await probe.start(), await admin.start()
    print(f"run B{run.tag}: {PEOPLE:,} people, {PROVIDERS} providers over {PARTITIONS} partitions, "
          f"{run.days} days from {run.first_day}; delivery instances: {', '.join(delivery)}; "
          f"consumer batch {SETTINGS.consumer_max_records}; load average {os.getloadavg()[0]:.2f}", flush=True)
    try:
        line("agreements stored by delivery", f"{PEOPLE:,} in {await setup(producer, conn, run):.1f} s")
        line("every consumer of the stack caught up", f"{await settled(admin, probe, conn):.1f} s later")
        lat = await latency_probe(KAFKA, stream(run, 0, probes + PROVIDERS, seed=1), rate, warm_up=warm_up)
        line(f"latency produce -> VisitVerified at {rate:,}/s, {seconds} s",
             f"p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms (max {lat['max']:.0f}"
             + (f", {lat['lost']} lost)" if lat["lost"] else ")"), "p99 < 250 ms")
        line(f"  the {WARM_UP_S} s at {rate:,}/s before it (not counted above)", f"p99 {lat['warm_up_p99']:.0f} ms")
        items = stream(run, days_for(probes + PROVIDERS), n)
        load_before = os.getloadavg()[0]
        t = await throughput(producer, probe, admin, conn, items)
        del items
        system = n / t["ingest_s"]
        line(f"produced {n:,} attendances (bench producer)", f"{t['produced_s']:.1f} s ({n / t['produced_s']:,.0f}/s)")
        line("throughput: topic -> committed verified + outbox", f"{system:,.0f}/s ({t['ingest_s']:.1f} s)",
             ">= 20,000/s")
        line("delivery CPU per attendance (consume + relay)", f"{t['cpu']['delivery_s'] / n * 1e6:.0f} us "
             f"({t['cpu']['delivery_s']:.0f} s, less {t['cpu']['idle_rate']:.0%} of a core it used before)")
        line("Postgres CPU per attendance (delivery's connections)", f"{t['cpu']['postgres_s'] / n * 1e6:.0f} us")
        line("WAL written meanwhile, per attendance (whole server)", f"{t['cpu']['wal_bytes'] / n / 1024:.1f} KiB "
             f"({t['cpu']['wal_fpi'] / n:.2f} full-page images)")
        line("whole machine busy during the stream", f"{t['cpu']['machine_busy']:.0%} of 2 cores")
        python_us, db_us = t["cpu"]["delivery_s"] / n * 1e6, t["cpu"]["postgres_s"] / n * 1e6
        ceiling = min(min(len(delivery), 2) * 1e6 / python_us, 2e6 / (python_us + db_us))
        line("CPU-bound ceiling if the 2 cores were its own", f"~{ceiling:,.0f}/s (estimate; Kafka not counted)")
        # The providers' producers are not the stack's: the benchmark's own CPU is shown, not counted.
        stack_us = {part: s / n * 1e6 for part, s in t["stack"].items()}
        own = stack_us.pop(BENCH_PART, 0.0)
        whole = sum(stack_us.values())
        line("whole stack CPU per attendance (every process)", f"{whole:.0f} us: 2 cores allow ~{2e6 / whole:,.0f}/s",
             "<= 100 us for 20,000/s")
        line("  counted until every consumer caught up", f"{t['settle_s']:.1f} s after the relay's last event")
        for part, us in sorted(stack_us.items(), key=lambda kv: -kv[1]):
            if us >= 1:
                line(f"  {part}", f"{us:.0f} us")
        line(f"  ({BENCH_PART}, not counted)", f"{own:.0f} us")
        line("outbox relay -> delivery.events", f"{t['relay_rate']:,.0f} events/s ({t['published']:,} events, "
             f"all out at {t['relay_s']:.1f} s)")
        counts = dict(await conn.fetch(
            "SELECT outcome, count(*) FROM delivery.attendances WHERE provider_id = ANY($1::text[]) GROUP BY 1",
            run.provider_ids))
        line("attendances of the run by outcome", ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())),
             f"verified {n + probes + PROVIDERS:,}")
        raw = await baseline(conn, run, t["start"], t["end"])
        line("raw baseline: aiokafka -> COPY (same records)", f"{raw:,.0f}/s")
        line("ratio system / baseline", f"{system / raw:.2f}", ">= 0.5")
        for label in t["memory"][4]:
            at = [t["memory"].get(q, {}).get(label) for q in (1, 2, 3, 4)]
            line(f"{label} RSS after 1/4, 1/2, 3/4, all of {n:,}",
                 " / ".join(f"{m[0]:.0f}" if m else "-" for m in at) + f" MiB (peak {at[3][1]:.0f})", "flat")
        line("load average (1 min) before / after the stream", f"{load_before:.2f} / {os.getloadavg()[0]:.2f}")
        if pids() != started_pids:
            print(f"WARNING: a delivery instance restarted during the run ({started_pids} -> {pids()}): "
                  "the figures above are not valid; run again", flush=True)
    finally:
        await producer.stop(), await probe.stop(), await admin.close()
        if not keep:
            for sql in CLEANUP:
                await conn.execute(sql, run.provider_ids)
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="attendances to stream")
    parser.add_argument("--rate", type=int, default=1000, help="attendances/s of the latency probe")
    parser.add_argument("--seconds", type=int, default=30, help="length of the latency probe")
    parser.add_argument("--keep", action="store_true", help="leave the run's rows in delivery")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rate, args.seconds, args.keep))
