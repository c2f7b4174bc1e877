"""Queries at each point of their lifecycle, built through the domain's own steps."""
from __future__ import annotations

from datetime import datetime, timedelta

from contracts.queries import QueryCategory, SubjectKind
from services.queries.domain.lifecycle import (acknowledge, close, raise_query, reopen, resolve,
                                              start_investigation)
from services.queries.domain.outcomes import NoChange, Outcome, SupplementaryPayment, moves_money
from services.queries.domain.query import Party, Query, QueryStatus, Subject
from services.queries.domain.sla import STANDARD, SlaPolicies
from shared.clock import london_local

OFFICER = Party.officer("u-officer-1")
OTHER_OFFICER = Party.officer("u-officer-2")
# Only finance resolves with an outcome that moves money; above the threshold a second approver approves.
FINANCE = Party.officer("u-finance-1", "finance_officer")
APPROVER = Party.officer("u-approver-1", "finance_approver")
OTHER_APPROVER = Party.officer("u-approver-2", "finance_approver")
ABOVE_THRESHOLD = SupplementaryPayment(50_001)
PROVIDER = Party.provider("u-provider-1", "PRV-101010101")
OTHER_PROVIDER = Party.provider("u-provider-2", "1-202020202")
PERSON = Party.person("u-person-1", "P-0001")
REPRESENTATIVE = Party.representative("u-daughter-1", "P-0001")
OTHER_PERSON = Party.person("u-person-2", "P-0002")
SYSTEM = Party.system("invoicing")

VISIT = Subject(SubjectKind.VISIT, "VIS-1", provider_id="PRV-101010101", person_ref="P-0001")
INVOICE = Subject(SubjectKind.INVOICE, "INV-1", provider_id="PRV-101010101")
AGREEMENT = Subject(SubjectKind.AGREEMENT, "AGR-1", provider_id="PRV-101010101", person_ref="P-0001")
DIRECT_PAYMENT = Subject(SubjectKind.DIRECT_PAYMENT, "DP-1", person_ref="P-0001")


def london(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Europe/London wall-clock time as an aware UTC instant."""
    return london_local(datetime(year, month, day, hour, minute))


MONDAY = london(2026, 3, 2)  # an ordinary week, far from bank holidays
HOUR = timedelta(hours=1)


def raised(subject: Subject = VISIT, by: Party = PERSON, at: datetime = MONDAY,
           category: QueryCategory = QueryCategory.MISSED_OR_LATE_VISIT, disputes_invoice: bool = False,
           policies: SlaPolicies = STANDARD) -> Query:
    return raise_query(subject, category, "The carer did not come on Monday morning.", by, at,
                       disputes_invoice=disputes_invoice, policies=policies, query_id="QRY-TEST").query


def dispute(at: datetime = MONDAY) -> Query:
    """A provider's query disputing its invoice."""
    return raised(INVOICE, PROVIDER, at, QueryCategory.WRONG_CHARGE, disputes_invoice=True)


def resolver_of(outcome: Outcome) -> Party:
    """Who resolves with `outcome`: finance when it moves money, any officer otherwise."""
    return FINANCE if moves_money(outcome.kind) else OFFICER


def query_in(status: QueryStatus, query: Query | None = None, outcome: Outcome = NoChange()) -> Query:
    """A query moved the ordinary way to `status`, an hour per step (reopened from resolved); awaiting
    approval: a supplementary payment above the threshold proposed by finance."""
    q = query or raised()
    at = q.raised_at
    if status == QueryStatus.AWAITING_APPROVAL:
        investigating = query_in(QueryStatus.INVESTIGATING, q)
        return resolve(investigating, FINANCE, investigating.history[-1].at + HOUR, ABOVE_THRESHOLD,
                       "Paid too little for March.").query
    path = [
        (QueryStatus.ACKNOWLEDGED, lambda q, at: acknowledge(q, OFFICER, at)),
        (QueryStatus.INVESTIGATING, lambda q, at: start_investigation(q, OFFICER, at)),
        (QueryStatus.RESOLVED, lambda q, at: resolve(q, resolver_of(outcome), at, outcome, "Checked the rota.", "EFF-1")),
        (QueryStatus.CLOSED, lambda q, at: close(q, OFFICER, at)),
    ]
    if status == QueryStatus.REOPENED:
        resolved = query_in(QueryStatus.RESOLVED, q, outcome)
        return reopen(resolved, PERSON, resolved.resolved_at + HOUR, "Still not right.").query
    for reached, step in path:
        if q.status == status:
            return q
        at += HOUR
        q = step(q, at).query
        assert q.status == reached
    assert q.status == status
    return q
