"""HTTP: personal assistants' timesheets, submitted as JSON or CSV and approved or rejected by the employer
(or, for a council-managed direct payment, a finance or brokerage officer).

A PA sees only their own timesheets, a person only their own PAs'; anything else is 404. A timesheet with
any bad shift is refused whole: 422 with one entry per problem, each naming its shift (`shifts[i].field`) or
CSV row and column.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from shared.auth import Principal, require
from shared.bounds import Reference
from shared.clock import utcnow
from shared.http import not_found, transaction
from shared.logging import get_logger
from shared.schemas import inline_refs
from services.payments.api.models import ReasonIn, TimesheetIn
from services.payments.api.runs import FINANCE
from services.payments.api.uploads import uploaded_text
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.shift_pay import BANDS
from services.payments.domain.timesheet_csv import parse_timesheet_csv
from services.payments.domain.timesheets import ShiftIn, TimesheetRefused
from services.payments.metrics import TIMESHEETS
from services.payments.steps import timesheets as steps
from services.payments.steps.timesheets import may_see
from services.payments.store import timesheets as store

router = APIRouter(tags=["personal assistants: timesheets"])
log = get_logger(__name__)

SUBMITTERS = ("personal_assistant", "person", "finance_officer", "brokerage_officer")
DECIDERS = ("person", "finance_officer", "brokerage_officer")
READERS = ("personal_assistant", "person", "brokerage_officer", *FINANCE)



_CSV = {"schema": {"type": "string", "description": "work_date,start,end[,note]; header row 1"}}
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": inline_refs(TimesheetIn.model_json_schema())}, "text/csv": _CSV,
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary", "maxLength": 1 << 20}}}}}}}


def refused(problems) -> RequestValidationError:
    """422 with one entry per problem, in FastAPI's own error shape."""
    return RequestValidationError([{"loc": ["body", *p.loc], "msg": p.message, "type": "value_error"}
                                   for p in problems])


async def _shifts(request: Request) -> tuple[list[ShiftIn], str, str | None]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            raw = await request.json()
            body = TimesheetIn.model_validate({"shifts": raw} if isinstance(raw, list) else raw)
        except ValueError as bad:
            if isinstance(bad, ValidationError):
                raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                              for e in bad.errors(include_url=False, include_context=False)]) from None
            raise PaymentRefused("body", "is not JSON") from None
        return [ShiftIn(("shifts", n), f"shifts[{n}]", s.work_date, s.start, s.end, s.note)
                for n, s in enumerate(body.shifts)], "json", body.direct_payment_id
    if kind in ("text/csv", "application/csv", "multipart/form-data"):
        return parse_timesheet_csv(await uploaded_text(request, "the timesheet CSV")), "csv", None
    raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                        detail="send application/json, text/csv, or a multipart form with the CSV as 'file'")


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


@router.post("/personal-assistants/{pa_id}/timesheets", status_code=201, openapi_extra=_BODY,
             summary="Submit a PA's timesheet (JSON shifts, or CSV work_date,start,end[,note]); it is priced by "
                     "time band and awaits the employer's approval")
async def submit(pa_id: str, request: Request, principal: Annotated[Principal, Depends(require(*SUBMITTERS))],
                 direct_payment_id: Reference | None = None) -> dict:
    try:
        shifts, source, named = await _shifts(request)
        async with transaction(request) as conn:
            try:
                done = await steps.submit(conn, pa_id, shifts, source, principal, utcnow(),
                                          direct_payment_id=named or direct_payment_id)
            except LookupError:
                raise not_found(f"personal assistant {pa_id}") from None
            out = await _timesheet_out(conn, await store.timesheet(conn, done.timesheet_id))
    except TimesheetRefused as bad:
        TIMESHEETS.labels("refused").inc()
        raise refused(bad.problems) from None
    TIMESHEETS.labels("submitted").inc()
    log.info("timesheet submitted", timesheet_id=done.timesheet_id, pa_id=pa_id, shifts=len(shifts), source=source,
             by=principal.subject)
    return out


@router.get("/personal-assistants/{pa_id}/timesheets", summary="A PA's timesheets, newest first")
async def list_timesheets(pa_id: str, request: Request, principal: Annotated[Principal, Depends(require(*READERS))],
                          status: Literal["submitted", "approved", "rejected"] | None = None,
                          limit: int = 100) -> list[dict]:
    async with transaction(request) as conn:
        pa = await store.personal_assistant(conn, pa_id)
        if pa is None or not may_see(principal, pa):
            raise not_found(f"personal assistant {pa_id}")
        rows = await store.timesheets_of(conn, pa_id, status, min(max(limit, 1), 500))
    return [{k: r[k] for k in ("timesheet_id", "status", "source", "submitted_by", "submitted_at", "decided_by",
                               "decided_at", "reason", "shifts", "minutes", "gross_pence", "first_day", "last_day")}
            for r in rows]


@router.get("/timesheets/{timesheet_id}", summary="A timesheet: its shifts priced by band, and its status")
async def get_timesheet(timesheet_id: str, request: Request,
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


@router.post("/timesheets/{timesheet_id}/approve",
             summary="Approve a submitted timesheet (the employer; for a council-managed direct payment a finance or "
                     "brokerage officer who did not submit it): its hours count towards the week's gross pay")
async def approve(timesheet_id: str, request: Request,
                  principal: Annotated[Principal, Depends(require(*DECIDERS))]) -> dict:
    return await _decide(request, timesheet_id, principal, True)


@router.post("/timesheets/{timesheet_id}/reject", summary="Reject a submitted timesheet, saying why")
async def reject(timesheet_id: str, body: ReasonIn, request: Request,
                 principal: Annotated[Principal, Depends(require(*DECIDERS))]) -> dict:
    return await _decide(request, timesheet_id, principal, False, body.reason)
