"""Dead letters: a record a consumer gave up on, and the headers it goes to `<service>.dlq` with."""
from __future__ import annotations

import time
from dataclasses import dataclass

from shared.records import Incoming
from shared.redaction import describe


@dataclass
class DeadLetter:
    message: Incoming
    reason: str
    error: str



def dlq_headers(letter: DeadLetter, consumer: str) -> list[tuple[str, bytes]]:
    """The original headers plus where the message came from and why it was dead-lettered."""
    m = letter.message
    extra = {
        "dlq_original_topic": m.topic,
        "dlq_original_partition": str(m.partition),
        "dlq_original_offset": str(m.offset),
        "dlq_consumer": consumer,
        "dlq_reason": letter.reason,
        "dlq_error": describe(letter.error, limit=1000),  # masked whatever wrote it (a handler's Poison too)
        "dlq_failed_at": str(int(time.time() * 1000)),
    }
    merged = {k: v for k, v in m.headers.items() if not k.startswith("dlq_")} | extra
    return [(k, v.encode()) for k, v in merged.items()]
