"""shared/kafka_access.py: the topics each service's principal writes and reads; and that the events whose size
the contracts bound fit the 1 MB a topic takes."""
from __future__ import annotations

from datetime import date

import pytest

from contracts.envelope import Actor
from contracts.payments import INVOICE_IDS_PER_PART, PaymentRunApproved
from contracts.topics import SERVICES, TOPICS
from services.invoicing.domain.invoice import new_invoice_id
from shared.events import Cause, envelope_for
from shared.kafka_access import access_of
from shared.kafka_security import DEFAULT_MAX_MESSAGE_BYTES
from shared.outbox import envelope_headers


def test_a_service_writes_exactly_the_topics_it_owns():
    written = {topic: service for service in SERVICES for topic in access_of(service).writes}
    assert written == {t.name: t.owner for t in TOPICS if t.owner in SERVICES}
    assert access_of("requests").writes == ("requests.events", "requests.dlq")
    assert access_of("reporting").writes == ("reporting.dlq",)  # reporting publishes nothing else


def test_a_service_reads_what_its_consumers_read_and_its_own_dead_letters():
    assert access_of("requests").reads == ("agreements.events", "requests.dlq")
    readers = {service for service in SERVICES if "agreements.payee-accounts" in access_of(service).reads}
    assert readers == {"payments"}  # bank details reach payments alone
    for service in SERVICES:
        access = access_of(service)
        assert f"{service}.dlq" in access.reads
        assert access.group_prefix == f"{service}." and access.principal == f"User:{service}"


def test_an_unknown_service_is_refused():
    with pytest.raises(ValueError, match="unknown service 'ecm'"):
        access_of("ecm")


def test_the_largest_payment_run_approval_part_fits_a_topics_message_size():
    """PaymentRunApproved lists at most INVOICE_IDS_PER_PART invoices (32-character ids): one part, enveloped
    with its headers, fits in CAREPAY_KAFKA_MAX_MESSAGE_BYTES' default with room to spare."""
    event = PaymentRunApproved(run_id="RUN-2026-0001", run_number=1, kind="four_weekly", pay_date=date(2026, 4, 10),
                               total_pence=10**12, payment_count=INVOICE_IDS_PER_PART,
                               invoice_ids=[new_invoice_id() for _ in range(INVOICE_IDS_PER_PART)],
                               approved_by="user-approver-0001", part=1, parts=1)
    envelope = envelope_for(event, producer="payments", council_id="a-council-of-some-length",
                            cause=Cause("corr-" + "x" * 36, "cause-" + "y" * 36, Actor(id="u" * 40, role="finance_approver")))
    size = len(envelope.model_dump_json()) + sum(len(k) + len(v) for k, v in envelope_headers(envelope).items())
    assert size < DEFAULT_MAX_MESSAGE_BYTES // 2, size
