"""The faults a month is run under, and putting the stack back afterwards.

Only processes this stack recorded are signalled (shared.stack's pid files, deploy/local's
kafka.sh and postgres.sh). A service is restarted with the environment it was running with, so a
restart does not quietly change the settings someone started it with.
"""
from __future__ import annotations

import asyncio
import random
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import REPO_ROOT, SERVICE_PORTS
from shared.stack import Instance, ready, recorded_pid, start, stop, wait_ready

DEPLOY = REPO_ROOT / "deploy" / "local"
KEPT_ENV = ("CAREPAY_", "KAFKA_", "DATABASE_URL", "PG")


def environment_of(inst: Instance) -> dict[str, str]:
    """The settings (CAREPAY_*, KAFKA_*, DATABASE_URL, PG*) the running instance was started with,
    without its instance number and port (start() sets those for the instance it starts)."""
    pid = recorded_pid(inst)
    if pid is None:
        return {}
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    env = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
    skip = {"CAREPAY_INSTANCE"} | {f"CAREPAY_{s.upper()}_PORT" for s in SERVICE_PORTS}
    return {k: v for k, v in env.items() if k.startswith(KEPT_ENV) and k not in skip}


def kill_and_restart(inst: Instance, *, wait: bool = True) -> None:
    """SIGKILL one instance and start it again as it was; by default wait until it is ready."""
    env = environment_of(inst)
    stop(inst, kill=True)
    start(inst, extra_env=env)
    if wait:
        not_ready = wait_ready([inst], timeout=120)
        assert not not_ready, f"{inst.label} did not come back after SIGKILL: {not_ready}"


def local(script: str, action: str) -> None:
    """deploy/local/<script> start|stop, failing loudly (its own messages say why)."""
    done = subprocess.run([str(DEPLOY / script), action], cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise AssertionError(f"{script} {action} failed ({done.returncode}): {done.stderr[-2000:]}")


def pids() -> dict[str, int | None]:
    return {s: recorded_pid(Instance(s)) for s in SERVICE_PORTS}


def restore_stack() -> None:
    """Kafka, Postgres and instance 1 of every service running and ready (whatever a test left)."""
    local("postgres.sh", "start")
    local("kafka.sh", "start")
    instances = [Instance(s) for s in SERVICE_PORTS]
    for inst in instances:
        if recorded_pid(inst) is None:
            start(inst)
    not_ready = wait_ready(instances, timeout=180)
    assert not not_ready, f"the stack did not come back ready: {not_ready}"


@dataclass
class Outage:
    """One dependency stopped and started again, and when (seconds since the month began)."""

    what: str
    stopped_at: float = 0.0
    started_at: float = 0.0
    not_ready_while_down: list[str] = field(default_factory=list)  # services whose /ready said so
    all_ready_at: float = 0.0  # every service ready again, by itself


@dataclass
class ServiceKiller:
    """Kills one service with SIGKILL every few seconds, at random moments, and starts it again at
    once, cycling through all seven in a shuffled order, until `done` is set or `cycles` are over.
    A service is killed only once it is ready again from its last kill (restarts run in the
    background, so several services may be starting at the same time)."""

    seed: int
    pause: tuple[float, float] = (1.0, 4.0)
    cycles: int = 3
    kills: list[tuple[str, float]] = field(default_factory=list)  # (service, seconds since start)

    async def run(self, done: asyncio.Event) -> None:
        rng = random.Random(self.seed)
        began = time.monotonic()
        for _ in range(self.cycles):
            order = list(SERVICE_PORTS)
            rng.shuffle(order)
            for service in order:
                try:
                    await asyncio.wait_for(done.wait(), timeout=rng.uniform(*self.pause))
                    return
                except TimeoutError:
                    pass
                inst = Instance(service)
                not_ready = await asyncio.to_thread(wait_ready, [inst], 120)
                assert not not_ready, f"{service} did not come back after its last SIGKILL: {not_ready}"
                if done.is_set():
                    return
                self.kills.append((service, round(time.monotonic() - began, 1)))
                await asyncio.to_thread(kill_and_restart, inst, wait=False)

    @property
    def killed(self) -> set[str]:
        return {s for s, _ in self.kills}


async def outage(script: str, *, down_for: float, began: float) -> Outage:
    """Stop Kafka (kafka.sh) or Postgres (postgres.sh), keep it down `down_for` seconds, start it,
    and wait until every service is ready again without being restarted. Once begun, it runs to the
    end even if the month fails meanwhile: the dependency is never left stopped or half-stopped."""
    record = Outage(script.removesuffix(".sh"))
    instances = [Instance(s) for s in SERVICE_PORTS]

    async def stopped_and_started() -> None:
        try:
            await asyncio.to_thread(local, script, "stop")
            record.stopped_at = round(time.monotonic() - began, 1)
            await asyncio.sleep(down_for)
            record.not_ready_while_down = [i.label for i in instances if not ready(i)[0]]
        finally:
            await asyncio.to_thread(local, script, "start")
        record.started_at = round(time.monotonic() - began, 1)

    whole = asyncio.ensure_future(stopped_and_started())
    try:
        await asyncio.shield(whole)
    except asyncio.CancelledError:
        await whole
        raise
    not_ready = await asyncio.to_thread(wait_ready, instances, 120)
    assert not not_ready, f"after {record.what} came back, these never became ready again: {not_ready}"
    record.all_ready_at = round(time.monotonic() - began, 1)
    return record
