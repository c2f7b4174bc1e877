"""The payments compliance notice counts days to pay from receipt (day 1 is the day after), and the
transparency lists publish provider payments over £500 and over £30,000."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.conftest import auth
from tests.integration.payments.payments_helpers import (FINANCE, approve_invoices, approved, approved_and_exported,
                                                         payee, payment_of, propose, working_day_after)

pytestmark = pytest.mark.stack


async def test_notice_counts_days_from_receipt_and_from_becoming_undisputed(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    on_time = approved(one.provider_id, 40_000, due=pay_date, received_on=pay_date - timedelta(days=20))
    # Received 45 days before payment, disputed, valid and undisputed only 10 days before it.
    was_disputed = approved(one.provider_id, 60_000, due=pay_date, received_on=pay_date - timedelta(days=45),
                            valid_on=pay_date - timedelta(days=10))
    await approve_invoices(producer, http, base, on_time, was_disputed)
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc", "providers": [one.provider_id]})
    await approved_and_exported(http, base, run["run_id"])
    reference = payment_of(run, one.provider_id)["payment_reference"]
    report = {"from": pay_date.isoformat(), "to": pay_date.isoformat(), "provider_id": one.provider_id}
    before = await http.get(f"{base}/reports/prompt-payment", params=report, headers=FINANCE)
    assert before.json()["overall"]["invoices_paid"] == 0  # not paid until the bank says so

    confirmed = await http.post(f"{base}/payment-runs/{run['run_id']}/confirmations",
                                headers={**auth("finance_officer"), "Content-Type": "text/csv"},
                                content=f"payment_reference,status,reason\n{reference},paid,\n".encode())
    assert confirmed.status_code == 200, confirmed.text
    notice = (await http.get(f"{base}/reports/prompt-payment", params=report, headers=FINANCE)).json()
    assert "section 69" in notice["notice"]
    assert notice["overall"] == {"invoices_paid": 2, "value_paid_pence": 100_000, "average_days_to_pay": 32.5,
                                 "paid_within_30_days_pct": 50.0, "paid_31_to_60_days_pct": 50.0,
                                 "paid_after_60_days_pct": 0.0, "paid_within_30_days_of_valid_pct": 100.0}
    [by_provider] = notice["by_provider"]
    assert by_provider["provider_id"] == one.provider_id and by_provider["average_days_to_pay"] == 32.5

    as_csv = await http.get(f"{base}/reports/prompt-payment", params={**report, "format": "csv"}, headers=FINANCE)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["scope"], r["invoices_paid"], r["average_days_to_pay"]) for r in rows] == [
        ("overall", "2", "32.5"), (one.provider_id, "2", "32.5")]


async def test_transparency_lists_publish_provider_payments_over_the_threshold(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(8)
    big, small = await payee(producer, http, base), await payee(producer, http, base)
    await approve_invoices(producer, http, base, approved(big.provider_id, 3_000_001, due=pay_date),
                           approved(small.provider_id, 50_000, due=pay_date))
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc",
                                     "providers": [big.provider_id, small.provider_id]})
    await approved_and_exported(http, base, run["run_id"])
    window = {"from": pay_date.isoformat(), "to": pay_date.isoformat()}

    async def published(over: int) -> set[str]:
        resp = await http.get(f"{base}/reports/transparency", params={**window, "over": over}, headers=FINANCE)
        assert resp.status_code == 200, resp.text
        return {p["payee_id"] for p in resp.json()["payments"]}

    over_500, over_30000 = await published(500), await published(30000)
    assert big.provider_id in over_500 and small.provider_id not in over_500  # £500.00 exactly is not over £500
    assert big.provider_id in over_30000
    assert (await http.get(f"{base}/reports/transparency", params={"over": 250}, headers=FINANCE)).status_code == 422
