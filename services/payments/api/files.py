"""HTTP: export an approved run, download its files, upload what the bank paid or returned."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shared.auth import Principal, forbid_unless, require
from shared.bounds import PathId
from shared.clock import london_date, utcnow
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.logging import get_logger
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.models import ConfirmationOut, ExportOut, FileOut, PendingReturnOut
from services.payments.api.runs import FINANCE, REVIEWERS, counted
from services.payments.api.uploads import UPLOAD_PROBLEMS, columns_of, csv_upload_doc, rows_refused, uploaded
from services.payments.config import payments_config
from services.payments.domain.confirmation import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from services.payments.domain.two_person import DecisionKind
from services.payments.metrics import LAST_EXPORT, PAID_PENCE, TWO_PERSON_DECISIONS
from services.payments.steps import confirming, exporting
from services.payments.steps.confirming import ConfirmationRefused
from services.payments.store import files as store_files

router = APIRouter(tags=["payment files"])
# A bank's confirmation file (one short line per payment): the body is capped at this before and while
# it is read (app.py: body_caps; shared.limits).
MAX_CONFIRMATION_BYTES = 16 << 20
log = get_logger(__name__)

EXTENSIONS = {"bacs": ".txt", "pain001": ".xml", "journal": ".csv"}
CONFIRMATION_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def _url(run_id: str, name: str) -> str:
    return f"/payment-runs/{run_id}/files/{name}"


DOWNLOAD = {200: {
    "description": "The file's bytes, as stored at export: the Bacs Standard 18 file (text/plain, US-ASCII), the "
                   "pain.001 (application/xml), the journal or a remittance advice as CSV (text/csv), or a "
                   "remittance advice as HTML (text/html)",
    "content": {media: {"schema": {"type": "string"}} for media in
                ("text/plain", "application/xml", "text/csv", "text/html")},
    "headers": {"Content-Disposition": {"description": "attachment; filename=\"<run_id>-<name>\"",
                                        "schema": {"type": "string"}},
                "X-Content-SHA256": {"description": "Hex SHA-256 of the file's bytes (as in the run's file list)",
                                     "schema": {"type": "string"}}}}}


def _file_out(run_id: str, f) -> FileOut:
    return FileOut(name=f["name"], kind=f["kind"], sha256=f["sha256"], size_bytes=f["size_bytes"],
                   url=_url(run_id, f["name"]))


@router.post("/payment-runs/{run_id}/export", response_model=ExportOut,
             summary="Write and store an approved run's files (again: the same bytes, checked)")
async def export_payment_run(run_id: PathId, request: Request,
                             principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> ExportOut:
    with counted("export"):
        async with transaction(request) as conn:
            try:
                done = await exporting.export(conn, run_id, principal.subject, payments_config(),
                                              runtime_of(request).outbox, cause_of(request, principal))
            except LookupError:
                raise not_found(f"payment run {run_id}") from None
            listing = await store_files.listing(conn, run_id, None, None)
    run = done.stored.run
    if done.first_time:  # counted once the files and events are committed
        for p in run.payments:
            PAID_PENCE.labels(p.payee_kind.value).inc(p.amount_pence)
        LAST_EXPORT.set(utcnow().timestamp())
        log.info("payment run exported", run_id=run_id, payments=len(run.payments), total_pence=run.total_pence)
    return ExportOut(run_id=run_id, first_export=done.first_time, total_pence=run.total_pence,
                     files=[_file_out(run_id, f) for f in listing])


@router.get("/payment-runs/{run_id}/files", response_model=list[FileOut], responses=PAGED,
            summary="The exported files of a run, by name, a page at a time (none until it is exported)")
async def list_payment_files(run_id: PathId, request: Request, response: Response,
                             principal: Annotated[Principal, Depends(require(*FINANCE))],
                             page: Annotated[Page, Depends(page_params)]) -> list[FileOut]:
    after = page.after_key((str,))
    async with transaction(request) as conn:
        if not await store_files.run_exists(conn, run_id):
            raise not_found(f"payment run {run_id}")
        listing = await store_files.listing(conn, run_id, after[0] if after else None, page.fetch)
    return [_file_out(run_id, f) for f in paged(request, response, listing, page, key=lambda f: (f["name"],))]


@router.get("/payment-runs/{run_id}/files/{name:path}", response_class=Response, responses=DOWNLOAD,
            summary="Download a file of an exported run: bacs, pain001, journal, remittance/{provider_id}.csv "
                    "or remittance/{provider_id}.html (a provider: its own remittance advice only)")
async def download_payment_file(run_id: PathId, name: PathId, request: Request,
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


@router.post("/payment-runs/{run_id}/confirmations", response_model=ConfirmationOut, responses=UPLOAD_PROBLEMS,
             summary="Record what the bank paid or returned (CSV: payment_reference,status,reason[,amount]); "
                     "a return is pending until a different finance approver approves it",
             openapi_extra=csv_upload_doc("The bank's report: a header row payment_reference,status,reason and "
                                          "optionally amount (pounds), then one row per payment (status paid or "
                                          "returned; a return names the bank's reason); other columns are "
                                          "ignored and listed in the answer's columns.ignored"))
async def upload_payment_confirmations(run_id: PathId, request: Request,
                                       principal: Annotated[Principal, Depends(require(*REVIEWERS))]
                                       ) -> ConfirmationOut:
    upload = await uploaded(request, "the bank's confirmation CSV")
    with counted("confirm"):
        async with transaction(request) as conn:
            try:
                done = await confirming.confirm(conn, run_id, upload.text, london_date(utcnow()), principal,
                                                runtime_of(request).outbox, cause_of(request, principal))
            except LookupError:
                raise not_found(f"payment run {run_id}") from None
            except ConfirmationRefused as bad:
                raise rows_refused("confirmation_rows_invalid",
                                   f"the bank's report has {len(bad.problems)} row(s) that cannot be used (see "
                                   "errors): nothing of it is recorded", upload.loc,
                                   [(p.row, p.field, p.message) for p in bad.problems]) from None
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
                           already_recorded=done.already_recorded,
                           columns=columns_of(upload.text, CONFIRMATION_COLUMNS))
