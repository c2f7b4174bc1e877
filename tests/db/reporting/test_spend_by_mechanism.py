"""Spend grouped and filtered by mechanism, to the penny, with a council-managed direct payment counted once:
events in through reporting's own consumers, figures out through its HTTP API, on a fresh reporting schema.

Five people, one per mechanism: a council-arranged agreement and an ISF, each invoiced and paid; a direct
payment to the person and one to a third party, each paid; and a direct payment the council manages, paid
into its account (a transfer, not spend), which funds a home care agreement invoiced and paid from the
account and pays a personal assistant."""
from __future__ import annotations

import csv
import io

import pytest

from contracts.common import Nominee, ServiceType, SpendMechanism
from shared.testing import DatabaseOnly
from services.reporting.app import app
from services.reporting.handlers.agreements import AGREEMENTS
from services.reporting.handlers.invoicing import INVOICING
from services.reporting.handlers.payments import PAYMENTS
from tests.db.reporting.mechanism_events import (MARCH, agreement, approved, commitment, debited, direct_payment,
                                                 dp_made, invoice_paid)

pytestmark = pytest.mark.db
HOME, DAY = "PRV-HOME", "PRV-DAY"
MANAGED = SpendMechanism.DIRECT_PAYMENT_MANAGED


async def send_the_month(db: DatabaseOnly) -> None:
    await db.send(AGREEMENTS,
                  agreement("AGR-CA", "P-CA", HOME),
                  agreement("AGR-ISF", "P-ISF", DAY, service_type=ServiceType.DAY_CARE, mechanism=SpendMechanism.ISF),
                  direct_payment("DP-PER", "P-PER", Nominee.PERSON),
                  direct_payment("DP-TP", "P-TP", Nominee.THIRD_PARTY),
                  direct_payment("DP-MAN", "P-MAN", Nominee.COUNCIL),
                  agreement("AGR-MAN", "P-MAN", HOME, mechanism=MANAGED, funded_by="DP-MAN"),
                  commitment("P-CA", ("AGR-CA", "agreement", HOME, 7_000)),
                  commitment("P-ISF", ("AGR-ISF", "agreement", DAY, 3_500)),
                  commitment("P-PER", ("DP-PER", "direct_payment", None, 14_000)),
                  commitment("P-TP", ("DP-TP", "direct_payment", None, 7_000)),
                  # the managed direct payment and the agreement it funds, as agreements forecasts them
                  commitment("P-MAN", ("DP-MAN", "direct_payment", None, 14_000),
                             ("AGR-MAN", "agreement", HOME, 7_000)))
    await db.send(INVOICING,
                  approved("INV-CA", HOME, "AGR-CA", 10_000),
                  approved("INV-ISF", DAY, "AGR-ISF", 20_000, ServiceType.DAY_CARE),
                  approved("INV-MAN", HOME, "AGR-MAN", 12_345))
    await db.send(PAYMENTS,
                  invoice_paid("INV-CA", HOME, 10_000, "PAY-1"),
                  invoice_paid("INV-ISF", DAY, 20_000, "PAY-2"),
                  dp_made("DP-PER", "P-PER", 40_000, "DP-1"),
                  dp_made("DP-TP", "P-TP", 33_333, "DP-2"),
                  dp_made("DP-MAN", "P-MAN", 50_000, "DP-3", council_managed=True),  # into the managed account
                  invoice_paid("INV-MAN", HOME, 12_345, "PAY-3"),  # paid from the managed account ...
                  debited("DP-MAN", "P-MAN", "provider", HOME, 12_345, "PAY-3", settles=["INV-MAN"]),  # ... so debited
                  debited("DP-MAN", "P-MAN", "personal_assistant", "PA-1", 6_789, "PAY-4"))
    assert db.dead == []


# (committed, delivered, invoiced, paid) over March 2026: committed is the weekly rate x 30 days (2-31 March) / 7
BY_MECHANISM = {
    "council_arranged": (30_000, 0, 10_000, 10_000),
    "isf": (15_000, 0, 20_000, 20_000),
    "direct_payment_person": (60_000, 0, 0, 40_000),
    "direct_payment_third_party": (30_000, 0, 0, 33_333),
    # the managed direct payment's own line (not also the agreement it funds); its pay-outs, not the transfer in
    "direct_payment_managed": (60_000, 0, 12_345, 12_345 + 6_789),
}
MEASURES = ("committed_pence", "delivered_pence", "invoiced_pence", "paid_pence")


