"""HTTP in: a provider's visit records as a JSON batch, a CSV export or an XML service delivery file.

Each goes through the same pipeline as the Kafka feed and answers with a report: every record's
outcome for a JSON batch; for a file, the totals, the CSV columns read and ignored, and every bad row
(row, field, reason, message).
"""
from __future__ import annotations

import copy
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request

from contracts.ecm import TIME_FORMATS, EcmAttendance
from services.delivery import metrics
from services.delivery.api.access import PROVIDER_OR_OFFICER, feed_provider
from services.delivery.api.models import BatchReport, FileReport
from services.delivery.api.uploads import FILE_TYPES, MAX_FILE_BYTES, after_row, until_file_error
from services.delivery.domain.attendance import MAX_ID_LENGTH, MAX_TIME_LENGTH
from services.delivery.domain.parsing.csv_feed import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, open_visit_csv
from services.delivery.domain.parsing.xml_feed import open_service_delivery_file
from services.delivery.domain.rejects import FeedFileError, quoted
from services.delivery.domain.validation import DEFAULT_BATCH_SIZE, validate_batch, validate_feed
from services.delivery.steps.ingest import Feed, RecordOutcome, pipeline_of
from services.delivery.steps.intakes import IntakeRun, new_intake_id
from services.delivery.store.agreements import BOOK
from services.delivery.store.intakes import DuplicateFile, FileInProgress
from shared.auth import Principal, require
from shared.bounds import NO_NUL, Filter, PathId
from shared.http import cause_of, runtime_of
from shared.openapi import problem_responses
from shared.problems import ApiProblem
from shared.uploads import MULTIPART, ColumnReport, media_type_of, read_upload, upload_body_doc

router = APIRouter(tags=["feeds"])

MAX_BATCH_RECORDS = 50_000
MAX_BATCH_BYTES = 50 << 20
TIME_FIELDS = ("planned_start", "planned_end", "check_in", "check_out")


def _record_schema() -> dict[str, Any]:
    """EcmAttendance's schema with the bounds delivery holds each record to (a longer id or time, or one holding a
    NUL, is rejected)."""
    schema = copy.deepcopy(EcmAttendance.model_json_schema())
    for name, field in schema["properties"].items():
        bounded = MAX_TIME_LENGTH if name in TIME_FIELDS else MAX_ID_LENGTH
        for branch in field.get("anyOf", [field]):
            if branch.get("type") == "string" and "enum" not in branch:
                branch.setdefault("maxLength", bounded)
                branch.setdefault("pattern", NO_NUL)
    return schema


# The JSON batch as the document states it: an array whose items should be EcmAttendance records; an item that
# is not one is not refused with the batch, it is that record's rejection in the report (so any item is valid).
BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "array", "maxItems": MAX_BATCH_RECORDS,
    "items": {"anyOf": [_record_schema(),
                        {"description": "Any other item is received and reported as that record's rejection "
                                        "(reason, field, message)."}]}}}},
    "description": f"Up to {MAX_BATCH_RECORDS:,} visit records (contracts.ecm.EcmAttendance), each naming its "
                   "provider by one of the path's provider's CQC IDs."}}
FILE_BODY = upload_body_doc(tuple(FILE_TYPES), (
    "A CSV visit export or an XML service delivery file, up to 1 GiB (streamed). CSV: header row 1 names the columns, "
    "in any order (letter case, spaces and hyphens do not matter): "
    f"{', '.join(REQUIRED_COLUMNS)} required, {', '.join(OPTIONAL_COLUMNS)} optional (the fields of "
    "contracts.ecm.EcmAttendance); other columns are not read, and are listed in the report's columns.ignored; "
    "then one row per carer's attendance. XML: <ServiceDeliveryFile reference provider> (provider: a CQC ID of the "
    "path's provider) holding <ProviderContract reference> (the agreement), <ServiceWeek serviceUser weekEnding>, "
    "<Visit id plannedStart plannedEnd> and one <Carer id checkIn checkOut method exception> per carer. Times: "
    f"{TIME_FORMATS}."))


def outcome_out(o: RecordOutcome, *, index: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"index" if index else "row": o.row, "record_id": o.record_id, "location": o.location,
                           "outcome": o.outcome, "reason": o.reason, "field": o.field, "message": o.message}
    if o.visit_key:
        out["visit_key"] = o.visit_key
    if len(o.problems) > 1:
        out["problems"] = [{"field": p.field, "reason": p.reason, "message": p.message} for p in o.problems]
    return out


def _not_readable(msg: str, kind: str) -> ApiProblem:
    return ApiProblem(422, kind, f"body: {msg}", errors=[{"loc": ["body"], "msg": msg, "type": kind}])


@router.post("/providers/{provider_id}/visits", summary="Send a batch of visit records (JSON array)",
             response_model=BatchReport, openapi_extra=BATCH_BODY, responses={
                 413: {"description": f"More than {MAX_BATCH_RECORDS:,} records or {MAX_BATCH_BYTES >> 20} MiB: "
                                      "send a file"},
                 422: {"description": "The request is invalid, or the body is not a JSON array"}})
