"""CPU time used by every part of the local stack, by part: each service's own process, the Postgres
backends serving it (by application_name), the rest of Postgres (WAL writer, checkpointer, ...), Kafka,
and the benchmark itself (with the session of `conn` it is given). A throughput on a shared machine is bounded by what all of them use for each
record, not only by the service under test: this says where the cores went.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import asyncpg

from shared.stack import RUN_DIR, all_instances, recorded_pid

_HZ = os.sysconf("SC_CLK_TCK")
BENCH_PART = "the benchmark's own producer and probes"


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by these processes (one that has ended counts nothing)."""
    return sum(seen[1] for seen in map(_ticks, pids) if seen is not None) / _HZ


def _ticks(pid: int) -> tuple[int, int] | None:
    """(parent pid, user + system ticks) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _pid_file(name: str) -> int | None:
    try:
        return int((RUN_DIR / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


async def snapshot(conn: asyncpg.Connection) -> dict[int, tuple[str, int]]:
    """pid -> (part of the stack, ticks used so far)."""
    parts: dict[int, str] = {}
    for inst in all_instances():
        pid = recorded_pid(inst)
        if pid:
            parts[pid] = inst.label
    apps = {r["pid"]: r["application_name"] for r in await conn.fetch(
        "SELECT pid, application_name FROM pg_stat_activity")}
    postmaster, kafka = _pid_file("postgres"), _pid_file("kafka")
    out: dict[int, tuple[str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        seen = _ticks(pid)
        if seen is None:
            continue
        parent, ticks = seen
        if pid in parts:
            part = parts[pid]
        elif pid in (os.getpid(), conn.get_server_pid()):  # the benchmark and its own database session
            part = BENCH_PART
        elif pid == kafka:
            part = "Kafka"
        elif pid == postmaster or parent == postmaster:
            app = apps.get(pid) or ""
            part = (f"Postgres for {app.removeprefix('carepay-')}" if app.startswith("carepay-")
                    else "Postgres (WAL, checkpoints, other sessions)")
        else:
            continue
        out[pid] = (part, ticks)
    return out


def used(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]]) -> Counter:
    """Seconds of CPU by part between two snapshots (a process started meanwhile counts from zero)."""
    seconds: Counter = Counter()
    for pid, (part, ticks) in after.items():
        seconds[part] += (ticks - before.get(pid, (part, 0))[1]) / _HZ
    return seconds