def figures(answer: dict) -> dict:
    return {row["group"]: tuple(row[m] for m in MEASURES) for row in answer["rows"]}


@pytest.fixture
async def db():
    async with DatabaseOnly("reporting") as db:
        await send_the_month(db)
        yield db


async def spend(db: DatabaseOnly, **params) -> dict:
    async with db.http(app) as client:
        answer = await client.get("/spend", params={**MARCH, **params}, headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_spend_grouped_by_mechanism_to_the_penny_and_the_managed_payment_counted_once(db):
    answer = await spend(db, group_by="mechanism")
    assert figures(answer) == BY_MECHANISM
    assert {row["group"]: row["label"] for row in answer["rows"]}["direct_payment_managed"] == \
        "Direct payment managed by the council"
    assert answer["totals"] == {"committed_pence": 195_000, "delivered_pence": 0, "invoiced_pence": 42_345,
                                "paid_pence": 122_467}
    assert answer["mechanism"] is None
    # Every other grouping adds up to the same totals: nothing is counted twice in any view.
    for group_by in ("service_type", "provider", "person", "cost_centre"):
        assert (await spend(db, group_by=group_by))["totals"] == answer["totals"], group_by


async def test_the_managed_direct_payments_spend_is_its_invoices_by_provider_and_its_personal_assistants(db):
    answer = await spend(db, group_by="provider", mechanism="direct_payment_managed")
    assert answer["mechanism"] == ["direct_payment_managed"]
    assert figures(answer) == {HOME: (0, 0, 12_345, 12_345), None: (60_000, 0, 0, 6_789)}
    by_service = await spend(db, group_by="service_type", mechanism="direct_payment_managed")
    assert figures(by_service) == {"home_care": (0, 0, 12_345, 12_345), "direct_payment": (60_000, 0, 0, 6_789)}
    people = await spend(db, group_by="person", mechanism="direct_payment_managed")
    assert figures(people) == {"P-MAN": (60_000, 0, 12_345, 19_134)}


async def test_a_filter_takes_several_mechanisms_repeated_or_comma_separated(db):
    both = await spend(db, group_by="service_type", mechanism="direct_payment_person, direct_payment_third_party")
    assert both["mechanism"] == ["direct_payment_person", "direct_payment_third_party"]
    assert figures(both) == {"direct_payment": (90_000, 0, 0, 73_333)}
    repeated = await spend(db, group_by="provider", mechanism=["isf", "council_arranged"])
    assert figures(repeated) == {HOME: (30_000, 0, 10_000, 10_000), DAY: (15_000, 0, 20_000, 20_000)}
    assert repeated["mechanism"] == ["council_arranged", "isf"]
    grouped = await spend(db, group_by="mechanism", mechanism="isf,direct_payment_managed", period="week",
                          to="2026-03-08", **{"from": "2026-03-02"})
    assert {r["group"] for r in grouped["rows"]} == {"isf", "direct_payment_managed"}


async def test_an_unknown_mechanism_is_refused_naming_the_parameter_and_the_allowed_values(db):
    async with db.http(app) as client:
        for params in ({"mechanism": "council,isf"}, {"mechanism": ["isf", "direct_payment"]}):
            refused = await client.get("/spend", params={**MARCH, **params}, headers=db.auth("finance_officer"))
            assert refused.status_code == 422, refused.text
            [problem] = refused.json()["errors"]
            assert problem["loc"] in (["query", "mechanism", 0], ["query", "mechanism", 1])
            assert any(f"unknown mechanism '{v}'" in problem["msg"] for v in ("council", "direct_payment"))
            for allowed in ("council_arranged", "isf", "direct_payment_person", "direct_payment_third_party",
                            "direct_payment_managed"):
                assert allowed in problem["msg"]


async def test_the_persons_budget_counts_the_managed_direct_payment_once(db):
    async with db.http(app) as client:
        answer = await client.get("/people/P-MAN/budget", params=MARCH, headers=db.auth("finance_officer"))
    assert answer.status_code == 200, answer.text
    totals = answer.json()["totals"]
    assert (totals["committed_pence"], totals["invoiced_pence"], totals["paid_pence"]) == (60_000, 12_345, 19_134)


async def test_the_csv_export_groups_by_mechanism(db):
    async with db.http(app) as client:
        exported = await client.get("/spend", params={**MARCH, "group_by": "mechanism", "format": "csv"},
                                    headers=db.auth("finance_officer"))
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["mechanism"]: int(r["paid_pence"]) for r in rows} == {k: v[3] for k, v in BY_MECHANISM.items()}
