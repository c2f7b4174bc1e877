"""Schemathesis against every service of a clean stack: collected first (tests/api sorts before every
other tier), so in `make test` on a fresh machine no test has written to the stack yet. Every operation,
all phases and checks, valid and invalid input, zero failures (tests/integration/hostile/fuzz.py).
"""
from __future__ import annotations

import pytest

from tests.integration.hostile.fuzz import fuzz_every_service, report

pytestmark = pytest.mark.stack

MAX_EXAMPLES = 6


async def test_every_operation_on_a_clean_stack(stack):
    outcomes = await fuzz_every_service(MAX_EXAMPLES)
    assert all(o.status == 0 for o in outcomes), report(outcomes)
