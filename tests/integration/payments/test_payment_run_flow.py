"""A run end to end on the stack: propose, review, maker-checker approval, files, export again."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from importlib.resources import files

import pytest
import xmlschema
from lxml import etree
from typer.testing import CliRunner

from shared.cli import app as carepay
from shared.clock import london_date, utcnow
from shared.settings import REPO_ROOT
from tests.conftest import auth, unique
from tests.integration.payments.payments_helpers import (approve, approve_invoices, approved, approved_and_exported,
                                                         events_of, payee, payment_of, propose, working_day_after)

pytestmark = pytest.mark.stack

PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


def bacs_records(data: bytes) -> list[str]:
    text = data.decode("ascii")
    assert text.endswith("\r\n")
    return text[:-2].split("\r\n")


async def test_run_is_proposed_reviewed_approved_by_another_person_and_exported_as_agreeing_files(
        http, stack, producer, tail):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one, two = await payee(producer, http, base), await payee(producer, http, base)
    kept, left_out = approved(one.provider_id, 10_000, due=pay_date), approved(one.provider_id, 25_000, due=pay_date)
    other = approved(two.provider_id, 99_999, due=pay_date)
    await approve_invoices(producer, http, base, kept, left_out, other)
    maker, checker = unique("u-maker"), unique("u-checker")

    async with tail("payments.events") as events:
        run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc",
                                         "providers": [one.provider_id, two.provider_id]}, subject=maker)
        run_id = run["run_id"]
        assert run["status"] == "proposed"
        assert run["totals"]["payments_pence"] == run["totals"]["lines_pence"] == 134_999
        assert payment_of(run, one.provider_id)["account"] == "****" + one.account.account_number[-4:]

        excluded = await http.post(f"{base}/payment-runs/{run_id}/lines/{left_out.invoice_id}/exclude",
                                   json={"reason": "provider asked us to hold it"},
                                   headers=auth("finance_officer", subject=maker))
        assert excluded.status_code == 200, excluded.text
        run = excluded.json()
        assert run["totals"]["payments_pence"] == run["totals"]["lines_pence"] == 109_999
        [review] = [e for e in run["exclusions"] if e["subject"] == left_out.invoice_id]
        assert (review["reason"], review["detail"], review["amount_pence"]) == (
            "excluded_at_review", "provider asked us to hold it", 25_000)

        by_the_maker = await approve(http, base, run_id, subject=maker)
        assert by_the_maker.status_code == 403 and "maker-checker" in by_the_maker.text
        by_an_officer = await http.post(f"{base}/payment-runs/{run_id}/approve", headers=auth("finance_officer"))
        assert by_an_officer.status_code == 403
        not_yet = await http.post(f"{base}/payment-runs/{run_id}/export", headers=auth("finance_officer"))
        assert not_yet.status_code == 409

        approved_run = await approve(http, base, run_id, subject=checker)
        assert approved_run.status_code == 200, approved_run.text
        assert (approved_run.json()["status"], approved_run.json()["approved_by"]) == ("approved", checker)
        assert (await approve(http, base, run_id)).status_code == 409
        late = await http.post(f"{base}/payment-runs/{run_id}/lines/{kept.invoice_id}/exclude",
                               json={"reason": "too late"}, headers=auth("finance_officer"))
        assert late.status_code == 409

        exported = await http.post(f"{base}/payment-runs/{run_id}/export", headers=auth("finance_approver"))
        assert exported.status_code == 200, exported.text
        assert exported.json()["first_export"] is True
        published = await events.wait_for(lambda r: r.key in (run_id.encode(), one.provider_id.encode(),
                                                              two.provider_id.encode()), count=5)

    [approved_event] = events_of(published, "PaymentRunApproved", run_id)
    assert approved_event["payload"]["invoice_ids"] == sorted([kept.invoice_id, other.invoice_id])
    assert approved_event["payload"]["total_pence"] == 109_999
    assert approved_event["actor"]["id"] == checker
    assert len(events_of(published, "PaymentRunProposed", run_id)) == 1
    made = events_of(published, "PaymentMade", one.provider_id)
    assert [(m["payload"]["amount_pence"], m["payload"]["invoice_ids"]) for m in made] == [(10_000, [kept.invoice_id])]
    assert not any(one.account.account_number.encode() in r.value for r in published)

    files_ = {f["name"]: f for f in exported.json()["files"]}
    assert set(files_) == {"bacs", "pain001", "journal", f"remittance/{one.provider_id}.csv",
                           f"remittance/{one.provider_id}.html", f"remittance/{two.provider_id}.csv",
                           f"remittance/{two.provider_id}.html"}
    got = {}
    for name in files_:
        resp = await http.get(f"{base}/payment-runs/{run_id}/files/{name}", headers=auth("finance_officer"))
        assert resp.status_code == 200, name
        got[name] = resp.content

    records = bacs_records(got["bacs"])
    assert [r[:4] for r in records[:4]] == ["VOL1", "HDR1", "HDR2", "UHL1"]
    assert [r[:4] for r in records[-3:]] == ["EOF1", "EOF2", "UTL1"]
    assert all(len(r) == 80 for r in records[:4] + records[-3:])
    data = records[4:-3]
    assert all(len(r) == 100 for r in data)
    credits, [contra] = [r for r in data if r[15:17] == "99"], [r for r in data if r[15:17] == "17"]
    assert sorted(int(r[35:46]) for r in credits) == [10_000, 99_999]
    assert int(contra[35:46]) == 109_999 == int(records[-1][17:30])
    assert any(r[:14] == "200000" + one.account.account_number for r in credits)

    schema = xmlschema.XMLSchema(str(files("sepaxml") / "schemas" / "pain.001.001.03.xsd"))
    schema.validate(got["pain001"].decode("utf-8"))
    header = etree.fromstring(got["pain001"]).find(f"{{{PAIN001}}}CstmrCdtTrfInitn/{{{PAIN001}}}GrpHdr")
    assert header.findtext(f"{{{PAIN001}}}CtrlSum") == "1099.99"

    journal = list(csv.DictReader(io.StringIO(got["journal"].decode())))
    debits = sum(Decimal(r["debit"] or 0) for r in journal)
    assert debits == sum(Decimal(r["credit"] or 0) for r in journal) == Decimal("1099.99")
    assert journal[-1]["credit"] == "1099.99"

    remittance = got[f"remittance/{one.provider_id}.csv"].decode()
    assert kept.number in remittance and left_out.number not in remittance
    assert b"ending " + one.account.account_number[-4:].encode() in got[f"remittance/{one.provider_id}.html"]

    again = await http.post(f"{base}/payment-runs/{run_id}/export", headers=auth("finance_officer"))
    assert again.status_code == 200 and again.json()["first_export"] is False
    assert {f["name"]: f["sha256"] for f in again.json()["files"]} == {n: f["sha256"] for n, f in files_.items()}
    for name, content in got.items():
        resp = await http.get(f"{base}/payment-runs/{run_id}/files/{name}", headers=auth("finance_officer"))
        assert resp.content == content, f"{name} changed on a second export"

    log = (REPO_ROOT / ".local" / "logs" / "payments.log").read_text(errors="replace")
    assert one.account.account_number not in log and two.account.account_number not in log


async def test_a_provider_sees_only_its_own_remittance_advice(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one, two = await payee(producer, http, base), await payee(producer, http, base)
    await approve_invoices(producer, http, base, approved(one.provider_id, 5_000, due=pay_date),
                           approved(two.provider_id, 6_000, due=pay_date))
    run = await propose(http, base, {"pay_date": pay_date, "kind": "ad_hoc",
                                     "providers": [one.provider_id, two.provider_id]})
    await approved_and_exported(http, base, run["run_id"])
    url = f"{base}/payment-runs/{run['run_id']}/files"
    as_one = auth("provider", provider=one.provider_id)
    assert (await http.get(f"{url}/remittance/{one.provider_id}.csv", headers=as_one)).status_code == 200
    assert (await http.get(f"{url}/remittance/{two.provider_id}.csv", headers=as_one)).status_code == 403
    assert (await http.get(f"{url}/bacs", headers=as_one)).status_code == 403


async def test_carepay_payments_run_proposes_through_the_api(http, stack, producer):
    base = stack["payments"]
    pay_date = working_day_after(7)
    one = await payee(producer, http, base)
    invoice = approved(one.provider_id, 4_321, due=pay_date)
    await approve_invoices(producer, http, base, invoice)
    result = CliRunner().invoke(carepay, ["payments", "run", "--date", pay_date.isoformat(), "--kind", "ad_hoc",
                                          "--provider", one.provider_id])
    assert result.exit_code == 0, result.output
    assert "1 payment(s), £43.21" in result.output
    # Today is a pay date no Bacs file can reach any more: the service's refusal is printed as it is.
    today = london_date(utcnow())
    refused = CliRunner().invoke(carepay, ["payments", "run", "--date", today.isoformat(), "--kind", "ad_hoc"])
    assert refused.exit_code == 1 and "submitted by" in refused.output, refused.output
    out_of_window = CliRunner().invoke(carepay, ["payments", "run", "--date", "2020-01-06", "--kind", "ad_hoc"])
    assert out_of_window.exit_code == 1 and "pay_date" in out_of_window.output
