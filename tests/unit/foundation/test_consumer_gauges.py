"""The consumer gauges say which partitions an instance holds, and forget those it no longer holds."""
from __future__ import annotations

from aiokafka import TopicPartition

from shared.consumer_gauges import ConsumerGauges
from shared.metrics import REGISTRY


class FakeMember:
    """What the gauges read of an aiokafka consumer: assignment, high watermarks, committed offsets."""

    def __init__(self, held: dict[int, tuple[int, int]]) -> None:
        self.held = held  # partition -> (high watermark, committed)

    def assignment(self):
        return {TopicPartition("t.events", p) for p in self.held}

    def highwater(self, tp):
        return self.held[tp.partition][0]

    async def committed(self, tp):
        return self.held[tp.partition][1]


def lag(consumer: str, partition: int):
    return REGISTRY.get_sample_value("carepay_consumer_lag", {"service": "svc", "consumer": consumer,
                                                              "topic": "t.events", "partition": str(partition)})


def assigned(consumer: str):
    return REGISTRY.get_sample_value("carepay_consumer_assigned_partitions",
                                     {"service": "svc", "consumer": consumer, "topic": "t.events"})


async def test_lag_is_the_high_watermark_less_the_committed_offset_of_each_partition_held():
    gauges = ConsumerGauges("svc", "svc.lag")
    await gauges.observe(FakeMember({0: (10, 4), 1: (7, 7)}))
    assert (lag("svc.lag", 0), lag("svc.lag", 1), assigned("svc.lag")) == (6, 0, 2)


async def test_a_partition_moved_to_another_instance_loses_its_lag_and_its_count():
    gauges = ConsumerGauges("svc", "svc.moved")
    await gauges.observe(FakeMember({0: (10, 4), 1: (9, 2)}))
    await gauges.observe(FakeMember({1: (9, 9)}))  # a second instance took partition 0 while it lagged
    assert lag("svc.moved", 0) is None
    assert (lag("svc.moved", 1), assigned("svc.moved")) == (0, 1)
    await gauges.observe(FakeMember({}))
    assert assigned("svc.moved") == 0


async def test_a_partition_never_committed_counts_every_record_as_lag():
    gauges = ConsumerGauges("svc", "svc.new")
    await gauges.observe(FakeMember({3: (5, None)}))
    assert lag("svc.new", 3) == 5
