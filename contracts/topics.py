"""The topic registry: every topic Carepay uses, who owns it, how it is keyed and kept.

`make up` creates these topics (`shared.kafka_io.create_topics`). A service publishes only to topics it
owns; a service's dead-letter topic is `<service>.dlq`.
"""
from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    key: str
    partitions: int
    retention_ms: int
    description: str


SERVICES = ("requests", "agreements", "delivery", "invoicing", "payments", "queries", "reporting")

# Business event topics are kept forever (-1): reporting rebuilds its read models by replaying them.
# agreements.payee-accounts is the exception: it carries bank details to payments, which keeps its own copy.
TOPICS: tuple[Topic, ...] = (
    Topic("requests.events", "requests", "request_id", 3, -1, "Lifecycle of requests for service."),
    Topic("agreements.events", "agreements", "agreement_id or provider_id", 6, -1,
          "Providers, whether bank details are verified (never the details), agreements, direct payments, "
          "commitments."),
    # Bank details and direct-payment payees' names: for payments alone, and not kept for ever.
    Topic("agreements.payee-accounts", "agreements", "provider_id or agreement_id", 6, 30 * DAY_MS,
          "Bank details entered and verified, and direct payments' payee accounts: consumed only by payments."),
    Topic("ecm.visits", "providers", "provider_ref", 6, 30 * DAY_MS,
          "Raw call-monitoring attendances published by providers' ECM systems (not enveloped)."),
    Topic("delivery.events", "delivery", "agreement_id (provider_id for unmatched records)", 6, -1, "Verified, missed, corrected visits; period actuals."),
    Topic("invoicing.events", "invoicing", "invoice_id", 6, -1, "Invoices, credit notes, holds and approvals."),
    Topic("payments.events", "payments", "run_id, provider_id, invoice_id or agreement_id", 3, -1,
          "Payment runs, payments, returns, invoices paid, direct payments."),
    Topic("queries.events", "queries", "query_id", 3, -1, "Queries, disputes and their effects."),
) + tuple(
    Topic(f"{service}.dlq", service, "original key", 1, 90 * DAY_MS,
          f"Messages the {service} service could not process, with headers naming why.")
    for service in SERVICES
)

BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}


def dlq_topic(service: str) -> str:
    """The dead-letter topic of `service`."""
    return f"{service}.dlq"
