"""What month-end accruals return (money in integer pence; as_at is a Europe/London business date)."""
from __future__ import annotations

from datetime import date

from pydantic import Field

from services.reporting.api.models import Out


class AccrualFigures(Out):
    delivered_pence: int = Field(description="Verified visits (latest revision) dated on or before as_at, in "
                                             "agreement-weeks delivery has confirmed.")
    invoiced_for_delivered_pence: int = Field(description="What invoices approved on or before as_at charge for "
                                                          "those same days (spread over their days as spend is).")
    delivered_not_invoiced_pence: int = Field(description="Accrual: delivered − invoiced_for_delivered (negative "
                                                          "when more was invoiced for those days than verified).")
    unconfirmed_pence: int = Field(description="Verified visits dated on or before as_at in weeks not yet confirmed "
                                               "(not accrued; delivered + unconfirmed is spend's delivered).")
    invoiced_pence: int = Field(description="Invoices approved on or before as_at, less credit notes, all time.")
    paid_pence: int = Field(description="Of those, what the bank paid on or before as_at (returns excluded).")
    invoiced_not_paid_pence: int = Field(description="Accrual: invoiced − paid.")


class AccrualRow(AccrualFigures):
    provider_id: str
    provider_name: str
    service_type: str = Field(description="`unknown` until reporting hears the agreement.")
    cost_centre: str = Field(description="`unassigned` when no agreement event said one.")


class AccrualsOut(Out):
    as_at: date
    rows: list[AccrualRow] = Field(description="Sorted by provider_id, service_type, cost_centre; rows of all "
                                               "zeros left out.")
    totals: AccrualFigures
