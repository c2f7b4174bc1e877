"""The payments contract: every event registered on payments.events, keyed by its aggregate, no bank details."""
from __future__ import annotations

import json
from datetime import date

from contracts import payments as contract
from contracts.registry import lookup

EVENTS = [cls for cls in vars(contract).values()
          if isinstance(cls, type) and issubclass(cls, contract.PaymentsEvent) and "EVENT_TYPE" in cls.__dict__]
DAY = date(2026, 3, 4)


def test_every_payments_event_is_registered_on_the_payments_topic():
    assert {cls.EVENT_TYPE for cls in EVENTS} == {
        "PaymentRunProposed", "PaymentRunApproved", "PaymentRunExported", "PaymentMade", "PaymentReturned",
        "InvoicePaid", "DirectPaymentMade", "DirectPaymentReturned", "PaymentReturnRecorded", "PaymentReturnApproved",
        "PaymentHoldReleaseRecorded", "PaymentHoldReleased", "ManagedAccountDebited", "DirectPaymentReturnAudited",
        "DirectPaymentReclaimRaised"}
    for cls in EVENTS:
        assert lookup(cls.EVENT_TYPE, cls.SCHEMA_VERSION) is cls
        assert cls.TOPIC == "payments.events"


def test_no_bank_details_or_names_travel_in_payments_events():
    for cls in EVENTS:
        schema = json.dumps(cls.model_json_schema())
        for word in ("account_number", "sort_code", "account_name", "payee_name"):
            assert word not in schema, f"{cls.EVENT_TYPE} carries {word}"


def test_run_events_are_keyed_by_run_invoice_events_by_invoice_and_payments_by_payee():
    approved = contract.PaymentRunApproved(run_id="RUN-1", run_number=1, kind="weekly", pay_date=DAY,
                                           total_pence=100, payment_count=1, invoice_ids=["INV-1"],
                                           approved_by="u-2")
    made = contract.PaymentMade(run_id="RUN-1", provider_id="PRV-1", payment_reference="CP000001-00001",
                                pay_date=DAY, amount_pence=100, invoice_ids=["INV-1"])
    paid = contract.InvoicePaid(invoice_id="INV-1", provider_id="PRV-1", run_id="RUN-1",
                                payment_reference="CP000001-00001", paid_on=DAY, amount_pence=100)
    dp = contract.DirectPaymentMade(run_id="RUN-1", agreement_id="DP-1", person_ref="P-1",
                                    payment_reference="CP000001-00002", pay_date=DAY, amount_pence=100,
                                    period_start=DAY, period_end=DAY, council_managed=False)
    assert [e.aggregate_id() for e in (approved, made, paid, dp)] == ["RUN-1", "PRV-1", "INV-1", "DP-1"]
