"""`make bench`: run every benchmark and write BENCHMARKS.md with the figures beside their targets.

Each benchmark is a script that prints its own figures (and its target and baseline where it has
one); this runner records the machine, the date and each script's output, plus the stack's
start-up time and each service's peak memory. Speed targets are measured here, never asserted in
tests: the machines are shared and noisy.
"""
from __future__ import annotations

import asyncio
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.stack_settled import wait_settled
from shared.settings import SERVICE_PORTS, settings_for
from shared.stack import Instance, all_instances, recorded_pid, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "BENCHMARKS.md"
NOTES = ROOT / "benchmarks" / "NOTES.md"  # what the figures mean, kept by hand beside the scripts
TARGET = re.compile(r"\btarget\b", re.IGNORECASE)
SETTINGS = settings_for("reporting")  # any service's: where Kafka and Postgres are


@dataclass(frozen=True)
class Bench:
    script: str
    title: str
    target: str
    args: tuple[str, ...] = ()
    timeout: int = 1200


BENCHES = [
    Bench("benchmarks/delivery_rules_bench.py", "Delivery rules (pure): validate + match + verify",
          "well above 20,000 attendances/s (the end-to-end target)"),
    Bench("benchmarks/invoicing_selfbill_bench.py", "Self-billing a 4-week period (pure part)",
          "a small fraction of 60 s (whole run incl. database < 60 s)"),
    Bench("benchmarks/payments_run_bench.py", "Payment run: propose to all files (pure part)",
          "< 10 s for 50,000 invoices, 500 providers, 3,000 direct payments (incl. database)"),
    Bench("benchmarks/invoicing_selfbill_db_bench.py", "Self-billing a large county through Postgres",
          "< 60 s for 8,000 agreements (about 705,000 visit lines)"),
    Bench("benchmarks/payments_stack_bench.py", "Payment run on the stack", "< 10 s from propose to all files"),
    Bench("benchmarks/reporting_queries_bench.py", "Reporting queries over a year of a large county",
          "every query p99 < 200 ms"),
    # Last: a million attendances leave the most behind in delivery's tables for the others to work around.
    Bench("benchmarks/delivery_stream_bench.py", "Delivery stream through Kafka and Postgres (1M attendances)",
          ">= 20,000 attendances/s, >= 0.5 of the raw COPY baseline, p99 < 250 ms at 1,000/s, flat memory",
          timeout=4 * 3600),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def local(script: str, action: str) -> None:
    subprocess.run([str(ROOT / "deploy" / "local" / script), action], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def carepay(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("carepay")), *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def cold_start() -> list[tuple[str, float]]:
    """Stop the whole stack, then start it as `make up` does, timing each step to all seven services
    ready (the files and data stay: this is a restart of a machine that has run it before)."""
    for inst in all_instances():
        stop(inst)
    local("kafka.sh", "stop")
    local("postgres.sh", "stop")
    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    for name, step in [("Postgres", lambda: local("postgres.sh", "start")),
                       ("Kafka (KRaft)", lambda: local("kafka.sh", "start")),
                       ("topics and migrations", lambda: (carepay("stack", "topics"), carepay("stack", "migrate"))),
                       ("seven services to ready", services_up)]:
        began = time.perf_counter()
        step()
        steps.append((name, time.perf_counter() - began))
    steps.append(("whole stack", time.perf_counter() - t0))
    return steps


def services_up() -> None:
    instances = [Instance(s) for s in SERVICE_PORTS]
    for inst in instances:
        start(inst)
    not_ready = wait_ready(instances, timeout=300)
    if not_ready:
        raise SystemExit(f"services did not become ready: {not_ready}")


def peak_memory() -> list[tuple[str, str]]:
    rows = []
    for inst in all_instances():
        pid = recorded_pid(inst)
        if not pid:
            continue
        status = Path(f"/proc/{pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rows.append((inst.label, f"{int(fields['VmHWM'].split()[0]) / 1024:.0f} MiB peak RSS "
                                 f"({int(fields['VmRSS'].split()[0]) / 1024:.0f} MiB now)"))
    return rows


def main() -> None:
    only = set(sys.argv[1:])
    started = datetime.now(timezone.utc)
    print("== whole stack stopped and started again, timed", flush=True)
    startup = cold_start()
    for name, seconds in startup:
        print(f"{name:<28} {seconds:6.1f} s", flush=True)
    sections, targets = [], []
    for bench in BENCHES:
        if only and Path(bench.script).stem not in only:
            continue
        print(f"== {bench.title}", flush=True)
        settling = asyncio.run(wait_settled(SETTINGS.kafka_bootstrap_servers, SETTINGS.database_url))
        local("postgres.sh", "checkpoint")  # what the last benchmark wrote is on disk before this one starts
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        try:
            result = subprocess.run([sys.executable, bench.script, *bench.args], cwd=ROOT, capture_output=True,
                                    text=True, timeout=bench.timeout)
            output = (result.stdout + (f"\n[stderr]\n{result.stderr[-3000:]}" if result.returncode else "")).strip()
            status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        except subprocess.TimeoutExpired as exc:
            output = ((exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes)
                      else (exc.stdout or "")).strip()
            status = f"FAILED (no result in {bench.timeout} s)"
        elapsed = time.perf_counter() - t0
        print(output, flush=True)
        sections.append(f"## {bench.title}\n\nTarget: {bench.target}. Script: `{bench.script}` "
                        f"({status}, {elapsed:.0f} s, begun once the stack had settled ({settling:.0f} s) and Postgres "
                        "had checkpointed, "
                        f"load average {load:.1f} then).\n\n"
                        f"```\n{output}\n```\n")
        targets += [(bench.title, line.strip()) for line in output.splitlines() if TARGET.search(line)]
    memory = peak_memory()  # before anything restarts: each service's peak over the whole session
    lines = [
        "# Benchmarks", "",
        f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        "Machines here are shared and noisy: read figures as orders of magnitude, and re-run before relying on one.",
        "",
        "## Figures beside their targets", "",
        "Every line of the benchmarks' output that names a target (the sections below have the rest).", "",
        "```",
        *[f"{title}: {line}" for title, line in targets],
        "```", "",
        NOTES.read_text() if NOTES.exists() else "",
        "## Stack", "",
        "Start-up from stopped (data and downloaded jars kept), as `make up` runs it:", "",
        *[f"- {name}: {seconds:.1f} s" for name, seconds in startup], "",
        "Peak memory (VmHWM) of each service process over the whole benchmark session:", "",
        *[f"- {label}: {mem}" for label, mem in memory], "",
        *sections,
    ]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
