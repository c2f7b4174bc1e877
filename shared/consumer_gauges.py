"""What each consumer of this process holds and how far behind it is, as Prometheus gauges.

`carepay_consumer_assigned_partitions{service, consumer, topic}` counts the partitions Kafka gave
this instance (with two instances, each holds part of the topic; the sum is its partitions);
`carepay_consumer_lag{service, consumer, topic, partition}` is the high watermark minus the
committed offset of each partition it holds. A partition that moves to another instance in a
rebalance is forgotten here: its last lag would otherwise stay on the dashboard for ever.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from shared.metrics import CONSUMER_ASSIGNED, CONSUMER_LAG


class ConsumerGauges:
    """The gauges of one consumer group member (an aiokafka consumer) of one service process."""

    def __init__(self, service: str, consumer: str) -> None:
        self.service, self.consumer = service, consumer
        self._partitions: set[tuple[str, int]] = set()
        self._topics: set[str] = set()

    async def observe(self, kafka_consumer: Any) -> None:
        """Read the member's assignment, positions and committed offsets once."""
        assigned = set(kafka_consumer.assignment())
        held = {(tp.topic, tp.partition) for tp in assigned}
        counts = Counter(topic for topic, _ in held)
        for topic in self._topics | set(counts):
            CONSUMER_ASSIGNED.labels(self.service, self.consumer, topic).set(counts.get(topic, 0))
        self._topics |= set(counts)
        for topic, partition in self._partitions - held:
            try:
                CONSUMER_LAG.remove(self.service, self.consumer, topic, str(partition))
            except KeyError:
                pass
        self._partitions = held
        for tp in assigned:
            high = kafka_consumer.highwater(tp)
            if high is None:
                continue
            committed = await kafka_consumer.committed(tp) or 0
            CONSUMER_LAG.labels(self.service, self.consumer, tp.topic, str(tp.partition)).set(max(high - committed, 0))
