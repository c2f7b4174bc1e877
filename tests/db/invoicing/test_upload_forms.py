"""Invoicing's file routes take the file as the raw body with its content type and as the part `file` of a
multipart/form-data form, the same either way, against a fresh invoicing schema; the answer to a CSV lists the
header's columns read and ignored (extra or misspelt), and a file refused for a missing column says which
columns it had; any other content type is a 415 naming those accepted."""
from __future__ import annotations

import json

import pytest

from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.domain.invoice import InvoiceStatus
from tests.conftest import unique
from tests.db.invoicing.test_isf_returns_http import P, a_return, an_advance, an_isf

pytestmark = pytest.mark.db
INVOICES = ("Invoice Number,agreement_ref,service_user_ref,amount,date_from,Notes\n"
            "INV-{n}-1,AGR-NOWHERE,P-NOBODY,24.00,02/03/2026,first visit\n"
            "INV-{n}-1,AGR-NOWHERE,P-NOBODY,24.00,03/03/2026,\n"
            "INV-{n}-2,AGR-NOWHERE,P-NOBODY,12.50,2026-03-04,\n")
COLUMNS = {"mapped": ["Invoice Number", "agreement_ref", "service_user_ref", "amount", "date_from"],
           "ignored": ["Notes"]}


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


@pytest.mark.parametrize("form", ["raw", "multipart", "multipart without a filename"])
async def test_an_invoice_file_is_read_the_same_raw_or_in_a_form_and_its_columns_reported(db, form):
    pid, n = unique("PRV"), unique("F")
    text = INVOICES.format(n=n)
    headers = db.auth("provider", provider=pid)
    async with db.http(app) as client:
        if form == "raw":
            sent = await client.post(f"/providers/{pid}/invoices/csv", content=text.encode(),
                                     headers={**headers, "content-type": "text/csv; charset=utf-8"})
        elif form == "multipart":
            sent = await client.post(f"/providers/{pid}/invoices/csv", headers=headers,
                                     files={"file": ("march.csv", text.encode(), "text/csv")})
        else:
            sent = await client.post(f"/providers/{pid}/invoices/csv", headers=headers, files={"file": (None, text)})
    assert sent.status_code == 201, sent.text
    out = sent.json()
    assert out["columns"] == COLUMNS
    assert [(i["number"], i["line_count"], i["total_pence"], i["status"]) for i in out["invoices"]] == [
        (f"INV-{n}-1", 2, 4_800, "held"), (f"INV-{n}-2", 1, 1_250, "held")]
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE source = 'csv'") == 2


async def test_a_misspelt_required_column_is_refused_naming_it_among_the_columns_not_read(db):
    pid = unique("PRV")
    text = "invoice_number,agreement_ref,service_user_ref,amout,date_from\nINV-1,AGR-1,P-1,24.00,02/03/2026\n"
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/invoices/csv", content=text,
                                 headers={**db.auth("provider", provider=pid), "content-type": "text/csv"})
    assert sent.status_code == 422, sent.text
    [error] = sent.json()["errors"]
    assert error["field"] == "body.file" and "no column amount" in error["msg"] and "'amout'" in error["msg"]
    assert error["columns"] == {"mapped": ["invoice_number", "agreement_ref", "service_user_ref", "date_from"],
                                "ignored": ["amout"]}
    assert await db.fetchval("SELECT count(*) FROM invoices") == 0


async def test_another_content_type_is_415_naming_those_accepted(db):
    pid = unique("PRV")
    headers = db.auth("provider", provider=pid)
    async with db.http(app) as client:
        invoices = await client.post(f"/providers/{pid}/invoices/csv", json={"invoice_number": "x"}, headers=headers)
        returns = await client.post(f"/providers/{pid}/isf-returns", content=b"hello",
                                    headers={**headers, "content-type": "text/plain"})
    assert (invoices.status_code, invoices.json()["code"]) == (415, "unsupported_media_type")
    assert "text/csv" in invoices.json()["detail"] and "multipart/form-data" in invoices.json()["detail"]
    assert returns.status_code == 415 and "text/csv or application/json" in returns.json()["detail"]


@pytest.mark.parametrize("form", ["multipart csv", "multipart json", "raw json"])
async def test_isf_returns_come_raw_or_in_a_form_as_csv_or_json(db, form):
    pid, person = unique("PRV"), unique("P")
    isf = await an_isf(db, pid, person)
    await an_advance(db, isf, P, InvoiceStatus.PAID, 1)
    headers = db.auth("provider", provider=pid)
    csv = ("person_ref,period_start,support_type,hours,spend,Comment\n"
           f"{person},{P.first.isoformat()},personal care,40,100.00,fine\n")
    async with db.http(app) as client:
        if form == "multipart csv":
            sent = await client.post(f"/providers/{pid}/isf-returns", headers=headers,
                                     files={"file": ("returns.csv", csv.encode(), "text/csv")})
        elif form == "multipart json":
            body = json.dumps(a_return(person, 10_000)).encode()
            sent = await client.post(f"/providers/{pid}/isf-returns", headers=headers,
                                     files={"file": ("return.json", body, "application/json")})
        else:
            sent = await client.post(f"/providers/{pid}/isf-returns", json=a_return(person, 10_000), headers=headers)
    assert sent.status_code == 201, sent.text
    if form == "multipart csv":
        assert sent.json()["columns"] == {"mapped": ["person_ref", "period_start", "support_type", "hours", "spend"],
                                          "ignored": ["Comment"]}
        [recorded] = sent.json()["returns"]
    else:
        recorded = sent.json()
        assert "columns" not in recorded
    assert (recorded["person_ref"], recorded["status"]) == (person, "accepted")
    assert await db.fetchval("SELECT source FROM isf_returns") == ("csv" if form == "multipart csv" else "json")
