"""Every service SIGKILLed at random moments while the month runs, and restarted: the same month."""
from __future__ import annotations

import asyncio

import pytest

from shared.settings import SERVICE_PORTS
from tests.reliability.conftest import assert_same, run_the_month
from tests.reliability.faults import ServiceKiller
from tests.reliability.results import paid_twice

pytestmark = pytest.mark.stack


async def test_services_killed_in_turn_at_random_moments_change_nothing_in_the_month(baseline, today, restored):
    # Pauses scaled to the undisturbed month, so a whole cycle of seven kills fits in half of it
    # however fast this machine runs the month (13 s on an idle two-core box, a minute on a busy one).
    killer = ServiceKiller(seed=20261128, pause=(0.2, max(0.5, baseline.seconds / 14)))

    async def kill_in_turn(milestones, month):
        done = asyncio.Event()
        month.add_done_callback(lambda _: done.set())
        await killer.run(done)
        return killer.kills

    outcome = await run_the_month(today, kill_in_turn)
    print(f"\nmonth {outcome.month.council.tag} under {len(killer.kills)} SIGKILLs: {outcome.seconds}s "
          f"(undisturbed {baseline.seconds}s), settled in {outcome.settled_in}s; kills at {killer.kills}")
    assert killer.killed == set(SERVICE_PORTS), f"not every service was killed while the month ran: {killer.kills}"
    assert_same(outcome, baseline)
    assert await paid_twice(outcome.month, today) == []
