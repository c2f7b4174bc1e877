"""The month every reliability test runs, undisturbed once (the baseline) and again under a fault.

A small council keeps a month to about a minute on two cores: 30 people, 4 providers (two home-care
providers on Kafka and HTTP feeds, one self-billing with a mid-month rate change, one sending its own
invoices; a care home; supported living), four weeks of call monitoring, a weekly and a four-weekly
payment run. Every run uses the same seed and the same `today`, so only the tag and the ids the
services hand out differ.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest

from shared.clock import london_date, utcnow
from shared.demo.scenario import MonthRun, run_month
from tests.reliability.faults import restore_stack
from tests.reliability.health import wait_settled
from tests.reliability.results import MonthResults, results_of

SEED, PEOPLE, PROVIDERS = 3, 30, 4


class Milestones:
    """The scenario's progress, as events a fault can wait for (`await milestones.reached("week 2")`)."""

    def __init__(self) -> None:
        self.began = time.monotonic()
        self.seen: list[tuple[str, float]] = []
        self._changed = asyncio.Event()

    def phase(self, name: str, total: int):
        self.seen.append((name, round(time.monotonic() - self.began, 1)))
        self._changed.set()
        return lambda: None

    def note(self, text: str) -> None:
        pass

    async def reached(self, prefix: str, month: asyncio.Task) -> None:
        """Returns when a phase starting with `prefix` has begun; fails if the month ends first."""
        while not any(name.startswith(prefix) for name, _ in self.seen):
            if month.done():
                raise AssertionError(f"the month ended without a phase starting {prefix!r} (phases: "
                                     f"{[n for n, _ in self.seen]}): the fault was never injected")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=1.0)
            except TimeoutError:
                pass


@dataclass
class Outcome:
    month: MonthRun
    results: MonthResults
    seconds: float  # the month through the scenario
    settled_in: float  # then until every outbox was drained and every lag zero
    injected: object = None  # what the fault did, as it recorded it


async def run_the_month(today, fault=None) -> Outcome:
    """The month, with `fault(milestones, month_task)` running beside it when given (it must return
    once the month is done); then settled, and its results read back."""
    milestones = Milestones()
    month_task = asyncio.create_task(run_month(seed=SEED, people=PEOPLE, providers=PROVIDERS, today=today,
                                               progress=milestones))
    fault_task = asyncio.create_task(fault(milestones, month_task)) if fault else None
    try:
        month = await month_task
    except BaseException:
        if fault_task is not None:
            fault_task.cancel()
            await asyncio.gather(fault_task, return_exceptions=True)
        raise
    seconds = time.monotonic() - milestones.began
    injected = await fault_task if fault_task is not None else None  # a fault that failed fails the test
    settled_in = await wait_settled()
    return Outcome(month, await results_of(month), round(seconds, 1), round(settled_in, 1), injected)


@pytest.fixture(scope="session")
def today():
    """One business day for every run of the session (the month and the runs' pay dates follow it)."""
    return london_date(utcnow())


@pytest.fixture(scope="session")
async def baseline(stack, today) -> Outcome:
    outcome = await run_the_month(today)
    print(f"\nbaseline month {outcome.month.council.tag}: {outcome.seconds}s, settled in {outcome.settled_in}s")
    return outcome


@pytest.fixture
def restored():
    """Whatever the test did, Kafka, Postgres and every service are running and ready after it."""
    try:
        yield
    finally:
        restore_stack()


def assert_same(outcome: Outcome, baseline: Outcome) -> None:
    differences = outcome.results.differences(baseline.results)
    assert not differences, (f"month {outcome.month.council.tag} differs from the undisturbed "
                             f"{baseline.month.council.tag} in {len(differences)} way(s):\n" + "\n".join(differences[:40]))
