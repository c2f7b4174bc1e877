"""SQL: the agreements and providers delivery has learned from agreements.events, and the refresh
of each instance's in-memory `AgreementBook` from them.

`BOOK` is the one in-process copy of what delivery knows of agreements: every entrypoint refreshes it
from the database before use, so an instance that does not consume agreements.events is as current."""
from __future__ import annotations

import gc
from datetime import datetime

import asyncpg

from contracts import agreements as contract
from services.delivery.domain.known_agreements import AgreementBook, known_agreement

# Writers serialise on this lock before taking a change_seq, so change_seq order is commit order:
# a reader that has seen change N can never later miss a change below N that committed late.
_CHANGES_LOCK = "carepay-delivery:agreement-changes"
AGREEMENT_FIELDS = frozenset(contract.AgreementEvent.model_fields)
# A refresh that loads this many rows (start-up) freezes them out of the cyclic GC's scans.
_BIG_LOAD = 1000

BOOK = AgreementBook()


async def _serialise_changes(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _CHANGES_LOCK)


async def record_provider(conn: asyncpg.Connection, provider_id: str, refs: list[str], occurred_at: datetime) -> bool:
    """Store the references a provider's feeds may use; an older event never overwrites a newer one."""
    await _serialise_changes(conn)
    return bool(await conn.fetchval(
        "INSERT INTO providers (provider_id, refs, occurred_at, changed_seq) VALUES ($1, $2, $3, nextval('change_seq'))"
        " ON CONFLICT (provider_id) DO UPDATE SET refs = EXCLUDED.refs, occurred_at = EXCLUDED.occurred_at,"
        "   changed_seq = EXCLUDED.changed_seq"
        " WHERE providers.occurred_at <= EXCLUDED.occurred_at RETURNING true",
        provider_id, refs, occurred_at))


async def record_agreement(conn: asyncpg.Connection, event: contract.AgreementEvent, occurred_at: datetime) -> bool:
    """Keep the latest whole agreement. Never goes backwards: an event with a lower terms version, or
    the same version but older, is ignored (a replay or a late redelivery)."""
    await _serialise_changes(conn)
    body = event.model_dump(mode="json", include=AGREEMENT_FIELDS)
    version = max(t.version for t in event.terms)
    return bool(await conn.fetchval(
        "INSERT INTO agreements (agreement_id, person_ref, provider_id, body, terms_version, occurred_at, known_since,"
        "   changed_seq) VALUES ($1, $2, $3, $4, $5, $6, $6, nextval('change_seq'))"
        " ON CONFLICT (agreement_id) DO UPDATE SET person_ref = EXCLUDED.person_ref,"
        "   provider_id = EXCLUDED.provider_id, body = EXCLUDED.body, terms_version = EXCLUDED.terms_version,"
        "   occurred_at = EXCLUDED.occurred_at, known_since = LEAST(agreements.known_since, EXCLUDED.known_since),"
        "   changed_seq = EXCLUDED.changed_seq"
        " WHERE (agreements.terms_version, agreements.occurred_at) <= (EXCLUDED.terms_version, EXCLUDED.occurred_at)"
        " RETURNING true",
        event.agreement_id, event.person_ref, event.provider_id, body, version, occurred_at))


async def refresh(conn: asyncpg.Connection, book: AgreementBook) -> int:
    """Apply to `book` every change committed since it last looked (one query; usually no rows)."""
    rows = await conn.fetch(
        "SELECT 'p' AS kind, provider_id AS id, refs, NULL::jsonb AS body, NULL::timestamptz AS known_since,"
        "       NULL::timestamptz AS first_seen_at, changed_seq FROM providers WHERE changed_seq > $1"
        " UNION ALL"
        " SELECT 'a', agreement_id, NULL, body, known_since, first_seen_at, changed_seq"
        "   FROM agreements WHERE changed_seq > $1"
        " ORDER BY changed_seq", book.seq)
    for row in rows:
        if row["kind"] == "p":
            book.put_provider(row["id"], tuple(row["refs"]))
        else:
            event = contract.AgreementEvent.model_validate(row["body"])
            book.put_agreement(known_agreement(event, row["known_since"], row["first_seen_at"]))
        book.seq = max(book.seq, row["changed_seq"])
    if len(rows) >= _BIG_LOAD:
        gc.freeze()  # long-lived: keep the cyclic GC from rescanning them on every batch
    return len(rows)
