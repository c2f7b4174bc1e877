"""HTTP in: a provider's visit records as a JSON batch, a CSV export or an XML service delivery file.

Each goes through the same pipeline as the Kafka feed and answers with a report: every record's
outcome for a JSON batch; for a file, the totals and every bad row (row, field, reason, message).
"""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status

from services.delivery import metrics
from services.delivery.api.access import PROVIDER_OR_OFFICER, feed_provider
from services.delivery.api.uploads import Upload, after_row, until_file_error
from services.delivery.domain.parsing.csv_feed import open_visit_csv
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError, quoted
from services.delivery.domain.validation import DEFAULT_BATCH_SIZE, validate_batch, validate_feed
from services.delivery.steps.ingest import Feed, RecordOutcome, pipeline_of
from services.delivery.steps.intakes import IntakeRun, new_intake_id
from services.delivery.store.agreements import BOOK
from services.delivery.store.intakes import DuplicateFile, FileInProgress
from shared.auth import Principal, require
from shared.http import cause_of, runtime_of

router = APIRouter(tags=["feeds"])

MAX_BATCH_RECORDS = 50_000
MAX_BATCH_BYTES = 50 << 20
FILE_TYPES = {"text/csv": "csv", "application/csv": "csv", "application/xml": "xml", "text/xml": "xml"}


def outcome_out(o: RecordOutcome, *, index: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"index" if index else "row": o.row, "record_id": o.record_id, "location": o.location,
                           "outcome": o.outcome, "reason": o.reason, "field": o.field, "message": o.message}
    if o.visit_key:
        out["visit_key"] = o.visit_key
    if len(o.problems) > 1:
        out["problems"] = [{"field": p.field, "reason": p.reason, "message": p.message} for p in o.problems]
    return out


@router.post("/providers/{provider_id}/visits", summary="Send a batch of visit records (JSON array)",
             responses={404: {"description": "No such provider_id (PRV-…) on the register"},
                        413: {"description": "Batch too big"}})
async def post_visits(provider_id: str, request: Request,
                      principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))]) -> dict[str, Any]:
    """Records as in the ECM contract (contracts.ecm.EcmAttendance); each one's outcome by its 0-based index.
    `provider_id` is the provider's id on the agreements register (PRV-…); a record whose `provider_ref` is
    not one of that provider's CQC provider or location IDs is rejected provider_mismatch."""
    provider_id = await feed_provider(request, principal, provider_id)
    # The body is capped at MAX_BATCH_BYTES before and while it is read (app.py: body_caps; shared.limits).
    try:
        raws = json.loads(await request.body())
    except (ValueError, RecursionError) as e:
        why = e if isinstance(e, ValueError) else "nested too deeply"
        raise HTTPException(422, detail=[{"loc": ["body"], "msg": f"not JSON: {why}", "type": "json_invalid"}]) from None
    if not isinstance(raws, list):
        raise HTTPException(422, detail=[{"loc": ["body"], "msg": "send a JSON array of visit records",
                                          "type": "list_type"}])
    if len(raws) > MAX_BATCH_RECORDS:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            detail=f"{len(raws)} records: send at most {MAX_BATCH_RECORDS} per batch, or a file")
    run = IntakeRun(runtime_of(request).pool, pipeline_of(runtime_of(request).outbox), cause_of(request, principal),
                    Feed("http", new_intake_id(), provider_id), principal.subject, keep_every_outcome=True)
    await run.claim()
    for start in range(0, len(raws), DEFAULT_BATCH_SIZE):
        chunk = raws[start:start + DEFAULT_BATCH_SIZE]
        await run.process(validate_batch(chunk, rows=range(start, start + len(chunk))))
    report = await run.finish()
    return {**report, "records": [outcome_out(o, index=True) for o in run.listed]}


@router.post("/providers/{provider_id}/visit-files",
             summary="Upload a CSV visit export or an XML service delivery file",
             responses={404: {"description": "No such provider_id (PRV-…) on the register"},
                        409: {"description": "This file was already accepted"},
                        415: {"description": "Not text/csv or application/xml"},
                        422: {"description": "The file as a whole cannot be read (header, root element)"}})
async def post_visit_file(provider_id: str, request: Request,
                          principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                          file_reference: Annotated[str | None, Query(max_length=200)] = None,
                          x_file_reference: Annotated[str | None, Header(max_length=200)] = None) -> dict[str, Any]:
    """Streamed, in bounded memory. Good rows are processed; every bad row is reported with its row
    number, field and reason. CSV: the reference is `file_reference` / `X-File-Reference` when given,
    else `sha256:<hex>` of the content. XML: the root element's `reference`; its `provider` attribute (a CQC
    ID) must be one of the path's provider's. Who may send is checked before what was sent."""
    provider_id = await feed_provider(request, principal, provider_id)
    kind = FILE_TYPES.get(request.headers.get("content-type", "").split(";")[0].strip().lower())
    if kind is None:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            detail="send Content-Type text/csv (visit export) or application/xml "
                                   "(service delivery file)")
    upload = await Upload().receive(request.stream())  # counted as it streams: 413 once past the limit
    try:
        try:
            if kind == "csv":
                reader = open_visit_csv(upload.file)
                reference = file_reference or x_file_reference or f"sha256:{upload.sha256}"
            else:
                reader = open_service_delivery_file(upload.file)
                reference = reader.reference
                if BOOK.provider_id_for(reader.provider_ref) != provider_id:
                    raise FeedFileError("provider_mismatch", f"the file's provider {quoted(reader.provider_ref)} is "
                                        f"not a CQC ID of {provider_id} ({BOOK.refs_named(provider_id)}): "
                                        "upload each provider's file under its own provider_id")
        except FeedFileError as e:
            metrics.FEED_FILES.labels(kind, "refused").inc()
            raise HTTPException(422, detail=[{"loc": ["body"], "msg": e.message, "type": e.reason, "line": e.line,
                                              "columns": list(e.columns)}]) from None
        run = IntakeRun(runtime_of(request).pool, pipeline_of(runtime_of(request).outbox), cause_of(request, principal),
                        Feed(kind, new_intake_id(), provider_id, reference), principal.subject)
        try:
            await run.claim()
        except DuplicateFile as e:
            metrics.FEED_FILES.labels(kind, "duplicate").inc()
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(e)) from None
        except FileInProgress as e:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(e)) from None
        file_errors: list[FeedFileError] = []
        rows = after_row(until_file_error(reader.rows(), file_errors), run.resume_after)
        for batch in validate_feed(rows, provider_ref=None):
            await run.process(batch)
        error = file_errors[0].message if file_errors else None
        report = await run.finish(error)
    finally:
        upload.close()
    metrics.FEED_FILES.labels(kind, "accepted").inc()
    rejects = [outcome_out(o) for o in run.listed]
    for reject in rejects:
        reject.pop("outcome")
    return {**report, "format": kind, "rejects": rejects, "rejects_listed": len(rejects),
            "all_rejects": f"/visits/rejected?intake_id={report['intake_id']}"}
