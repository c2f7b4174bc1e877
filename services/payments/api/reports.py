"""HTTP: the payments compliance notice (Procurement Act 2023 s69), transparency lists, the run calendar."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shared.auth import Principal, require
from shared.bounds import Filter
from shared.clock import london_date, utcnow
from shared.http import ALSO_CSV, transaction
from services.payments.api.runs import FINANCE
from services.payments.config import payments_config
from services.payments.domain.errors import PaymentRefused
from services.payments.domain.files.reports import notice_csv, published_payments_csv
from services.payments.domain.prompt_payment import (OVER_500_PENCE, OVER_30000_PENCE, PromptPaymentFigures,
                                                     compliance_notice, payments_over)
from services.payments.store import reports as store_reports

router = APIRouter(tags=["reports"])

THRESHOLDS = {500: OVER_500_PENCE, 30000: OVER_30000_PENCE}


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _figures(f: PromptPaymentFigures) -> dict:
    def pct(value: Decimal) -> float:
        return float(value)  # one decimal place, for display: never money

    return {"invoices_paid": f.invoices_paid, "value_paid_pence": f.value_paid_pence,
            "average_days_to_pay": pct(f.average_days_to_pay), "paid_within_30_days_pct": pct(f.within_30_days_pct),
            "paid_31_to_60_days_pct": pct(f.within_31_to_60_days_pct),
            "paid_after_60_days_pct": pct(f.after_60_days_pct),
            "paid_within_30_days_of_valid_pct": pct(f.within_30_days_of_valid_pct)}


@router.get("/reports/prompt-payment", responses=ALSO_CSV,
            summary="Payments compliance notice (Procurement Act 2023 s69): share paid within 30 days and average "
                    "days to pay, overall and by provider")
async def prompt_payment(request: Request, principal: Annotated[Principal, Depends(require(*FINANCE))],
                         from_: Annotated[date, Query(alias="from")], to: date,
                         provider_id: Filter | None = None, format: Literal["json", "csv"] = "json"):
    config = payments_config()
    async with transaction(request) as conn:
        timelines = await store_reports.timelines(conn, from_, to, provider_id)
        notice = compliance_notice(timelines, from_, to, config.settings.council_name)
        names = await store_reports.provider_names(conn, list(notice.by_provider))
    if format == "csv":
        return _csv(notice_csv(notice), f"payments-compliance-notice-{from_}-{to}.csv")
    return {
        "notice": "Payments compliance notice (Procurement Act 2023, section 69; Procurement Regulations 2024, "
                  "regulation 38)",
        "council": notice.council_name, "period_start": notice.period_start, "period_end": notice.period_end,
        "payment_term_days": 30,
        "day_one": "the day after the invoice was received; paid on the day the provider received the money",
        "overall": _figures(notice.overall),
        "payable_not_paid_in_period_pct": float(notice.payable_not_paid_in_period_pct),
        "by_provider": [{"provider_id": p, "name": names.get(p), **_figures(f)} for p, f in notice.by_provider.items()],
        "approval": notice.approver_statement,
    }


@router.get("/reports/transparency", responses=ALSO_CSV,
            summary="Provider payments over £500 (Transparency Code) or £30,000 (s70)")
async def transparency(request: Request, principal: Annotated[Principal, Depends(require(*FINANCE))],
                       over: int, from_: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
                       format: Literal["json", "csv"] = "json"):
    if over not in THRESHOLDS:
        raise PaymentRefused("over", "publish payments over 500 (Local Government Transparency Code) or "
                                     "30000 (Procurement Act 2023 s70)")
    to = to or london_date(utcnow()) + timedelta(days=31)
    from_ = from_ or to - timedelta(days=365)
    async with transaction(request) as conn:
        runs = await store_reports.runs_paying_over(conn, THRESHOLDS[over], from_, to)
    published = payments_over(runs, THRESHOLDS[over])
    if format == "csv":
        return _csv(published_payments_csv(published), f"payments-over-{over}-{from_}-{to}.csv")
    return {"over_pounds": over, "from": from_, "to": to, "payments": [
        {"paid_on": p.paid_on, "payment_reference": p.payment_reference, "payee_id": p.payee_id,
         "payee": p.payee_name, "amount_pence": p.amount_pence, "service_types": list(p.service_types),
         "cost_centres": list(p.cost_centres)} for p in published]}


@router.get("/payment-calendar", summary="The council's weekly and four-weekly runs, with their Bacs dates")
async def calendar(principal: Annotated[Principal, Depends(require(*FINANCE))],
                   from_: Annotated[date, Query(alias="from")], to: date) -> list[dict]:
    if to < from_ or (to - from_).days > 366:
        raise PaymentRefused("to", "give a range of at most a year, ending after it starts")
    return [{"kind": r.kind.value, "pay_date": r.pay_date, "submit_by": r.bacs.submit_by,
             "processing_day": r.bacs.processing_day, "include_direct_payments": r.include_direct_payments,
             "service_types": sorted(s.value for s in r.service_types)}
            for r in payments_config().calendar.runs_between(from_, to)]
