"""HTTP: a direct payment's payroll week (Monday to Sunday): each PA's approved hours by band and gross pay,
the export for the employer's payroll bureau (CSV), and the net pay the bureau returns for a
council-managed direct payment (CSV; two people above a threshold), which the next weekly run pays."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import utcnow, within_window
from shared.errors import NotEntitled, RuleBroken
from shared.http import not_found, transaction
from shared.logging import get_logger
from shared.uploads import ColumnReport
from services.payments.api.models import ReasonIn
from services.payments.api.payroll_models import NetPayUploadOut, PayrollWeekOut
from services.payments.api.runs import FINANCE, REVIEWERS
from services.payments.api.timesheets import refused
from services.payments.api.uploads import UPLOAD_PROBLEMS, columns_of, csv_upload_doc, invalid, uploaded
from services.payments.config import payroll_second_person_above_pence
from services.payments.domain.net_pay import REQUIRED as NET_PAY_COLUMNS
from services.payments.domain.net_pay import NetPayRefused, NetPayStatus, NetPayUpload
from services.payments.domain.payroll import hours, week_end, write_payroll_csv
from services.payments.domain.shift_pay import BANDS
from services.payments.metrics import TWO_PERSON_DECISIONS
from services.payments.steps import net_pay as steps
from services.payments.store import inputs as store_inputs
from services.payments.store import net_pay as store_net_pay
from services.payments.store import timesheets as store_timesheets

router = APIRouter(tags=["personal assistants: payroll"])
log = get_logger(__name__)

READERS = ("person", "brokerage_officer", *FINANCE)
KIND = "payroll_net_pay"  # on carepay_payments_two_person_decisions_total


WEEK_START = Annotated[date, Path(description="The Monday the week starts on (a pay period is Monday to Sunday), "
                                             "within six years back and two years ahead")]


def _week(week_start: date) -> date:
    """422 naming the path's week_start unless it is a Monday within the window every business date has."""
    try:
        within_window(week_start, "week_start", back_days=6 * 366, ahead_days=731)
    except RuleBroken as far:
        raise invalid(("path", "week_start"), far.rule) from None
    if week_start.weekday() != 0:
        raise invalid(("path", "week_start"), f"{week_start} is a {week_start:%A}: a pay period starts on a Monday")
    return week_start


async def _direct_payment(conn, agreement_id: str, principal: Principal):
    row = await store_inputs.direct_payment_row(conn, agreement_id)
    if row is None or not principal.may_see_person(row["person_ref"]):
        raise not_found(f"direct payment {agreement_id}")
    return row


@router.get("/direct-payments/{agreement_id}/payroll/{week_start}", response_model=PayrollWeekOut,
            summary="A direct payment's payroll week: each PA's approved hours by band, rates, gross pay and net pay")
async def get_payroll_week(agreement_id: PathId, week_start: WEEK_START, request: Request,
                           principal: Annotated[Principal, Depends(require(*READERS))]) -> dict:
    _week(week_start)
    async with transaction(request) as conn:
        dp = await _direct_payment(conn, agreement_id, principal)
        weeks = await steps.week_of(conn, agreement_id, week_start)
        net = {r["pa_id"]: r for r in await store_net_pay.of_week(conn, agreement_id, week_start)}
        waiting = await store_timesheets.submitted_count(conn, agreement_id, week_start)

    def net_of(pa_id: str) -> dict | None:
        r = net.get(pa_id)
        return None if r is None else {
            "net_pence": r["net_pence"], "status": r["status"], "upload_id": r["upload_id"], "line_id": r["line_id"],
            "run_id": r["run_id"], "payment_reference": r["payment_reference"], "paid": bool(r["exported"])}
    return {"agreement_id": agreement_id, "council_managed": dp["council_managed"], "week_start": week_start,
            "week_end": week_end(week_start), "timesheets_awaiting_approval": waiting,
            "gross_pence": sum(w.gross_pence for w in weeks),
            "personal_assistants": [{
                "pa_id": w.pa_id, "employee_ref": w.employee_ref, "shifts": w.shifts,
                "minutes": {b.value: w.minutes[b] for b in BANDS},
                "hours": {b.value: hours(w.minutes[b]) for b in BANDS},
                "rates_pence": {b.value: list(w.rates[b]) for b in BANDS}, "gross_pence": w.gross_pence,
                "net_pay": net_of(w.pa_id)} for w in weeks]}


@router.get("/direct-payments/{agreement_id}/payroll/{week_start}/export.csv", response_class=Response,
            summary="The payroll export for the employer's bureau: one row per PA, hours by band, rates, gross",
            responses={200: {"description": "The export as CSV (a header row, then one row per PA)",
                             "content": {"text/csv": {"schema": {"type": "string"}}},
                             "headers": {"Content-Disposition": {
                                 "description": 'attachment; filename="payroll-<agreement_id>-<week_start>.csv"',
                                 "schema": {"type": "string"}}}}})
