"""HTTP: propose a payment run, review it (exclude lines with a reason), approve it (maker-checker).

A finance officer proposes; a finance officer or approver reviews; a finance approver who did not
propose it approves. Refusals say why: 422 a rule, 403 who may, 409 the run's state.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, require
from shared.bounds import PathId
from shared.clock import utcnow
from shared.errors import IllegalState, NotEntitled, RuleBroken
from shared.http import cause_of, not_found, runtime_of, transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.models import ProposeIn, ReasonIn, RunOut, RunSummaryOut
from services.payments.config import payments_config
from services.payments.domain.run_calendar import RunKind
from services.payments.metrics import RUN_FAILURES
from services.payments.steps import approving, proposing, reviewing
from services.payments.store import runs as store_runs

router = APIRouter(tags=["payment runs"])

FINANCE = ("finance_officer", "finance_approver", "ops")
REVIEWERS = ("finance_officer", "finance_approver")
MAX_RUN_NUMBER = 999_999  # payment_runs.run_number's CHECK
# Whether an answer's payments carry their remittance lines (a large run's lines are many).
Lines = Annotated[bool, Query(description="Include each payment's lines (false: payments and totals only)")]


@contextmanager
def counted(step: str) -> Iterator[None]:
    """Count a step that was refused or failed (a wrong role is not a failure of the run)."""
    try:
        yield
    except (NotEntitled, LookupError):
        raise
    except RuleBroken:
        RUN_FAILURES.labels(step, "refused").inc()
        raise
    except IllegalState:
        RUN_FAILURES.labels(step, "conflict").inc()
        raise
    except Exception:
        RUN_FAILURES.labels(step, "error").inc()
        raise


async def _run_out(conn, run_id: str, lines: bool = True) -> RunOut:
    stored = await store_runs.load_run(conn, run_id)
    if stored is None:
        raise not_found(f"payment run {run_id}")
    return RunOut.of(stored, lines=lines)


@router.post("/payment-runs", status_code=status.HTTP_201_CREATED, response_model=RunOut,
             summary="Propose a run for a pay date: a reviewable draft, nothing is paid yet")
async def propose_payment_run(body: ProposeIn, request: Request,
                              principal: Annotated[Principal, Depends(require("finance_officer"))],
                              lines: Lines = True) -> RunOut:
    proposal = proposing.Proposal(pay_date=body.pay_date, kind=RunKind(body.kind) if body.kind else None,
                                  include_direct_payments=body.include_direct_payments, pay_early=body.pay_early,
                                  providers=body.providers, direct_payments=body.direct_payments)
    with counted("propose"):
        async with transaction(request) as conn:
            stored = await proposing.propose(conn, proposal, principal.subject, utcnow(), payments_config(),
                                             runtime_of(request).outbox, cause_of(request, principal))
    return RunOut.of(stored, lines=lines)


@router.get("/payment-runs", response_model=list[RunSummaryOut], responses=PAGED,
            summary="Runs, newest (highest run number) first, a page at a time")
async def list_payment_runs(request: Request, response: Response,
                            principal: Annotated[Principal, Depends(require(*FINANCE))],
                            page: Annotated[Page, Depends(page_params)],
                            state: Annotated[Literal["proposed", "approved"] | None, Query(
                                description="Only runs in this state (an exported run is approved)")] = None
                            ) -> list[RunSummaryOut]:
    after = page.after_key((int,))
    before_number = None if after is None else max(0, min(after[0], MAX_RUN_NUMBER + 1))  # run numbers are bounded
    async with transaction(request) as conn:
        rows = await store_runs.list_runs(conn, state, before_number, page.fetch)
    rows = paged(request, response, rows, page, key=lambda r: (r["run_number"],))
    return [RunSummaryOut(run_id=r["run_id"], run_number=r["run_number"], kind=r["kind"], status=r["status"],
                          pay_date=r["pay_date"], total_pence=r["total_pence"], payment_count=r["payment_count"],
                          proposed_by=r["proposed_by"], approved_by=r["approved_by"], exported_at=r["exported_at"])
            for r in rows]


@router.get("/payment-runs/{run_id}", response_model=RunOut,
            summary="A run: payments and their lines, exclusions with reasons, review notes, totals")
async def get_payment_run(run_id: PathId, request: Request,
                          principal: Annotated[Principal, Depends(require(*FINANCE))], lines: Lines = True) -> RunOut:
    async with transaction(request) as conn:
        return await _run_out(conn, run_id, lines)


@router.post("/payment-runs/{run_id}/lines/{line_id:path}/exclude", response_model=RunOut,
             summary="Leave a line (and its credit notes) out of a proposed run, saying why")
async def exclude_payment_run_line(run_id: PathId, line_id: PathId, body: ReasonIn, request: Request,
                                   principal: Annotated[Principal, Depends(require(*REVIEWERS))],
                                   lines: Lines = True) -> RunOut:
    with counted("review"):
        async with transaction(request) as conn:
            try:
                await reviewing.exclude_line(conn, run_id, line_id, body.reason, principal, utcnow())
            except LookupError as missing:
                raise not_found(str(missing)) from None
            return await _run_out(conn, run_id, lines)


@router.post("/payment-runs/{run_id}/approve", response_model=RunOut,
             summary="Approve a proposed run (a finance approver who did not propose it); final")
async def approve_payment_run(run_id: PathId, request: Request,
                              principal: Annotated[Principal, Depends(require("finance_approver"))],
                              lines: Lines = True) -> RunOut:
    with counted("approve"):
        async with transaction(request) as conn:
            try:
                stored = await approving.approve(conn, run_id, principal, utcnow(), runtime_of(request).outbox,
                                                 cause_of(request, principal))
            except LookupError:
                raise not_found(f"payment run {run_id}") from None
    if lines:  # approval reads no lines (the database checks them); read them back only when asked
        async with transaction(request) as conn:
            return await _run_out(conn, run_id)
    return RunOut.of(stored, lines=False)
