"""HTTP: export an approved run, download its files, upload what the bank paid or returned."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shared.auth import Principal, forbid_unless, require
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from services.payments.api.models import ConfirmationOut, ExportOut, FileOut, PendingReturnOut
from services.payments.api.runs import FINANCE, REVIEWERS, counted
from services.payments.api.uploads import uploaded_text
from services.payments.config import payments_config
from services.payments.domain.two_person import DecisionKind
from services.payments.metrics import LAST_EXPORT, PAID_PENCE, TWO_PERSON_DECISIONS
from services.payments.steps import confirming, exporting
from services.payments.store import files as store_files

router = APIRouter(tags=["payment files"])
# A bank's confirmation file (one short line per payment): the body is capped at this before and while
# it is read (app.py: body_caps; shared.limits).
MAX_CONFIRMATION_BYTES = 16 << 20
log = get_logger(__name__)

EXTENSIONS = {"bacs": ".txt", "pain001": ".xml", "journal": ".csv"}


def _url(run_id: str, name: str) -> str:
    return f"/payment-runs/{run_id}/files/{name}"


@router.post("/payment-runs/{run_id}/export", response_model=ExportOut,
             summary="Write and store an approved run's files (again: the same bytes, checked)")
async def export_run(run_id: str, request: Request,
                     principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> ExportOut:
    with counted("export"):
        async with transaction(request) as conn:
            try:
                done = await exporting.export(conn, run_id, principal.subject, payments_config(),
                                              runtime_of(request).outbox, cause_of(request, principal))
            except LookupError:
                raise not_found(f"payment run {run_id}") from None
            listing = await store_files.listing(conn, run_id)
    run = done.stored.run
    if done.first_time:  # counted once the files and events are committed
        for p in run.payments:
            PAID_PENCE.labels(p.payee_kind.value).inc(p.amount_pence)
        LAST_EXPORT.set(utcnow().timestamp())
        log.info("payment run exported", run_id=run_id, payments=len(run.payments), total_pence=run.total_pence)
    return ExportOut(run_id=run_id, first_export=done.first_time, total_pence=run.total_pence,
                     files=[FileOut(name=f["name"], kind=f["kind"], sha256=f["sha256"], size_bytes=f["size_bytes"],
                                    url=_url(run_id, f["name"])) for f in listing])


@router.get("/payment-runs/{run_id}/files", response_model=list[FileOut], summary="The exported files of a run")
async def list_files(run_id: str, request: Request,
                     principal: Annotated[Principal, Depends(require(*FINANCE))]) -> list[FileOut]:
    async with transaction(request) as conn:
        listing = await store_files.listing(conn, run_id)
    return [FileOut(name=f["name"], kind=f["kind"], sha256=f["sha256"], size_bytes=f["size_bytes"],
                    url=_url(run_id, f["name"])) for f in listing]


@router.get("/payment-runs/{run_id}/files/{name:path}", summary="Download a file: bacs, pain001, journal, "
                                                                  "remittance/{provider}.csv or .html",
            response_class=Response)
async def download(run_id: str, name: str, request: Request,
                   principal: Annotated[Principal, Depends(require(*FINANCE, "provider"))]) -> Response:
    async with transaction(request) as conn:
        row = await store_files.content(conn, run_id, name)
    if row is None:
        raise not_found(f"file {name} of payment run {run_id} (is the run exported?)")
    # A provider may fetch its own remittance advice, nothing else.
    forbid_unless(principal.role != "provider" or (row["payee_id"] is not None
                                                   and principal.may_see_provider(row["payee_id"])),
                  "a provider sees only its own remittance advice")
    filename = name.replace("/", "-") + EXTENSIONS.get(name, "")
    return Response(bytes(row["content"]), media_type=row["media_type"],
                    headers={"Content-Disposition": f'attachment; filename="{run_id}-{filename}"',
                             "X-Content-SHA256": row["sha256"]})





@router.post("/payment-runs/{run_id}/confirmations", response_model=ConfirmationOut,
             summary="Record what the bank paid or returned (CSV: payment_reference,status,reason[,amount]); "
                     "a return is pending until a different finance approver approves it",
             openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
async def confirm(run_id: str, request: Request,
                  principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> ConfirmationOut:
    text = await uploaded_text(request, "the bank's confirmation CSV")
    with counted("confirm"):
        async with transaction(request) as conn:
            try:
                done = await confirming.confirm(conn, run_id, text, london_date(utcnow()), principal,
                                                runtime_of(request).outbox, cause_of(request, principal))
            except LookupError:
                raise not_found(f"payment run {run_id}") from None
    recorded = {p.reference: d for p, d in done.returns_pending}
    TWO_PERSON_DECISIONS.labels(DecisionKind.PAYMENT_RETURN.value, "recorded").inc(len(recorded))
    for alert in done.alerts:
        # The finance alert: ids and amounts only (never the payee's name or account).
        log.warning("FINANCE ALERT: payment returned by the bank (recorded; a second person approves it)",
                    run_id=run_id, payment_reference=alert.payment_reference, payee_id=alert.payee_id,
                    amount_pence=alert.amount_pence, return_id=recorded[alert.payment_reference].decision_id,
                    reason=recorded[alert.payment_reference].reason)
    return ConfirmationOut(run_id=run_id, paid=[p.reference for p in done.paid],
                           returns_pending=[PendingReturnOut(return_id=d.decision_id, payment_reference=p.reference)
                                            for p, d in done.returns_pending],
                           already_recorded=done.already_recorded)
