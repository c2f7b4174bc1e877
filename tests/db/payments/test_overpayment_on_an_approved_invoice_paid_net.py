"""An invoice approved but not yet in a run when its agreement's end is told late (a death) is paid up to the
end, net of the overpayment credit note invoicing raises for the days after it. Two fresh schemas (invoicing
and payments), Postgres alone: what invoicing's consumers publish (its outbox) is handed to payments'
consumers as the relay would, and a run is proposed through payments' HTTP API. Without the credit note
and the new approval (payable to the end), payments would leave the invoice out for ever
(`after_agreement_end`)."""
from __future__ import annotations

import pytest

from contracts import agreements as ag
from contracts.common import ServiceType
from shared.events import Cause
from shared.testing import DatabaseOnly
from services.invoicing.handlers.agreements import AGREEMENTS as INVOICING_AGREEMENTS
from services.invoicing.steps.scheduled import raise_scheduled
from services.invoicing.steps.validation import SYSTEM
from services.payments.app import app
from services.payments.handlers.agreements import AGREEMENTS as PAYMENTS_AGREEMENTS
from services.payments.handlers.invoicing import INVOICES
from tests.conftest import unique
from tests.db.invoicing.test_overpayments_recovered import PERIOD, WEEKLY, _agreement, _ended, day
from tests.db.payments.test_care_bought_from_managed_accounts import propose, verified_payee
from tests.integration.payments.payments_helpers import working_day_after

pytestmark = pytest.mark.db
EVENTS = {cls.EVENT_TYPE: cls for cls in INVOICES.handlers}


class Relay:
    """invoicing's outbox to payments' invoices consumer, each record once, in order."""

    def __init__(self, source: DatabaseOnly, target: DatabaseOnly) -> None:
        self.source, self.target, self.sent = source, target, 0

    async def __call__(self) -> list[str]:
        published = (await self.source.published())[self.sent:]
        self.sent += len(published)
        events = [EVENTS[e.event_type].model_validate(e.payload) for e in published if e.event_type in EVENTS]
        if events:
            await self.target.send(INVOICES, *events)
        assert self.target.dead == []
        return [e.EVENT_TYPE for e in events]


async def test_an_approved_invoice_past_a_late_death_is_paid_up_to_it_net_of_its_credit_note():
    async with DatabaseOnly("invoicing") as inv, DatabaseOnly("payments") as pay, pay.http(app) as client:
        relay = Relay(inv, pay)
        pid = await verified_payee(pay)
        aid, person = unique("AGR"), unique("P")
        activated = _agreement(ag.AgreementActivated, pid, aid, person)
        await inv.send(INVOICING_AGREEMENTS, ag.ProviderRegistered(
            provider_id=pid, name="Acme Care", cqc_provider_id="1-1234567890", cqc_location_ids=["1-1234567891"],
            service_types=[ServiceType.RESIDENTIAL], self_billing=ag.SelfBilling(in_place=False)),
            ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")), activated)
        await pay.send(PAYMENTS_AGREEMENTS, activated)
        run = await raise_scheduled(inv.pool, inv.outbox, Cause("test-paid-net", None, SYSTEM), SYSTEM, PERIOD)
        [invoice_id] = run.invoice_ids
        assert await relay() == ["InvoiceIssued", "InvoiceApproved"]

        ended = _ended(pid, aid, person, day(20))  # died 22 Mar, told late: 7 of the 28 days after it
        await inv.send(INVOICING_AGREEMENTS, ended)
        await pay.send(PAYMENTS_AGREEMENTS, ended)
        assert await relay() == ["CreditNoteIssued", "InvoiceApproved"]

        proposed = await propose(client, pay, working_day_after(7), providers=[pid], pay_early=[invoice_id])
    assert [e["subject"] for e in proposed["exclusions"]] == []
    [payment] = proposed["payments"]
    assert payment["amount_pence"] == 4 * WEEKLY - 7 * 10_000
    lines = {(ln["kind"], ln["amount_pence"], ln["period_end"]) for ln in payment["lines"]}
    assert lines == {("invoice", 4 * WEEKLY, day(20).isoformat()), ("credit_note", -7 * 10_000, day(20).isoformat())}
    [note] = [ln for ln in payment["lines"] if ln["kind"] == "credit_note"]
    assert note["reason"].startswith(f"Overpayment: agreement {aid} ended 22 Mar 2026; 7 day(s) after the end")
