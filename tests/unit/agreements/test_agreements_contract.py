"""The agreements contract: keys, registration, and where bank details may travel."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from contracts import agreements as contract
from contracts.registry import lookup
from services.agreements.events import agreement_event
from tests.unit.agreements.builders import MONDAY, residential

EVENTS = [cls for cls in vars(contract).values()
          if isinstance(cls, type) and issubclass(cls, contract.AgreementsEvent) and "EVENT_TYPE" in cls.__dict__]


def test_every_agreements_event_is_registered_on_the_agreements_topic():
    assert len(EVENTS) == 19  # 16 event types, 3 of them also in their version 1 (decoding old records)
    for cls in EVENTS:
        assert lookup(cls.EVENT_TYPE, cls.SCHEMA_VERSION) is cls
        assert cls.TOPIC == "agreements.events"


def test_bank_details_on_the_agreements_topic_only_in_version_1_events_no_longer_published():
    carrying = {(cls.EVENT_TYPE, cls.SCHEMA_VERSION) for cls in EVENTS
                if "account_number" in json.dumps(cls.model_json_schema())}
    assert carrying == {("ProviderBankDetailsVerified", 1), ("DirectPaymentAgreed", 1)}


def test_events_are_keyed_by_their_aggregate():
    changed = contract.ProviderBankDetailsChanged(provider_id="PRV-1", change_id="BDC-1")
    commitment = contract.CommitmentChanged(person_ref="P-1", as_of=MONDAY, weekly_commitment_pence=0,
                                            annual_commitment_pence=0, exceeded=False)
    activated = agreement_event(contract.AgreementActivated, residential("P-1"))
    assert (changed.aggregate_id(), commitment.aggregate_id(), activated.aggregate_id()) == (
        "PRV-1", "P-1", "AGR-RES-P-1")


def test_an_agreement_event_survives_the_wire_with_its_weekly_units_exact():
    agreement = residential("P-1").vary(date(2026, 4, 1), weekly_units=Decimal("1.5"))
    sent = agreement_event(contract.AgreementVaried, agreement, version=2, effective_from=date(2026, 4, 1))
    received = contract.AgreementVaried.model_validate_json(sent.model_dump_json())
    assert received == sent
    assert received.terms[1].weekly_units == Decimal("1.5")
