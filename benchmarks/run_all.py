"""`make bench`: run every benchmark and write BENCHMARKS.md with the figures beside their targets.

Each benchmark is a script that prints its own figures (and its target and baseline where it has
one); this runner records the machine, the date and each script's output, plus the stack's
start-up time and each service's peak memory. Speed targets are measured here, never asserted in
tests: the machines are shared and noisy.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from shared.stack import Instance, all_instances, recorded_pid, start, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "BENCHMARKS.md"


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
]
# Stack-level benchmarks register themselves here when present.
for script, title, target in [
    ("benchmarks/delivery_stream_bench.py", "Delivery stream through Kafka and Postgres (1M attendances)",
     ">= 20,000 attendances/s, >= 0.5 of the raw COPY baseline, p99 < 250 ms at 1,000/s, flat memory"),
    ("benchmarks/invoicing_stack_bench.py", "Self-billing a large county on the stack", "< 60 s"),
    ("benchmarks/payments_stack_bench.py", "Payment run on the stack", "< 10 s"),
    ("benchmarks/reporting_queries_bench.py", "Reporting queries over a year of a large county", "< 200 ms"),
]:
    if (ROOT / script).exists():
        BENCHES.append(Bench(script, title, target))


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


def startup_seconds() -> float:
    """Time from starting all seven services (Kafka and Postgres already up) to all ready."""
    instances = [i for i in all_instances() if i.instance == 1]
    for inst in instances:
        stop(inst)
    t0 = time.perf_counter()
    for inst in instances:
        start(inst)
    not_ready = wait_ready(instances, timeout=300)
    if not_ready:
        raise SystemExit(f"services did not come back: {not_ready}")
    return time.perf_counter() - t0


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
    sections = []
    for bench in BENCHES:
        if only and Path(bench.script).stem not in only:
            continue
        print(f"== {bench.title}", flush=True)
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, bench.script, *bench.args], cwd=ROOT, capture_output=True,
                                text=True, timeout=bench.timeout)
        elapsed = time.perf_counter() - t0
        output = (result.stdout + (f"\n[stderr]\n{result.stderr[-3000:]}" if result.returncode else "")).strip()
        print(output, flush=True)
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        sections.append(f"## {bench.title}\n\nTarget: {bench.target}. Script: `{bench.script}` "
                        f"({status}, {elapsed:.0f} s).\n\n```\n{output}\n```\n")
    startup = startup_seconds()
    memory = peak_memory()
    lines = [
        "# Benchmarks", "",
        f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC. Machine: {machine()}.",
        "Machines here are shared and noisy: read figures as orders of magnitude, and re-run before relying on one.",
        "",
        *sections,
        "## Stack", "",
        f"Start-up of all seven services to ready (Kafka and Postgres already running): {startup:.1f} s.", "",
        "Peak memory of each service process over this benchmark session:", "",
        *[f"- {label}: {mem}" for label, mem in memory], "",
    ]
    OUT.write_text("\n".join(lines))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
