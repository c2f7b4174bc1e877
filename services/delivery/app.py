"""Wiring of the delivery monitoring service (no logic here)."""
from pathlib import Path

from contracts import delivery as contract
from services.delivery.api import ROUTERS
from services.delivery.api.feeds import MAX_BATCH_BYTES
from services.delivery.api.uploads import FORM_ROOM, MAX_FILE_BYTES
from services.delivery.handlers import CONSUMERS
from services.delivery.jobs import JOBS
from shared.service import create_service

app = create_service(
    "delivery",
    service_dir=Path(__file__).parent,
    routers=ROUTERS,
    consumers=CONSUMERS,
    publishes={contract.TOPIC: [
        contract.VisitVerified, contract.VisitCorrected, contract.VisitMissed, contract.VisitUnallocated,
        contract.UnallocatedVisitResolved, contract.VisitRejected, contract.AttendancesReceived,
        contract.PeriodActualsConfirmed, contract.VisitReverificationRefused,
    ]},
    description="Provider call-monitoring feeds in; verified visits and confirmed actuals out.",
    background=JOBS,
    # Uploads may pass the 1 MiB default body cap, up to their own limits (a form's file: the file's own
    # limit, checked as it is read, plus room for the form around it).
    body_caps={"/providers/{provider_id}/visits": MAX_BATCH_BYTES,
               "/providers/{provider_id}/visit-files": MAX_FILE_BYTES + FORM_ROOM},
)
