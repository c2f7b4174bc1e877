"""What the wiring publishes and stores for a run, from the domain's objects (no database)."""
from __future__ import annotations

import json

from contracts import payments as contract
from services.payments import events
from services.payments.domain.files.export import export_run
from services.payments.domain.files.stored import files_of
from tests.unit.payments.builders import MAPPING, SETTINGS, a_sound_run


def test_a_large_run_is_announced_in_parts_that_list_every_invoice_once(monkeypatch):
    monkeypatch.setattr(contract, "INVOICE_IDS_PER_PART", 2)
    run = a_sound_run()
    parts = events.run_approved(run, ["INV-3", "INV-1", "INV-2"])
    assert [(p.part, p.parts, p.invoice_ids) for p in parts] == [(1, 2, ["INV-1", "INV-2"]), (2, 2, ["INV-3"])]
    assert {p.total_pence for p in parts} == {run.total_pence}


def test_payment_events_say_what_each_payment_settles_without_bank_details():
    run = a_sound_run()
    made_events = [events.payment_made(run, p, council_managed=False) for p in run.payments]
    made = {e.aggregate_id(): e for e in made_events}
    assert made["PRV-1"].invoice_ids == ["INV-1", "INV-2"] and made["PRV-1"].credit_note_ids == ["INV-2-CN1"]
    assert made["DP-1"].EVENT_TYPE == "DirectPaymentMade" and made["DP-1"].period_start == run.pay_date
    text = json.dumps([e.model_dump(mode="json") for e in made_events])
    for p in run.payments:
        assert p.account.account_number not in text and p.account.account_name not in text


def test_invoice_paid_carries_what_the_invoice_was_paid_net_of_its_own_credit_notes():
    run = a_sound_run()
    [provider] = [p for p in run.payments if p.payee_id == "PRV-1"]
    paid = {e.invoice_id: e.amount_pence for e in events.invoices_paid(run, provider)}
    assert paid == {"INV-1": 12_345, "INV-2": 20_000 - 2_345}


def test_every_stored_file_carries_the_control_total_read_back_from_it():
    run = a_sound_run()
    files = {f.name: f for f in files_of(export_run(run, SETTINGS, MAPPING))}
    assert {files[n].control_total_pence for n in ("bacs", "pain001", "journal")} == {run.total_pence}
    amounts = {p.reference: p.amount_pence for p in run.payments}
    for name in ("remittance/PRV-1.csv", "remittance/PRV-1.html", "remittance/PRV-2.csv"):
        assert files[name].control_total_pence == amounts[files[name].payment_reference]
    assert len({f.sha256 for f in files.values()}) == len(files)