async def export_payroll_week(agreement_id: PathId, week_start: WEEK_START, request: Request,
                              principal: Annotated[Principal, Depends(require(*READERS))]) -> Response:
    _week(week_start)
    async with transaction(request) as conn:
        await _direct_payment(conn, agreement_id, principal)
        weeks = await steps.week_of(conn, agreement_id, week_start)
    name = f"payroll-{agreement_id}-{week_start.isoformat()}.csv"
    return Response(write_payroll_csv(weeks), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _upload_out(u: NetPayUpload, lines: int | None = None, unchanged: int = 0,
                columns: ColumnReport | None = None) -> dict:
    return {"upload_id": u.upload_id, "agreement_id": u.direct_payment_id, "week_start": u.week_start,
            "total_pence": u.total_pence, "status": u.status.value, "uploaded_by": u.uploaded_by,
            "decided_by": u.decided_by, "reason": u.reason, "lines": lines, "already_recorded": unchanged,
            "payable": u.status is NetPayStatus.RECORDED, "columns": columns}


@router.post("/direct-payments/{agreement_id}/payroll/{week_start}/net-pay", status_code=201,
             response_model=NetPayUploadOut,
             responses={**UPLOAD_PROBLEMS, 200: {"description": "Every row was recorded already, as sent: nothing new",
                                                 "model": NetPayUploadOut}},
             summary="Record the bureau's net pay for the week (CSV employee_ref,net_pence): paid to each PA in the "
                     "next weekly run; a total above the threshold waits for a second finance approver (201; 200 "
                     "when every row was recorded already)",
             openapi_extra=csv_upload_doc("The bureau's net pay for a week that has ended: a header row naming "
                                          "employee_ref and net_pence (other columns are ignored and listed in the "
                                          "answer's columns.ignored), then one row per PA paid for the week: the "
                                          "PA's employee_ref, and net pay in whole pence, above 0 and at most the "
                                          "PA's approved gross pay for the week"))
async def upload_net_pay(agreement_id: PathId, week_start: WEEK_START, request: Request, response: Response,
                         principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> dict:
    _week(week_start)
    upload = await uploaded(request, "the bureau's net pay CSV")
    columns = columns_of(upload.text, NET_PAY_COLUMNS)
    try:
        async with transaction(request) as conn:
            try:
                done = await steps.record(conn, agreement_id, week_start, upload.text, principal, utcnow(),
                                          payroll_second_person_above_pence())
            except LookupError:
                raise not_found(f"direct payment {agreement_id}") from None
    except NetPayRefused as bad:
        raise refused(bad.problems, upload.loc, "net_pay_refused", "the net pay file") from None
    if done.upload is None:  # every row was recorded already, as sent: nothing new
        response.status_code = 200
        return {"upload_id": None, "agreement_id": agreement_id, "week_start": week_start, "total_pence": 0,
                "status": "recorded", "lines": 0, "already_recorded": done.unchanged, "payable": True,
                "columns": columns}
    TWO_PERSON_DECISIONS.labels(KIND, "recorded").inc()
    log.info("payroll net pay uploaded", upload_id=done.upload.upload_id, agreement_id=agreement_id,
             week_start=week_start.isoformat(), lines=len(done.lines), total_pence=done.upload.total_pence,
             status=done.upload.status.value, by=principal.subject)
    return _upload_out(done.upload, len(done.lines), done.unchanged, columns)


async def _decide(request: Request, upload_id: str, principal: Principal, approve: bool, reason: str = "") -> dict:
    try:
        async with transaction(request) as conn:
            try:
                decided = await steps.decide(conn, upload_id, principal, utcnow(), approve=approve, reason=reason)
            except LookupError:
                raise not_found(f"net pay upload {upload_id}") from None
    except NotEntitled as no:
        if getattr(no, "field", None) == "approved_by":
            TWO_PERSON_DECISIONS.labels(KIND, "self_approval").inc()
        raise
    if approve:
        TWO_PERSON_DECISIONS.labels(KIND, "approved").inc()
    log.info("payroll net pay decided", upload_id=upload_id, status=decided.status.value, by=principal.subject)
    return _upload_out(decided)


@router.post("/payroll-net-pay/{upload_id}/approve", response_model=NetPayUploadOut,
             summary="Approve pending net pay (a finance approver who did not upload it): only now is it payable")
async def approve_net_pay(upload_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require("finance_approver"))]) -> dict:
    return await _decide(request, upload_id, principal, True)


@router.post("/payroll-net-pay/{upload_id}/reject", response_model=NetPayUploadOut,
             summary="Reject pending net pay, saying why: its weeks may be uploaded again")
async def reject_net_pay(upload_id: PathId, body: ReasonIn, request: Request,
                         principal: Annotated[Principal, Depends(require(*REVIEWERS))]) -> dict:
    return await _decide(request, upload_id, principal, False, body.reason)
