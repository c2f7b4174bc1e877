"""A provider's JSON invoice whose line holds a NUL character (which Postgres cannot store) is kept, held,
naming the line, through invoicing's real HTTP API against a fresh invoicing schema: it was a 500
(UntranslatableCharacterError storing the unreadable line's cells)."""
from __future__ import annotations

import pytest

from shared.testing import DatabaseOnly
from services.invoicing.app import app
from tests.conftest import unique

pytestmark = pytest.mark.db


@pytest.fixture
async def db():
    async with DatabaseOnly("invoicing") as db:
        yield db


@pytest.mark.parametrize("line", [
    {"\u0000odd": "\u0000", "agreement_ref": "AGR-1"},  # an unknown key and a cell: the line cannot be read anyway
    {"agreement_ref": "AGR-\u00001", "service_user_ref": "P-1", "amount_pence": 2400, "date_from": "2026-03-02"},
])
async def test_a_line_with_a_nul_is_kept_unreadable_and_the_invoice_held(db, line):
    pid = unique("PRV")
    async with db.http(app) as client:
        sent = await client.post(f"/providers/{pid}/invoices", json={"invoice_number": "INV-NUL", "lines": [line]},
                                 headers=db.auth("provider", provider=pid))
    assert sent.status_code == 201, sent.text
    invoice = sent.json()
    assert (invoice["status"], invoice["line_count"]) == ("held", 0)
    [unreadable] = invoice["unreadable_lines"]
    assert unreadable["line_number"] == 1 and all("\u0000" not in p for p in unreadable["problems"])
