"""Delivery's stack tests need Kafka, Postgres, delivery and agreements, not every service: other
services being restarted or migrated beside them must not fail these."""
from __future__ import annotations

import pytest

from shared.stack import Instance, ready
from tests.conftest import url

NEEDED = ("delivery", "agreements")


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    not_ready = {s: r for s in NEEDED if not (r := ready(Instance(s)))[0]}
    if not_ready:
        pytest.fail(f"the services delivery's tests need are not ready ({not_ready}); run them with `make test`")
    return {s: url(s) for s in NEEDED}
