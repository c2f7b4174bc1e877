"""Queries' stack tests need the services whose events and APIs the flows go through, not requests or
reporting: those being restarted or migrated beside them must not fail these."""
from __future__ import annotations

import pytest

from shared.stack import Instance, ready
from tests.conftest import url

NEEDED = ("queries", "agreements", "delivery", "invoicing", "payments")


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    not_ready = {s: r for s in NEEDED if not (r := ready(Instance(s)))[0]}
    if not_ready:
        pytest.fail(f"the services queries' tests need are not ready ({not_ready}); run them with `make test`")
    return {s: url(s) for s in NEEDED}
