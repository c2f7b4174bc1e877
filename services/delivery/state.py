"""The one in-process copy of what delivery knows of agreements (every entrypoint refreshes it from
the database before use, so an instance that does not consume agreements.events is as current)."""
from __future__ import annotations

from services.delivery.ingest import Pipeline
from services.delivery.known_agreements import AgreementBook

BOOK = AgreementBook()


def pipeline_of(runtime) -> Pipeline:
    """The pipeline of a ServiceRuntime: this process's book and the runtime's outbox."""
    return Pipeline(BOOK, runtime.outbox)
