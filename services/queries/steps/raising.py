"""Raising a query about a subject this service knows, in one transaction with its events.

A subject is known from the owning service's events (`store.subjects`); one not heard of is
UnknownSubject (404 on `subject_id`). The description and attachments stay in this service.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from contracts.queries import QueryCategory, SubjectKind
from services.queries import store
from services.queries.domain.errors import UnknownSubject
from services.queries.domain.lifecycle import raise_query
from services.queries.domain.query import Attachment, Party, Step, Subject
from services.queries.domain.sla import SlaPolicies
from shared.events import Cause
from shared.outbox import Outbox


async def subject_of(conn: asyncpg.Connection, kind: SubjectKind, subject_id: str, party: Party) -> Subject:
    """The subject with its owner facts, as this service knows it from the owning service's events."""
    known = await store.subjects.find(conn, kind, subject_id)
    if known is None:
        raise UnknownSubject(kind.value, subject_id)
    people = known.person_refs
    # An invoice can bill several people: a person raising about it is its person if they are among them.
    if party.acts_for_person and party.person_ref in people:
        person_ref = party.person_ref
    else:
        person_ref = people[0] if len(people) == 1 else None
    return Subject(kind, subject_id, known.provider_id, person_ref)


async def raise_about(conn: asyncpg.Connection, outbox: Outbox, cause: Cause, kind: SubjectKind, subject_id: str,
                      category: QueryCategory, description: str, party: Party, now: datetime, *,
                      attachments: Sequence[Attachment], disputes_invoice: bool, policies: SlaPolicies) -> Step:
    """Raise the query, store it and publish QueryRaised (and DisputeOpened when it disputes an invoice)."""
    subject = await subject_of(conn, kind, subject_id, party)
    step = raise_query(subject, category, description, party, now, attachments=attachments,
                       disputes_invoice=disputes_invoice, policies=policies)
    await store.queries.save(conn, step.query)
    await outbox.publish(conn, step.events, cause)
    return step
