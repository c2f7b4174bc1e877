"""HTTP: personal assistants' timesheets, submitted as JSON or CSV and approved or rejected by the employer
(or, for a council-managed direct payment, a finance or brokerage officer).

A PA sees only their own timesheets, a person only their own PAs'; anything else is 404. A timesheet with
any bad shift is refused whole: 422 with one entry per problem, each naming its shift (`shifts[i].field`) or
CSV row and column.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.auth import Principal, require
from shared.bounds import PathId, Reference
from shared.clock import utcnow
from shared.http import not_found, transaction
from shared.logging import get_logger
from shared.pagination import PAGED, Page, page_params, paged
from shared.problems import ApiProblem
from shared.schemas import inline_refs
from services.payments.api.models import ReasonIn, TimesheetIn
from services.payments.api.payroll_models import TimesheetOut, TimesheetSummaryOut
from services.payments.api.runs import FINANCE
from services.payments.api.uploads import (CSV, JSON, UPLOAD_PROBLEMS, UploadedText, columns_of, csv_upload_doc,
                                           invalid, uploaded)
from services.payments.domain.shift_pay import BANDS
from services.payments.domain.timesheet_csv import OPTIONAL, REQUIRED, parse_timesheet_csv
from services.payments.domain.timesheets import ShiftIn, TimesheetProblem, TimesheetRefused
from services.payments.metrics import TIMESHEETS
from services.payments.steps import timesheets as steps
from services.payments.steps.timesheets import may_see
from services.payments.store import timesheets as store

router = APIRouter(tags=["personal assistants: timesheets"])
log = get_logger(__name__)

SUBMITTERS = ("personal_assistant", "person", "finance_officer", "brokerage_officer")
DECIDERS = ("person", "finance_officer", "brokerage_officer")
READERS = ("personal_assistant", "person", "brokerage_officer", *FINANCE)
CSV_COLUMNS = REQUIRED + OPTIONAL

_SHEET = inline_refs(TimesheetIn.model_json_schema())
TIMESHEET_BODY = csv_upload_doc(
    "The timesheet: JSON (`{shifts: [...], direct_payment_id}`, or just the list of shifts), or a CSV file with a "
    "header row work_date,start,end (and optionally note), then one shift per row (dates YYYY-MM-DD or "
    "DD/MM/YYYY, times HH:MM, London)",
    json_schema={"anyOf": [_SHEET, {**_SHEET["properties"]["shifts"], "title": "Shifts"}]})


def refused(problems: Sequence[TimesheetProblem], file_loc: Sequence[str], code: str, what: str) -> ApiProblem:
    """422 `code` with one error per problem: a JSON shift's field (`body.shifts.2.end`), or a file's row and
    column (`row`, `column`, at `file_loc`)."""
    errors = []
    for p in problems:
        if p.loc and p.loc[0] == "row":
            row = p.loc[1] if len(p.loc) > 1 and isinstance(p.loc[1], int) else None
            column = str(p.loc[2]) if len(p.loc) > 2 else None
            errors.append({"loc": list(file_loc), "row": row, "column": column, "msg": p.message,
                           "type": "value_error"})
        else:
            errors.append({"loc": ["body", *p.loc], "msg": p.message, "type": "value_error"})
    return ApiProblem(422, code, f"{what} has {len(problems)} problem(s) (see errors): nothing of it is recorded",
                      errors=errors)


def _json_shifts(upload: UploadedText) -> tuple[list[ShiftIn], str | None]:
    """The shifts of a JSON timesheet (an object, or just the list of shifts), and the direct payment it names."""
    try:
        raw = json.loads(upload.text)
    except ValueError:
        raise invalid(upload.loc, "is not JSON: send {\"shifts\": [...]} or a CSV file", "json_invalid") from None
    try:
        body = TimesheetIn.model_validate({"shifts": raw} if isinstance(raw, list) else raw)
    except ValidationError as bad:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in bad.errors(include_url=False, include_context=False)]) from None
    return [ShiftIn(("shifts", n), f"shifts[{n}]", s.work_date, s.start, s.end, s.note)
            for n, s in enumerate(body.shifts)], body.direct_payment_id


def _shift_out(s) -> dict:
    return {"seq": s["seq"], "work_date": s["work_date"], "start": f"{s['start_time']:%H:%M}",
            "end": f"{s['end_time']:%H:%M}", "ends_next_day": s["end_time"] <= s["start_time"], "note": s["note"],
            "minutes": s["minutes"], "gross_pence": s["gross_pence"], "bands": s["bands"]}


async def _timesheet_out(conn, row) -> dict:
    shifts = await store.shifts_of(conn, row["timesheet_id"])
    minutes = {band.value: sum(b["minutes"] for s in shifts for b in s["bands"] if b["band"] == band.value)
               for band in BANDS}
    return {k: row[k] for k in ("timesheet_id", "pa_id", "direct_payment_id", "status", "source", "submitted_by",
                                "submitted_by_role", "submitted_at", "decided_by", "decided_at", "reason")} | {
        "shifts": [_shift_out(s) for s in shifts], "minutes_by_band": minutes,
        "minutes": sum(s["minutes"] for s in shifts), "gross_pence": sum(s["gross_pence"] for s in shifts)}


@router.post("/personal-assistants/{pa_id}/timesheets", status_code=201, response_model=TimesheetOut,
             responses=UPLOAD_PROBLEMS, openapi_extra=TIMESHEET_BODY,
             summary="Submit a PA's timesheet (JSON shifts, or CSV work_date,start,end[,note]); it is priced by "
                     "time band and awaits the employer's approval")
async def submit_timesheet(
        pa_id: PathId, request: Request, principal: Annotated[Principal, Depends(require(*SUBMITTERS))],
        direct_payment_id: Annotated[Reference | None, Query(
            description="The direct payment employing the PA, checked when given (JSON may name it instead)")] = None
) -> dict:
    upload = await uploaded(request, "the timesheet", accept=(CSV, JSON))
    source = "json" if upload.media_type == JSON else "csv"

    def read() -> tuple[list[ShiftIn], str | None]:
        return _json_shifts(upload) if source == "json" else (parse_timesheet_csv(upload.text), None)

    try:
        async with transaction(request) as conn:
            try:
                done = await steps.submit(conn, pa_id, read, source, principal, utcnow(),
                                          direct_payment_id=direct_payment_id)
            except LookupError:
                raise not_found(f"personal assistant {pa_id}") from None
            out = await _timesheet_out(conn, await store.timesheet(conn, done.timesheet_id))
    except TimesheetRefused as bad:
        TIMESHEETS.labels("refused").inc()
        raise refused(bad.problems, upload.loc, "timesheet_refused", "the timesheet") from None
    TIMESHEETS.labels("submitted").inc()
    log.info("timesheet submitted", timesheet_id=done.timesheet_id, pa_id=pa_id, shifts=len(done.shifts),
             source=source, by=principal.subject)
    if source == "csv":
        out["columns"] = columns_of(upload.text, CSV_COLUMNS)
    return out


@router.get("/personal-assistants/{pa_id}/timesheets", response_model=list[TimesheetSummaryOut], responses=PAGED,
            summary="A PA's timesheets, newest first, a page at a time")
async def list_timesheets(
        pa_id: PathId, request: Request, response: Response,
        principal: Annotated[Principal, Depends(require(*READERS))], page: Annotated[Page, Depends(page_params)],
        status: Annotated[Literal["submitted", "approved", "rejected"] | None, Query(
            description="Only timesheets in this status")] = None) -> list[dict]:
    after = page.after_key((datetime, str))
    async with transaction(request) as conn:
        pa = await store.personal_assistant(conn, pa_id)
        if pa is None or not may_see(principal, pa):
            raise not_found(f"personal assistant {pa_id}")
        rows = await store.timesheets_of(conn, pa_id, status, after, page.fetch)
    rows = paged(request, response, rows, page, key=lambda r: (r["submitted_at"], r["timesheet_id"]))
    return [{k: r[k] for k in ("timesheet_id", "status", "source", "submitted_by", "submitted_at", "decided_by",
                               "decided_at", "reason", "shifts", "minutes", "gross_pence", "first_day", "last_day")}
            for r in rows]


@router.get("/timesheets/{timesheet_id}", response_model=TimesheetOut,
            summary="A timesheet: its shifts priced by band, and its status")
async def get_timesheet(timesheet_id: PathId, request: Request,
                        principal: Annotated[Principal, Depends(require(*READERS))]) -> dict:
    async with transaction(request) as conn:
        row = await store.timesheet(conn, timesheet_id)
        pa = await store.personal_assistant(conn, row["pa_id"]) if row else None
        if pa is None or not may_see(principal, pa):
            raise not_found(f"timesheet {timesheet_id}")
        return await _timesheet_out(conn, row)


async def _decide(request: Request, timesheet_id: str, principal: Principal, approve: bool, reason: str = "") -> dict:
    async with transaction(request) as conn:
        try:
            decided = await steps.decide(conn, timesheet_id, principal, utcnow(), approve=approve, reason=reason)
        except LookupError:
            raise not_found(f"timesheet {timesheet_id}") from None
        out = await _timesheet_out(conn, await store.timesheet(conn, timesheet_id))
    TIMESHEETS.labels(decided.value).inc()
    log.info("timesheet decided", timesheet_id=timesheet_id, status=decided.value, by=principal.subject)
    return out


@router.post("/timesheets/{timesheet_id}/approve", response_model=TimesheetOut,
             summary="Approve a submitted timesheet (the employer; for a council-managed direct payment a finance or "
                     "brokerage officer who did not submit it): its hours count towards the week's gross pay")
async def approve_timesheet(timesheet_id: PathId, request: Request,
                            principal: Annotated[Principal, Depends(require(*DECIDERS))]) -> dict:
    return await _decide(request, timesheet_id, principal, True)


@router.post("/timesheets/{timesheet_id}/reject", response_model=TimesheetOut,
             summary="Reject a submitted timesheet, saying why")
async def reject_timesheet(timesheet_id: PathId, body: ReasonIn, request: Request,
                           principal: Annotated[Principal, Depends(require(*DECIDERS))]) -> dict:
    return await _decide(request, timesheet_id, principal, False, body.reason)
