"""Schemathesis against every service of a clean stack: started as the session's tests are collected and run
beside the unit and db tiers, before any stack test has written to it (tests/conftest.py orders them), so
in `make test` on a fresh machine it meets the stack as `make` left it. Every operation, all phases and
checks, valid and invalid input; no failure but those known to be open (tests/integration/hostile/fuzz.py).
"""
from __future__ import annotations

import pytest

from tests.api import clean_stack
from tests.integration.hostile.fuzz import report, unexpected

pytestmark = pytest.mark.stack


def test_every_operation_on_a_clean_stack(stack):
    outcomes = clean_stack.outcomes()
    assert not unexpected(outcomes), report(outcomes)
