"""The demo council's month (tests/conftest.py `month`, once per session) and what is read from it."""
from __future__ import annotations

import pytest

from tests.e2e import expected

PEOPLE, PROVIDERS, SEED = 200, 10, 7


@pytest.fixture(scope="session")
def weeks(month):
    return expected.actuals_by_week(month)
