"""HTTP: the payments compliance notice (Procurement Act 2023 s69), transparency lists, the run calendar."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shared.auth import Principal, require
from shared.bounds import Filter
from shared.clock import london_date, utcnow
from shared.http import transaction
from shared.pagination import PAGED, Page, page_params, paged
from services.payments.api.report_models import CalendarRunOut, PromptPaymentOut, TransparencyOut
from services.payments.api.runs import FINANCE
from services.payments.api.uploads import invalid
from services.payments.config import payments_config
from services.payments.domain.files.reports import notice_csv, published_payments_csv
from services.payments.domain.prompt_payment import (OVER_500_PENCE, OVER_30000_PENCE, PromptPaymentFigures,
                                                     compliance_notice, payments_over)
from services.payments.store import reports as store_reports

router = APIRouter(tags=["reports"])


class TransparencyThreshold(IntEnum):
    """What a transparency list publishes: provider payments over £500 (Local Government Transparency Code) or
    over £30,000 (Procurement Act 2023 s70)."""

    OVER_500 = 500
    OVER_30000 = 30000


THRESHOLDS = {TransparencyThreshold.OVER_500: OVER_500_PENCE, TransparencyThreshold.OVER_30000: OVER_30000_PENCE}


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


def _report_csv(description: str) -> dict[int | str, dict]:
    """The 200 of a report answered as JSON, or as CSV with `format=csv`."""
    return {200: {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}},
                  "headers": {"Content-Disposition": {"description": "With format=csv: attachment; filename=...",
                                                      "schema": {"type": "string"}}}}}


@router.get("/reports/prompt-payment", response_model=PromptPaymentOut,
            responses=_report_csv("The notice as JSON, or with format=csv as CSV (overall, then each provider)"),
            summary="Payments compliance notice (Procurement Act 2023 s69): share paid within 30 days and average "
                    "days to pay, overall and by provider")
async def get_prompt_payment_report(
        request: Request, principal: Annotated[Principal, Depends(require(*FINANCE))],
        from_: Annotated[date, Query(alias="from", description="The period's first day")],
        to: Annotated[date, Query(description="The period's last day (on or after `from`)")],
        provider_id: Annotated[Filter | None, Query(description="Only this provider's invoices")] = None,
        format: Literal["json", "csv"] = "json"):
    if to < from_:
        raise invalid(("query", "to"), f"the period ends ({to}) before it starts ({from_})")
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


@router.get("/reports/transparency", response_model=TransparencyOut, response_model_by_alias=True,
            responses=_report_csv("The list as JSON, or with format=csv as CSV"),
            summary="Provider payments over £500 (Local Government Transparency Code) or £30,000 (Procurement Act "
                    "2023 s70), by pay date")
async def get_transparency_report(
        request: Request, principal: Annotated[Principal, Depends(require(*FINANCE))],
        over: Annotated[TransparencyThreshold, Query(description="The threshold in pounds: 500 or 30000")],
        from_: Annotated[date | None, Query(alias="from", description="First pay date (default: a year before `to`)")]
        = None,
        to: Annotated[date | None, Query(description="Last pay date (default: 31 days from today)")] = None,
        format: Literal["json", "csv"] = "json"):
    to = to or london_date(utcnow()) + timedelta(days=31)
    from_ = from_ or (to - timedelta(days=365) if to - date.min > timedelta(days=365) else date.min)
    async with transaction(request) as conn:
        runs = await store_reports.runs_paying_over(conn, THRESHOLDS[over], from_, to)
    published = payments_over(runs, THRESHOLDS[over])
    if format == "csv":
        return _csv(published_payments_csv(published), f"payments-over-{int(over)}-{from_}-{to}.csv")
    return {"over_pounds": int(over), "from": from_, "to": to, "payments": [
        {"paid_on": p.paid_on, "payment_reference": p.payment_reference, "payee_id": p.payee_id,
         "payee": p.payee_name, "amount_pence": p.amount_pence, "service_types": list(p.service_types),
         "cost_centres": list(p.cost_centres)} for p in published]}


@router.get("/payment-calendar", response_model=list[CalendarRunOut], responses=PAGED,
            summary="The council's weekly and four-weekly runs between two dates, with their Bacs dates, by pay "
                    "date, a page at a time")
async def list_payment_calendar(
        request: Request, response: Response, principal: Annotated[Principal, Depends(require(*FINANCE))],
        page: Annotated[Page, Depends(page_params)],
        from_: Annotated[date, Query(alias="from", description="First nominal run date")],
        to: Annotated[date, Query(description="Last nominal run date (before `from`: no runs)")]) -> list[dict]:
    after = page.after_key((date, str))
    runs = payments_config().calendar.page(from_, to, (after[0], after[1]) if after else None, page.fetch)
    runs = paged(request, response, runs, page, key=lambda r: (r.pay_date, r.kind.value))
    return [{"kind": r.kind.value, "pay_date": r.pay_date, "submit_by": r.bacs.submit_by,
             "processing_day": r.bacs.processing_day, "include_direct_payments": r.include_direct_payments,
             "service_types": sorted(s.value for s in r.service_types)} for r in runs]
