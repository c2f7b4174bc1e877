"""The fuzz of the clean stack, started when the session's tests are collected and run beside the tiers that
leave the stack alone (unit and db tests use no service's schema), so the stack is still clean while it
runs and the session does not wait for it alone."""
from __future__ import annotations

import asyncio
import threading

from tests.integration.hostile.fuzz import Outcome, fuzz_every_service

MAX_EXAMPLES = 4
_result: dict[str, list[Outcome] | BaseException] = {}
_thread: threading.Thread | None = None


def _run() -> None:
    try:
        _result["outcomes"] = asyncio.run(fuzz_every_service(MAX_EXAMPLES))
    except BaseException as exc:  # noqa: BLE001 - handed to the test, which fails with it
        _result["outcomes"] = exc


def start() -> None:
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_run, name="clean-stack-fuzz", daemon=True)
        _thread.start()


def outcomes(timeout: float = 900) -> list[Outcome]:
    start()
    _thread.join(timeout)
    result = _result.get("outcomes")
    if result is None:
        raise TimeoutError(f"the clean stack's fuzz did not finish in {timeout} s")
    if isinstance(result, BaseException):
        raise result
    return result
