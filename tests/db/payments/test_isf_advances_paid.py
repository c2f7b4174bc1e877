"""An individual service fund's advance (an invoice of kind isf_advance) is paid like any approved invoice:
in the run of its service type's calendar (supported living: four-weekly) once it is due, on the period's
first day. Against Postgres alone (a fresh copy of the payments schema), driven through the HTTP API."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contracts import agreements
from contracts import invoicing
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from shared.testing import DatabaseOnly
from services.payments.app import app
from services.payments.config import payments_config
from services.payments.domain.run_calendar import RunKind
from services.payments.handlers.agreements import AGREEMENTS
from services.payments.handlers.invoicing import INVOICES
from tests.conftest import unique
from tests.db.payments.test_care_bought_from_managed_accounts import verified_payee
from tests.integration.payments.payments_helpers import working_day_after

pytestmark = pytest.mark.db
FOUR_WEEKS_PENCE = 280_000


def _isf(provider_id: str, start) -> agreements.AgreementActivated:
    return agreements.AgreementActivated(
        agreement_id=unique("AGR-ISF"), person_ref=unique("P-ISF"), provider_id=provider_id,
        service_type=ServiceType.SUPPORTED_LIVING, payment_basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY,
        start=start, mechanism=SpendMechanism.ISF,
        terms=[agreements.AgreementTerms(version=1, effective_from=start, weekly_units=Decimal("1"),
                                         rates=[agreements.Rate(unit=RateUnit.WEEK, amount_pence=70_000)])])


def _advance(agreement: agreements.AgreementActivated, n: int, period_start, raised_on) -> list:
    """The advance's InvoiceIssued and InvoiceApproved as invoicing publishes them: due on the period's start."""
    pid = agreement.provider_id
    document = dict(invoice_id=unique("INV-IA"), provider_id=pid, number=f"IA-{pid}-{n:06d}", kind="isf_advance",
                    agreement_ids=[agreement.agreement_id], service_type=agreement.service_type,
                    period_start=period_start)
    return [invoicing.InvoiceIssued(**document, person_refs=[agreement.person_ref],
                                    period_end=period_start + timedelta(days=27), total_pence=FOUR_WEEKS_PENCE,
                                    line_count=1),
            invoicing.InvoiceApproved(**document, revision=1, period_end=period_start + timedelta(days=27),
                                      amount_pence=FOUR_WEEKS_PENCE, received_on=raised_on, valid_on=raised_on,
                                      due_date=max(period_start, raised_on))]


async def test_an_advance_is_paid_in_the_four_weekly_run_once_due_and_not_before():
    calendar = payments_config().calendar
    run = next(r for r in calendar.runs_between(working_day_after(7), working_day_after(70))
               if r.kind is RunKind.FOUR_WEEKLY)
    async with DatabaseOnly("payments") as db, db.http(app) as client:
        provider = await verified_payee(db)
        agreement = _isf(provider, run.pay_date - timedelta(days=60))
        raised_on = run.pay_date - timedelta(days=20)
        due = _advance(agreement, 1, run.pay_date - timedelta(days=3), raised_on)
        next_period = _advance(agreement, 2, run.pay_date + timedelta(days=25), raised_on)
        await db.send(AGREEMENTS, agreement)
        await db.send(INVOICES, *due, *next_period)
        assert db.dead == []
        answer = await client.post("/payment-runs", headers=db.auth("finance_officer"),
                                   json={"pay_date": run.pay_date.isoformat(), "kind": "four_weekly",
                                         "providers": [provider]})
        assert answer.status_code == 201, answer.text
        [payment] = answer.json()["payments"]
        assert [(ln["line_id"], ln["kind"], ln["service_type"], ln["amount_pence"]) for ln in payment["lines"]] == [
            (due[1].invoice_id, "invoice", "supported_living", FOUR_WEEKS_PENCE)]
