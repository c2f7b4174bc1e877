"""Schemathesis against every service of a clean stack: run after the tiers that leave the stack alone (unit and
db tests use no service's schema) and before any stack test has written to it (tests/conftest.py orders them),
so in `make test` on a fresh machine it meets the stack as `make` left it. Every operation, all checks, valid
and invalid input; no failure but those known to be open (tests/integration/hostile/fuzz.py).
"""
from __future__ import annotations

import pytest

from tests.integration.hostile.fuzz import fuzz_every_service, report, unexpected

pytestmark = pytest.mark.stack

MAX_EXAMPLES = 5


async def test_every_operation_on_a_clean_stack(stack):
    outcomes = await fuzz_every_service(MAX_EXAMPLES)
    assert not unexpected(outcomes), report(outcomes)
