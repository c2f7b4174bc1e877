"""invoicing's agreements consumer takes every lock a batch's handlers will need before any handler
runs: providers' facts locks, then agreement locks, each sorted — one order for every batch."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts import agreements as ag
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from shared.records import Incoming
from services.invoicing.handlers.agreements import AGREEMENTS, lock_batch

DAY = date(2026, 3, 2)


class RecordingConnection:
    def __init__(self) -> None:
        self.locked: list[tuple[str, list[str]]] = []

    async def execute(self, sql: str, ids: list[str]) -> None:
        self.locked.append(("provider-facts" if "provider-facts" in sql else "agreement", ids))


def _item(event) -> Incoming:
    return Incoming("agreements.events", 0, 0, None, None, {}, message_id="m", event=event)


async def test_a_batch_locks_its_providers_then_its_agreements_in_order_before_any_handler():
    terms = ag.AgreementTerms(version=1, effective_from=DAY, rates=[ag.Rate(unit=RateUnit.HOUR, amount_pence=2400)],
                              weekly_units=Decimal("10"))
    varied = ag.AgreementVaried(agreement_id="AGR-B", person_ref="P-2", provider_id="PRV-2",
                                service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS,
                                cycle=Cycle.WEEKLY, start=DAY, terms=[terms], effective_from=DAY, version=2)
    commitment = ag.CommitmentChanged(
        person_ref="P-1", as_of=DAY, weekly_commitment_pence=100, annual_commitment_pence=5200, exceeded=False,
        lines=[ag.CommitmentLine(agreement_id="AGR-A", kind="agreement", service_type=ServiceType.HOME_CARE,
                                 provider_id="PRV-9", weekly_pence=100, annual_pence=5200),
               ag.CommitmentLine(agreement_id="DP-1", kind="direct_payment", service_type=ServiceType.HOME_CARE,
                                 weekly_pence=0, annual_pence=0)])
    verified = ag.ProviderBankDetailsVerified(provider_id="PRV-1", change_id="CHG-1")
    conn = RecordingConnection()
    await lock_batch(conn, [_item(commitment), _item(varied), _item(verified)])
    assert conn.locked == [("provider-facts", ["PRV-1", "PRV-2", "PRV-9"]), ("agreement", ["AGR-A", "AGR-B"])]
    assert AGREEMENTS.before_handlers is lock_batch