async def submit_visit_batch(provider_id: PathId, request: Request,
                             principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))]) -> Any:
    """Records as in the ECM contract (contracts.ecm.EcmAttendance); each one's outcome by its 0-based index.
    `provider_id` is the provider's id on the agreements register (PRV-…); a record whose `provider_ref` is
    not one of that provider's CQC provider or location IDs is rejected provider_mismatch. More than
    50,000 records is 413 (send a file)."""
    provider_id = await feed_provider(request, principal, provider_id)
    # The body is capped at MAX_BATCH_BYTES before and while it is read (app.py: body_caps; shared.limits).
    try:
        raws = json.loads(await request.body())
    except (ValueError, RecursionError) as e:
        raise _not_readable(f"not JSON: {e if isinstance(e, ValueError) else 'nested too deeply'}",
                            "json_invalid") from None
    if not isinstance(raws, list):
        raise _not_readable("send a JSON array of visit records", "list_type")
    if len(raws) > MAX_BATCH_RECORDS:
        raise ApiProblem(413, "too_many_records",
                         f"{len(raws)} records: send at most {MAX_BATCH_RECORDS} per batch, or a file")
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
             response_model=FileReport, openapi_extra=FILE_BODY, responses={
                 **problem_responses(415),
                 409: {"description": "This file's reference was already accepted for the provider (duplicate_file), "
                                      "or an upload of it is running now (file_in_progress)"},
                 413: {"description": "The file is larger than 1 GiB: split it by week"},
                 422: {"description": "The request is invalid, or the file as a whole cannot be read (its header "
                                      "or root element, a DOCTYPE, another provider's file): `code` says why"}})
async def upload_visit_file(provider_id: PathId, request: Request,
                            principal: Annotated[Principal, Depends(require(*PROVIDER_OR_OFFICER))],
                            file_reference: Annotated[Filter | None, Query(description=(
                                "CSV: the file's own reference, accepted once per provider (default: "
                                "sha256:<hex> of the content)"))] = None,
                            x_file_reference: Annotated[str | None, Header(max_length=200, description=(
                                "The same as file_reference, as a header"))] = None) -> Any:
    """The file as the request body (`text/csv`, `application/csv`, `application/xml`, `text/xml`) or as the
    part `file` of a multipart/form-data form; streamed, in bounded memory (up to 1 GiB; more is 413).
    Good rows are processed; every bad row is reported with its row number, field and reason, and a CSV's
    header columns as `columns.mapped` (read) and `columns.ignored` (extra or misspelt: not read). CSV: the
    reference is `file_reference` / `X-File-Reference` when given, else `sha256:<hex>` of the content. XML:
    the root element's `reference`; its `provider` attribute (a CQC ID) must be one of the path's provider's.
    A file already accepted is 409 duplicate_file; one whose header or root cannot be read is 422 with
    the reason as `code`. Who may send is checked before what was sent (403 before 415)."""
    provider_id = await feed_provider(request, principal, provider_id)
    in_form = media_type_of(request.headers.get("content-type")) == MULTIPART
    async with await read_upload(request, accept=tuple(FILE_TYPES), max_bytes=MAX_FILE_BYTES) as upload:
        kind = FILE_TYPES[upload.media_type]
        stream = await upload.spool()  # streamed and hashed; 413 once past the limit
        columns = None
        try:
            if kind == "csv":
                reader = open_visit_csv(stream)
                columns = ColumnReport(mapped=list(reader.mapped_columns), ignored=list(reader.ignored_columns))
                reference = file_reference or x_file_reference or f"sha256:{upload.sha256}"
            else:
                reader = open_service_delivery_file(stream)
                reference = reader.reference
                if BOOK.provider_id_for(reader.provider_ref) != provider_id:
                    raise FeedFileError("provider_mismatch", f"the file's provider {quoted(reader.provider_ref)} is "
                                        f"not a CQC ID of {provider_id} ({BOOK.refs_named(provider_id)}): "
                                        "upload each provider's file under its own provider_id")
        except FeedFileError as e:
            metrics.FEED_FILES.labels(kind, "refused").inc()
            raise ApiProblem(422, e.reason, e.message, errors=[{
                "loc": ["body", "file"] if in_form else ["body"], "msg": e.message, "type": e.reason,
                "row": e.line if kind == "csv" else None, "line": e.line, "columns": list(e.columns)}]) from None
        run = IntakeRun(runtime_of(request).pool, pipeline_of(runtime_of(request).outbox), cause_of(request, principal),
                        Feed(kind, new_intake_id(), provider_id, reference), principal.subject)
        try:
            await run.claim()
        except DuplicateFile as e:
            metrics.FEED_FILES.labels(kind, "duplicate").inc()
            raise ApiProblem(409, "duplicate_file", str(e)) from None
        except FileInProgress as e:
            raise ApiProblem(409, "file_in_progress", str(e)) from None
        file_errors: list[FeedFileError] = []
        rows = after_row(until_file_error(reader.rows(), file_errors), run.resume_after)
        for batch in validate_feed(rows, provider_ref=None):
            await run.process(batch)
        error = file_errors[0].message if file_errors else None
        report = await run.finish(error)
    metrics.FEED_FILES.labels(kind, "accepted").inc()
    rejects = [outcome_out(o) for o in run.listed]
    return {**report, "format": kind, "columns": columns, "rejects": rejects, "rejects_listed": len(rejects),
            "all_rejects": f"/visits/rejected?intake_id={report['intake_id']}"}
