"""When the broker refuses a producer for good (its sequence broke over a broker restart), the outbox
relay publishes with a new one instead of retrying the refused one for ever; other errors keep it."""
from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError, OutOfOrderSequenceNumber

from shared.outbox import OutboxRelay


class Listener:
    def is_closed(self) -> bool:
        return False

    async def add_listener(self, channel, callback) -> None:
        pass


class Pool:
    async def acquire(self):
        return Listener()

    async def release(self, conn) -> None:
        pass


class Relay(OutboxRelay):
    """The relay's loop, with each publish answered by its producer's next outcome."""

    async def publish_batch(self) -> int:
        outcome = self.producer.outcomes.pop(0) if self.producer.outcomes else 0
        if isinstance(outcome, Exception):
            raise outcome
        self.producer.published += outcome
        return outcome

    async def _observe_backlog(self) -> None:
        pass


class Producer:
    def __init__(self, *outcomes) -> None:
        self.outcomes, self.published = list(outcomes), 0


async def run_briefly(relay: Relay, seconds: float) -> None:
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_producer_out_of_sequence_is_replaced_and_the_rows_go_out_with_the_new_one():
    broken, fresh = Producer(*[OutOfOrderSequenceNumber()] * 50), Producer(3)
    made = []

    async def renew():
        made.append(fresh)
        return fresh

    relay = Relay(Pool(), broken, service="svc", schema="svc", renew_producer=renew)
    await run_briefly(relay, 1.2)  # one refusal, half a second's pause, then the new producer
    assert made == [fresh] and relay.producer is fresh
    assert fresh.published == 3


async def test_a_broker_that_is_away_is_waited_for_with_the_same_producer():
    producer = Producer(KafkaConnectionError(), KafkaConnectionError(), 2)
    renewed = []

    async def renew():
        renewed.append(True)
        return Producer()

    relay = Relay(Pool(), producer, service="svc", schema="svc", renew_producer=renew)
    await run_briefly(relay, 2.0)  # two refusals: pauses of 0.5 s and 1 s
    assert renewed == [] and relay.producer is producer
    assert producer.published == 2
