"""HTTP: prompt payment, visit quality by provider, and open queries with their SLA state."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shared.auth import Principal, require
from shared.bounds import Filter
from shared.http import ALSO_CSV
from services.reporting.api.common import (OFFICERS, Format, csv_response, date_range, dict_rows, json_response,
                                          reading, today)
from services.reporting.api.models import OpenQueriesOut, PromptPaymentOut, QualityOut
from services.reporting.api.params import From, To
from services.reporting.domain.periods import PeriodKind, whole_periods
from services.reporting.store.operations import open_queries, prompt_payment, visit_quality

router = APIRouter(tags=["operations"])
Officer = Annotated[Principal, Depends(require(*OFFICERS))]


@router.get("/prompt-payment", response_model=PromptPaymentOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Days to pay and share paid within 30 days, by provider and month paid; invoices awaiting payment")
async def get_prompt_payment(request: Request, _: Officer, from_: From = None, to: To = None,
                             provider_id: Filter | None = None, format: Format = "json"):
    first, last = date_range("month", from_, to)
    async with reading(request) as conn:
        out = await prompt_payment(conn, first=first, last=last, today=today(), provider_id=provider_id)
    if format == "csv":
        columns = ["month", "provider_id", "invoices_paid", "value_paid_pence", "average_days_to_pay",
                   "paid_within_30_days", "paid_within_30_days_pct", "paid_within_30_days_of_valid_pct",
                   "paid_in_31_to_60_days_pct", "paid_after_60_days_pct"]
        return csv_response("prompt-payment.csv", columns, dict_rows(out["by_provider_month"], columns))
    return json_response(out)


@router.get("/visit-quality", response_model=QualityOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Visits, missed, late and short by provider and period")
async def get_visit_quality(request: Request, _: Officer, period: PeriodKind = "month", from_: From = None,
                            to: To = None, provider_id: Filter | None = None, format: Format = "json"):
    first, last = whole_periods(period, *date_range(period, from_, to))
    async with reading(request) as conn:
        rows = await visit_quality(conn, period=period, first=first, last=last, provider_id=provider_id)
    if format == "csv":
        columns = ["period_start", "period_end", "provider_id", "attendances", "missed", "late", "short",
                   "missed_pct", "late_pct", "short_pct"]
        return csv_response(f"visit-quality-{period}.csv", columns, dict_rows(rows, columns))
    return json_response({"period": period, "from": first, "to": last, "rows": rows})


@router.get("/queries/open", response_model=OpenQueriesOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Open queries by category, state and SLA state; SLA breaches by month")
async def get_open_queries(request: Request, _: Officer, category: Filter | None = None,
                           provider_id: Filter | None = None, from_: From = None, to: To = None,
                           format: Format = "json"):
    first, last = date_range("month", from_, to)
    async with reading(request) as conn:
        out = await open_queries(conn, today=today(), first=first, last=last, category=category,
                                 provider_id=provider_id)
    if format == "csv":
        columns = ["category", "state", "sla_state", "queries"]
        return csv_response("open-queries.csv", columns, dict_rows(out["rows"], columns))
    return json_response(out)
