"""What each service's Kafka principal may do: write the topics it owns, read the topics it consumes.

Ownership is `contracts/topics.py` (a service's event topics and its dead-letter topic); what a service
reads is its consumers' topics (`services/<name>/handlers`), and its own dead-letter topic, which
`carepay dlq list|replay` reads. Its consumer groups are named `<service>.<consumer>` and share the prefix
`<service>.`. These are the ACLs of a cluster that authorises (the SASL_SSL test grants exactly these).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from contracts.topics import SERVICES, TOPICS, dlq_topic


@dataclass(frozen=True)
class Access:
    service: str
    writes: tuple[str, ...]  # topics it publishes to
    reads: tuple[str, ...]  # topics it reads
    group_prefix: str  # every consumer group it joins starts with this

    @property
    def principal(self) -> str:
        """The Kafka principal of the service's SASL user (the user is named after the service)."""
        return f"User:{self.service}"


def access_of(service: str) -> Access:
    """The topics `service` writes and reads, and its consumer groups' prefix (ValueError for a service
    that is not one, or a consumer group outside the prefix)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    prefix = f"{service}."
    consumers = importlib.import_module(f"services.{service}.handlers").CONSUMERS
    stray = sorted(c.group_id for c in consumers if not c.group_id.startswith(prefix))
    if stray:
        raise ValueError(f"consumer groups of {service} outside its prefix {prefix!r}: {', '.join(stray)}")
    writes = tuple(t.name for t in TOPICS if t.owner == service)
    reads = tuple(sorted({c.topic for c in consumers} | {dlq_topic(service)}))
    return Access(service, writes, reads, prefix)
