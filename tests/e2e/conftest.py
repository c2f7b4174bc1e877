"""The demo council's month, run once on the stack for every end-to-end test module."""
from __future__ import annotations

import pytest

from shared.demo.scenario import run_month
from tests.e2e import expected

PEOPLE, PROVIDERS, SEED = 200, 10, 7


@pytest.fixture(scope="session")
async def month(stack):
    return await run_month(seed=SEED, people=PEOPLE, providers=PROVIDERS)


@pytest.fixture(scope="session")
def weeks(month):
    return expected.actuals_by_week(month)
