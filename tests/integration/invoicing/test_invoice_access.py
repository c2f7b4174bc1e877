"""A provider's token reaches only that provider's invoices: another's list is refused (403), another's
invoice is not found (404), and it cannot send invoices in another provider's name."""
from __future__ import annotations

import pytest

from tests.conftest import auth
from tests.integration.invoicing.invoicing_helpers import MONDAY, agreement, provider

pytestmark = pytest.mark.stack


async def test_a_provider_sees_and_sends_only_its_own_invoices(http, stack, db, producer):
    base = stack["invoicing"]
    mine, theirs = await provider(producer, db, self_billing=False), await provider(producer, db, self_billing=False)
    aid, person = await agreement(producer, db, theirs)
    body = {"invoice_number": "T-1", "lines": [{"agreement_ref": aid, "service_user_ref": person,
                                                "date_from": MONDAY.isoformat(), "amount_pence": 100}]}
    sent = await http.post(f"{base}/providers/{theirs}/invoices", json=body, headers=auth("provider", provider=theirs))
    assert sent.status_code == 201, sent.text
    their_invoice = sent.json()["invoice_id"]
    me = auth("provider", provider=mine)

    assert (await http.get(f"{base}/invoices/{their_invoice}", headers=me)).status_code == 404
    assert (await http.get(f"{base}/invoices", params={"provider_id": theirs}, headers=me)).status_code == 403
    assert (await http.post(f"{base}/providers/{theirs}/invoices", json=body, headers=me)).status_code == 403
    assert (await http.post(f"{base}/invoices/preview", json={"agreement_id": aid, "period_start": "2026-03-02"},
                            headers=me)).status_code == 404
    listed = await http.get(f"{base}/invoices", headers=me)
    assert listed.status_code == 200 and listed.json() == []  # nothing of theirs, and it has sent nothing yet

    theirs_listed = await http.get(f"{base}/invoices", params={"agreement_id": aid},
                                   headers=auth("provider", provider=theirs))
    assert [i["invoice_id"] for i in theirs_listed.json()] == [their_invoice]
    assert (await http.get(f"{base}/invoices/{their_invoice}", headers=auth("provider", provider=theirs))).status_code \
        == 200
    assert (await http.get(f"{base}/invoices", headers=auth("person", person=person))).status_code == 403
    assert (await http.post(f"{base}/invoices/{their_invoice}/reject", json={"reason": "mine now"},
                            headers=auth("provider", provider=theirs))).status_code == 403
    assert (await http.get(f"{base}/invoices/{their_invoice}")).status_code == 401


async def test_officers_list_invoices_by_provider_status_and_agreement(http, stack, db, producer):
    base = stack["invoicing"]
    pid = await provider(producer, db, self_billing=False)
    aid, person = await agreement(producer, db, pid)
    body = {"invoice_number": "L-1", "lines": [{"agreement_ref": aid, "service_user_ref": person,
                                                "date_from": MONDAY.isoformat(), "amount_pence": 100}]}
    sent = (await http.post(f"{base}/providers/{pid}/invoices", json=body,
                            headers=auth("provider", provider=pid))).json()
    officer = auth("finance_officer")
    held = await http.get(f"{base}/invoices", params={"provider_id": pid, "status": "held"}, headers=officer)
    assert [(i["invoice_id"], i["hold_codes"]) for i in held.json()] == [(sent["invoice_id"],
                                                                          ["actuals_not_confirmed"])]
    approved = await http.get(f"{base}/invoices", params={"provider_id": pid, "status": "approved"}, headers=officer)
    assert approved.json() == []
