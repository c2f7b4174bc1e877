"""The hostile tests touch every service: wait a minute for one that is restarting (the stack is
shared while it is developed) rather than failing the whole module at once."""
from __future__ import annotations

import pytest

from shared.settings import SERVICE_PORTS
from shared.stack import Instance, wait_ready
from tests.conftest import url


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    not_ready = wait_ready([Instance(s) for s in SERVICE_PORTS], timeout=60)
    if not_ready:
        pytest.fail(f"the local stack is not ready ({not_ready}); run the tests with `make test`")
    return {s: url(s) for s in SERVICE_PORTS}
