"""Driving requests through the running requests service, step by step, for the stack tests."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from contracts import agreements
from contracts.common import Cycle, PaymentBasis, RateUnit, ServiceType
from contracts.envelope import Actor
from shared.events import Cause, envelope_for
from tests.conftest import auth, unique
from tests.integration.foundation.helpers import send_envelope as send  # noqa: F401 (for the tests)

PERSONAL = {"name": "Ada Testperson-{tag}", "address": "{tag} Orchard Lane, Exampleton",
            "contact": "ada.{tag}@example.test"}
NEEDS = ["needs help getting up and washing ({tag})"]
OUTCOMES = ["keep living at home with her cat ({tag})"]

# Each step after submission: (route, role, body); bodies carry the reasons recorded in the history.
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("assess", "social_worker", {"eligible": True, "service_type": "home_care", "needs": NEEDS,
                                 "outcomes": OUTCOMES, "reason": "assessed at home"}),
    ("budget", "social_worker", {"weekly_budget_pence": 45_000, "weekly_contribution_pence": 5_000,
                                 "reason": "panel agreed"}),
    ("mechanism", "person", {"mechanism": "council_arranged", "preferred_provider_id": "PRV-1A2B3C4D5E"}),
    ("approve", "brokerage_officer", {"reason": "within budget"}),
]


def event_of(request_id: str, event_type: str):
    """A predicate for tails: the `event_type` event of one request. Events of the steps taken
    just before a tail opened may still be leaving the outbox, so tests match by type too."""
    key = request_id.encode()
    return lambda record: record.key == key and dict(record.headers).get("event_type") == event_type.encode()


def personal_data(tag: str) -> list[str]:
    """Every piece of personal or assessment text a request with `tag` holds."""
    return [v.format(tag=tag) for v in (*PERSONAL.values(), *NEEDS, *OUTCOMES)]


WORKERS = frozenset({"social_worker", "brokerage_officer"})


class Flow:
    """One request of one person, moved through the API."""

    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        self.http, self.base = http, base
        self.person = unique("P")
        self.tag = uuid.uuid4().hex[:8]
        self.request_id = ""

        self.allocated = False

    def as_(self, role: str, **kw) -> dict[str, str]:
        if role == "person":
            return auth(role, person=self.person, **kw)
        if role in WORKERS and "subject" not in kw:
            kw["subject"] = self.worker(role)
        return auth(role, **kw)

    def worker(self, role: str) -> str:
        """The social worker or brokerage officer this person is allocated to (the same subject throughout)."""
        return f"test-{role}-{self.tag}"

    async def allocate(self) -> None:
        """A team manager allocates the person to this flow's social worker and brokerage officer: their
        only access to the person's requests (submitting grants none)."""
        for role in sorted(WORKERS):
            resp = await self.http.put(f"{self.base}/people/{self.person}/allocation", headers=auth("team_manager"),
                                       json={"worker_id": self.worker(role), "worker_role": role, "reason": "caseload"})
            assert resp.status_code == 200, resp.text
        self.allocated = True

    def _fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.format(tag=self.tag)
        if isinstance(value, list):
            return [self._fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self._fill(v) for k, v in value.items()}
        return value

    async def submit(self, role: str = "social_worker", **overrides) -> httpx.Response:
        body = {"person_ref": self.person, "requested_by": "person",
                "requested_start": (date.today() + timedelta(days=14)).isoformat(),
                "needs": NEEDS, "personal_details": PERSONAL, **overrides}
        if not self.allocated:
            await self.allocate()
        resp = await self.http.post(f"{self.base}/requests", headers=self.as_(role), json=self._fill(body))
        if resp.status_code == 201:
            self.request_id = resp.json()["request_id"]
        return resp

    async def step(self, route: str, role: str, body: dict[str, Any] | None = None, **kw) -> httpx.Response:
        return await self.http.post(f"{self.base}/requests/{self.request_id}/{route}", headers=self.as_(role, **kw),
                                    json=self._fill(body) if body is not None else None)

    async def get(self, role: str = "social_worker", **kw) -> httpx.Response:
        return await self.http.get(f"{self.base}/requests/{self.request_id}", headers=self.as_(role, **kw))

    async def reach(self, status: str) -> dict[str, Any]:
        """Submit and take the ordinary steps until the request is in `status` (up to approved)."""
        resp = await self.submit()
        assert resp.status_code == 201, resp.text
        for route, role, body in STEPS:
            if resp.json()["status"] == status:
                break
            resp = await self.step(route, role, body)
            assert resp.status_code == 200, resp.text
        assert resp.json()["status"] == status, resp.text
        return resp.json()


def agreement_activated(request_id: str | None, person_ref: str, start: date) -> agreements.AgreementActivated:
    """A council-arranged agreement as the agreements service would announce it."""
    return agreements.AgreementActivated(
        agreement_id=unique("AGR-T"), request_id=request_id, person_ref=person_ref, provider_id=unique("PRV-T"),
        service_type=ServiceType.HOME_CARE, payment_basis=PaymentBasis.ACTUALS, cycle=Cycle.WEEKLY, start=start,
        terms=[agreements.AgreementTerms(version=1, effective_from=start, rates=[
            agreements.Rate(unit=RateUnit.HOUR, amount_pence=2385)])])


def direct_payment_agreed(request_id: str, person_ref: str, start: date) -> agreements.DirectPaymentAgreed:
    return agreements.DirectPaymentAgreed(
        agreement_id=unique("DP-T"), request_id=request_id, person_ref=person_ref, nominee="council", start=start, amount_per_four_weeks_pence=160_000, weekly_budget_pence=45_000,
        weekly_contribution_pence=5_000, first_review_due=start + timedelta(days=90))


def as_published(event):
    """The event in an envelope from the agreements service, as its outbox relay would send it."""
    return envelope_for(event, producer="agreements", council_id="demo-council",
                        cause=Cause(str(uuid.uuid4()), None, Actor(id="test-brokerage", role="brokerage_officer")))
