"""Schemathesis against every service on a stack loaded with the demo council's month (the session's
`month` fixture: the end-to-end tests' council, with invoices, credit notes, runs and queries to reach):
every operation, all phases and checks, valid and invalid input, zero failures (see fuzz.py).

It runs last in the session (`last` marker): its valid input leaves records other tests do not expect.
tests/api/test_openapi_clean_stack.py runs the same on the stack before any test has written to it.
"""
from __future__ import annotations

import pytest

from tests.integration.hostile.fuzz import fuzz_every_service, report, unexpected

pytestmark = [pytest.mark.stack, pytest.mark.last]

MAX_EXAMPLES = 5


async def test_every_operation_on_the_demo_council(stack, month):
    outcomes = await fuzz_every_service(MAX_EXAMPLES)
    assert not unexpected(outcomes), report(outcomes)
