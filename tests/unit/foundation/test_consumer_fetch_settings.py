"""Consumers that need not react within a moment gather larger fetches; everyone else is answered at once."""
from __future__ import annotations

from pathlib import Path

from contracts import delivery
from services.delivery.handlers.ecm import ECM
from services.invoicing.handlers.delivery import DELIVERY as INVOICING_DELIVERY
from services.queries.handlers.delivery import DELIVERY as QUERIES_DELIVERY
from services.reporting.handlers.delivery import DELIVERY as REPORTING_DELIVERY
from shared.service import GATHER_BYTES, ServiceRuntime
from shared.settings import settings_for


def _fetch_settings(consumer) -> dict[str, int]:
    runtime = ServiceRuntime(settings_for("queries"), Path("services/queries"), [consumer], {})
    [(_, subscriber)] = runtime._subscribers
    args = subscriber._connection_args  # what faststream hands to the AIOKafkaConsumer it starts
    return {k: args[k] for k in ("fetch_min_bytes", "fetch_max_wait_ms")}


def test_the_delivery_streams_read_models_gather_a_fetch_for_a_quarter_of_a_second():
    for consumer in (REPORTING_DELIVERY, QUERIES_DELIVERY, INVOICING_DELIVERY):
        assert consumer.topic == delivery.TOPIC
        assert _fetch_settings(consumer) == {"fetch_min_bytes": GATHER_BYTES, "fetch_max_wait_ms": 250}, consumer.name


def test_the_attendance_stream_itself_is_answered_as_soon_as_a_record_is_there():
    assert _fetch_settings(ECM) == {"fetch_min_bytes": 1, "fetch_max_wait_ms": 500}
