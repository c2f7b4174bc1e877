"""An individual service fund is advanced before each four-weekly period, once, and never invoiced in
arrears: an ISF agreement told through the agreements consumer, advances raised by a finance officer
over the real HTTP API, against Postgres alone (a fresh copy of the invoicing schema)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contracts import agreements as ag
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType, SpendMechanism
from shared.clock import london_date, utcnow
from shared.testing import DatabaseOnly
from services.invoicing.app import app
from services.invoicing.config import config
from services.invoicing.domain.periods import four_weeks_of
from services.invoicing.handlers.agreements import AGREEMENTS
from tests.conftest import unique

pytestmark = pytest.mark.db
WEEKLY_PENCE = 70_000  # one week of supported living at £700.00


def _periods():
    """The four-weekly periods before, around and after today."""
    current = four_weeks_of(london_date(utcnow()), config().four_weekly_anchor)
    previous = four_weeks_of(current.first - timedelta(days=1), config().four_weekly_anchor)
    following = four_weeks_of(current.last + timedelta(days=1), config().four_weekly_anchor)
    return previous, current, following


def _isf(pid: str, *, start, end=None) -> ag.AgreementActivated:
    return ag.AgreementActivated(
        agreement_id=unique("AGR"), person_ref=unique("P"), provider_id=pid, service_type=ServiceType.SUPPORTED_LIVING,
        payment_basis=PaymentBasis.PLAN, cycle=Cycle.FOUR_WEEKLY, start=start, end=end, mechanism=SpendMechanism.ISF,
        terms=[ag.AgreementTerms(version=1, effective_from=start, weekly_units=Decimal("1"),
                                 rates=[ag.Rate(unit=RateUnit.WEEK, amount_pence=WEEKLY_PENCE)])])


async def _on_file(db: DatabaseOnly, *, start, end=None) -> ag.AgreementActivated:
    pid = unique("PRV")
    agreement = _isf(pid, start=start, end=end)
    await db.send(AGREEMENTS, ag.ProviderBankDetailsVerified(provider_id=pid, change_id=unique("CHG")), agreement)
    return agreement


async def _advance(db: DatabaseOnly, client, period_start) -> dict:
    answer = await client.post("/isf-advances", json={"period_start": period_start.isoformat()},
                               headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_an_isf_is_advanced_once_per_period_due_on_its_first_day_and_never_scheduled():
    previous, current, following = _periods()
    async with DatabaseOnly("invoicing") as db, db.http(app) as client:
        agreement = await _on_file(db, start=previous.first)
        run = await _advance(db, client, following.first)
        assert (run["period_start"], run["period_end"]) == (following.first.isoformat(), following.last.isoformat())
        assert (run["raised"], run["approved"], run["held"], run["already_advanced"]) == (1, 1, 0, 0)
        [invoice_id] = run["invoice_ids"]
        [row] = await db.fetch("SELECT * FROM invoices WHERE invoice_id = $1", invoice_id)
        assert (row["kind"], row["status"], row["number"]) == ("isf_advance", "approved",
                                                               f"IA-{agreement.provider_id}-000001")
        assert row["due_on"] == following.first and row["total_pence"] == 4 * WEEKLY_PENCE
        lines = await db.fetch("SELECT * FROM invoice_lines WHERE invoice_id = $1", invoice_id)
        assert [(x["first_day"], x["last_day"], x["amount_pence"]) for x in lines] == [
            (following.first, following.last, 4 * WEEKLY_PENCE)]
        issued = [e for e in await db.published("InvoiceIssued", "InvoiceApproved")
                  if e.payload["invoice_id"] == invoice_id]
        assert [(e.event_type, e.payload["kind"]) for e in issued] == [("InvoiceIssued", "isf_advance"),
                                                                      ("InvoiceApproved", "isf_advance")]
        assert issued[1].payload["due_date"] == following.first.isoformat()
        assert issued[1].payload["service_type"] == "supported_living"

        again = await _advance(db, client, following.first)
        assert (again["raised"], again["already_advanced"], again["invoice_ids"]) == (0, 1, [])

        late = await _advance(db, client, current.first)  # raised after its period started: due today
        [due_on] = [r["due_on"] for r in await db.fetch("SELECT due_on FROM invoices WHERE invoice_id = $1",
                                                        late["invoice_ids"][0])]
        assert due_on == max(current.first, london_date(utcnow()))

        scheduled = await client.post(f"/invoices/scheduled?period_start={previous.first}",
                                      headers=db.auth("finance_officer"))
        assert scheduled.status_code == 200, scheduled.text
        assert (scheduled.json()["raised"], scheduled.json()["nothing_payable"]) == (0, 0)
        assert await db.fetchval("SELECT count(*) FROM invoices WHERE kind = 'scheduled'") == 0
        assert await db.fetchval("SELECT count(*) FROM invoices") == 2


async def test_no_advance_for_a_period_after_the_agreements_end():
    previous, current, following = _periods()
    async with DatabaseOnly("invoicing") as db, db.http(app) as client:
        await _on_file(db, start=previous.first, end=current.last)
        run = await _advance(db, client, following.first)
        assert (run["raised"], run["invoice_ids"]) == (0, [])
        assert await db.fetchval("SELECT count(*) FROM invoices") == 0


async def test_a_day_that_starts_no_four_weekly_period_is_refused_naming_period_start():
    _, _, following = _periods()
    async with DatabaseOnly("invoicing") as db, db.http(app) as client:
        await _on_file(db, start=following.first)
        for day in (following.first + timedelta(days=7), following.first + timedelta(days=1)):
            refused = await client.post("/isf-advances", json={"period_start": day.isoformat()},
                                        headers=db.auth("finance_officer"))
            assert refused.status_code == 422, refused.text
            [problem] = refused.json()["errors"]
            assert problem["loc"] == ["body", "period_start"] and "four-weekly period" in problem["msg"]
        wrong_role = await client.post("/isf-advances", json={"period_start": following.first.isoformat()},
                                       headers=db.auth("provider", provider="PRV-ANY"))
        assert wrong_role.status_code == 403
        assert await db.fetchval("SELECT count(*) FROM invoices") == 0
