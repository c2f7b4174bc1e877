"""The hostile tests touch every service: wait a minute for one that is restarting (the stack is
shared while it is developed) rather than failing the whole module at once."""
from __future__ import annotations

import pytest

from shared.settings import SERVICE_PORTS
from shared.stack import Instance, wait_ready
from tests.conftest import auth, eventually, url
from tests.integration.delivery.delivery_helpers import Setup


@pytest.fixture(scope="session")
def stack() -> dict[str, str]:
    not_ready = wait_ready([Instance(s) for s in SERVICE_PORTS], timeout=60)
    if not_ready:
        pytest.fail(f"the local stack is not ready ({not_ready}); run the tests with `make test`")
    return {s: url(s) for s in SERVICE_PORTS}


@pytest.fixture(scope="module")
async def provider(stack, kafka_bootstrap) -> Setup:
    """A provider on delivery's register (its records are judged, not refused as unknown_provider)."""
    import httpx
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        setup = await Setup(producer).register()
    finally:
        await producer.stop()
    async with httpx.AsyncClient(timeout=30) as http:
        async def known() -> bool:
            found = await http.get(f"{url('delivery')}/visits/rejected", params={"provider_id": setup.provider_id},
                                   headers=auth("ops"))
            return found.status_code == 200
        await eventually(known, timeout=30, what="delivery to know the provider")
    return setup
