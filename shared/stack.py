"""The local stack's service processes: start, stop, status, by recorded pids.

`make up` runs `carepay stack up`; `make down` runs `carepay stack down`. Only processes whose
pids this module recorded are ever signalled.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from shared.settings import REPO_ROOT, SERVICE_PORTS, bind_host, service_port

LOCAL = REPO_ROOT / ".local"
RUN_DIR = LOCAL / "run"
LOG_DIR = LOCAL / "logs"


@dataclass(frozen=True)
class Instance:
    service: str
    instance: int = 1

    @property
    def port(self) -> int:
        return service_port(self.service) + 100 * (self.instance - 1)

    @property
    def label(self) -> str:
        return self.service if self.instance == 1 else f"{self.service}-{self.instance}"

    @property
    def pid_file(self) -> Path:
        return RUN_DIR / f"{self.label}.pid"

    @property
    def log_file(self) -> Path:
        return LOG_DIR / f"{self.label}.log"

    @property
    def url(self) -> str:
        return f"http://{reach(bind_host())}:{self.port}"


def reach(host: str) -> str:
    """Where on this machine to reach a server bound to `host` (a wildcard: loopback), URL-ready."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def recorded_pid(inst: Instance) -> int | None:
    try:
        pid = int(inst.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def port_in_use(port: int) -> bool:
    host = reach(bind_host()).strip("[]")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def http_json(url: str, timeout: float = 2.0) -> tuple[int, dict]:
    """(status, body) of a GET; (0, {reason}) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except (OSError, ValueError):  # a body that never came (the service busy starting) says no more
            return exc.code, {}
    except (OSError, ValueError) as exc:
        return 0, {"reason": str(exc)}


def command(inst: Instance) -> list[str]:
    """The process of one service instance: uvicorn on CAREPAY_HOST and the instance's port."""
    return [sys.executable, "-m", "uvicorn", f"services.{inst.service}.app:app", "--host", bind_host(),
            "--port", str(inst.port), "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "10"]


def start(inst: Instance, extra_env: dict[str, str] | None = None) -> str:
    """Start one service instance unless it already runs; return what happened."""
    if recorded_pid(inst):
        return "already running"
    if port_in_use(inst.port):
        raise SystemExit(f"port {inst.port} for {inst.label} is taken by another process: free it "
                         f"(e.g. `ss -ltnp 'sport = :{inst.port}'`) or set CAREPAY_{inst.service.upper()}_PORT")
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CAREPAY_INSTANCE": str(inst.instance),
           f"CAREPAY_{inst.service.upper()}_PORT": str(inst.port), **(extra_env or {})}
    log = open(inst.log_file, "ab")
    proc = subprocess.Popen(command(inst), cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    inst.pid_file.write_text(str(proc.pid))
    return f"started (pid {proc.pid})"


def stop(inst: Instance, *, kill: bool = False, timeout: float = 20.0) -> str:
    """Stop the recorded process of one instance (SIGTERM, then SIGKILL after `timeout`)."""
    pid = recorded_pid(inst)
    if pid is None:
        inst.pid_file.unlink(missing_ok=True)
        return "not running"
    os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            _reap(pid)
            time.sleep(0.05)
    # A killed process's leader turns zombie before its other threads have let go of its socket:
    # wait for the port too, or an immediate start() finds it taken.
    released = time.monotonic() + 5
    while port_in_use(inst.port) and time.monotonic() < released:
        time.sleep(0.05)
    inst.pid_file.unlink(missing_ok=True)
    return f"stopped (pid {pid})"


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def ready(inst: Instance) -> tuple[bool, str]:
    status, body = http_json(f"{inst.url}/ready")
    if status == 0:
        return False, "not answering"
    return status == 200, body.get("reason", str(status))


def wait_ready(instances: list[Instance], timeout: float = 180.0) -> dict[str, str]:
    """Wait until every instance's /ready is 200; return the reasons of those still not ready."""
    deadline = time.monotonic() + timeout
    waiting = {i.label: i for i in instances}
    reasons: dict[str, str] = {}
    while waiting and time.monotonic() < deadline:
        for label, inst in list(waiting.items()):
            ok, reason = ready(inst)
            if ok:
                del waiting[label]
                reasons.pop(label, None)
            else:
                if recorded_pid(inst) is None:
                    reasons[label] = f"process exited; see {inst.log_file}"
                    del waiting[label]
                else:
                    reasons[label] = reason
        time.sleep(0.3)
    return reasons


def all_instances() -> list[Instance]:
    """Every instance with a pid file, plus instance 1 of every service."""
    found = {Instance(s) for s in SERVICE_PORTS}
    for pid_file in RUN_DIR.glob("*.pid"):
        name = pid_file.stem
        service, _, n = name.partition("-")
        if service in SERVICE_PORTS:
            found.add(Instance(service, int(n) if n.isdigit() else 1))
    return sorted(found, key=lambda i: (list(SERVICE_PORTS).index(i.service), i.instance))
