"""HTTP: month-end accruals as at a date, per provider, service type and cost centre (finance only)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from shared.auth import Principal, require
from shared.http import ALSO_CSV
from services.reporting.api.common import Format, csv_response, json_response, reading
from services.reporting.api.params import ReportDate
from services.reporting.api.accrual_models import AccrualsOut
from services.reporting.domain import accruals
from services.reporting.domain.dims import AgreementDim
from services.reporting.domain.invoices import part_dims, reported_under
from services.reporting.store import accruals as store_accruals, dims as store_dims

router = APIRouter(tags=["accruals"])
FINANCE = ("finance_officer", "finance_approver", "ops")
KEYS = ("provider_id", "provider_name", "service_type", "cost_centre")
FIGURES = ("delivered_pence", "invoiced_for_delivered_pence", "delivered_not_invoiced_pence", "unconfirmed_pence",
           "invoiced_pence", "paid_pence", "invoiced_not_paid_pence")


async def accruals_as_at(conn, as_at: date) -> dict[str, Any]:
    """Every verified visit and invoice read, each part counted under its agreement's dims as spend counts it."""
    delivered = await store_accruals.delivered(conn, as_at)
    invoices = await store_accruals.invoices_by(conn, as_at)
    named = {a for a, _, _ in delivered} | {a for i in invoices for a in reported_under(i)}
    dims = await store_dims.read(conn, named)
    weeks = await store_accruals.confirmed_weeks(conn, {a for i in invoices for a in i.agreement_ids}, as_at)
    items = [(accruals.row_key(dims.get(a, AgreementDim(a, "")).dims), accruals.for_delivery(confirmed, pence))
             for a, confirmed, pence in delivered]
    items += [(accruals.row_key(part_dims(i, agreement_id, dims)), figures)
              for i in invoices for agreement_id, figures in accruals.invoice_parts(i, as_at, weeks)]
    rows, total = accruals.table(items)
    names = await store_dims.provider_names(conn, {key[0] for key, _ in rows if key[0]})
    return {"as_at": as_at,
            "rows": [{"provider_id": provider, "provider_name": names.get(provider, provider),
                      "service_type": service, "cost_centre": centre, **figures.figures()}
                     for (provider, service, centre), figures in rows],
            "totals": total.figures()}


@router.get("/accruals", response_model=AccrualsOut, response_model_by_alias=True, responses=ALSO_CSV,
            summary="Month-end accruals as at a date: delivered and confirmed not invoiced, invoiced not paid",
            description="Per provider, service type and cost centre, on business dates: care dated on or before "
                        "`as_at` in confirmed weeks less what invoices approved by then charge for those days; "
                        "invoices approved by `as_at` less what was paid by then. Money in pence (CSV too), with a "
                        "totals row last in the CSV.")
async def get_accruals(request: Request, _: Annotated[Principal, Depends(require(*FINANCE))],
                       as_at: Annotated[ReportDate, Query(description="The accruals' date (YYYY-MM-DD, 1900-2199), "
                                                                      "e.g. a month's last day.")],
                       format: Format = "json"):
    async with reading(request) as conn:
        out = await accruals_as_at(conn, as_at)
    if format == "csv":
        rows = [[row[c] for c in (*KEYS, *FIGURES)] for row in out["rows"]]
        rows.append(["TOTAL", "", "", "", *(out["totals"][c] for c in FIGURES)])
        return csv_response(f"accruals-{as_at.isoformat()}.csv", (*KEYS, *FIGURES), rows)
    return json_response(out)
