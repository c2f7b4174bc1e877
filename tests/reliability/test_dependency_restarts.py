"""Kafka, then Postgres, stopped and started again mid-stream: every service rides it out by itself
(no restart: the same pids, ready again) and the month comes out the same."""
from __future__ import annotations

import asyncio
import random

import pytest

from shared.settings import SERVICE_PORTS
from tests.reliability.conftest import assert_same, run_the_month
from tests.reliability.faults import outage, pids
from tests.reliability.results import paid_twice

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("script, when, down_for", [
    ("kafka.sh", "week 2: call monitoring", 10),  # while the second week's records stream in
    ("postgres.sh", "week 3: call monitoring", 8),
], ids=["broker", "database"])
async def test_a_restart_mid_stream_changes_nothing_in_the_month(script, when, down_for, baseline, today, restored):
    before = pids()

    async def restart_mid_stream(milestones, month):
        await milestones.reached(when, month)
        await asyncio.sleep(random.uniform(0.5, 3.0))
        return await outage(script, down_for=down_for, began=milestones.began)

    outcome = await run_the_month(today, restart_mid_stream)
    print(f"\nmonth {outcome.month.council.tag} with {outcome.injected}: {outcome.seconds}s "
          f"(undisturbed {baseline.seconds}s), settled in {outcome.settled_in}s")
    assert set(outcome.injected.not_ready_while_down) == set(SERVICE_PORTS), \
        f"only {outcome.injected.not_ready_while_down} said they were not ready while it was down"
    assert outcome.injected.started_at < outcome.seconds, f"{script} came back only after the month was over"
    assert pids() == before, "a service was restarted: each must come back to /ready by itself"
    assert_same(outcome, baseline)
    assert await paid_twice(outcome.month, today) == []
