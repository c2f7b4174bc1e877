"""No superuser at run time: the README's two roles ("Database roles"), on a private cluster where the test is
superuser and so may create them. The migrator owns the database and runs `carepay migrate`, which grants the
runtime role its schema's use; the runtime role has nothing else (CONNECT and TEMPORARY on the database, taken
from PUBLIC here) and runs a service's consumers, HTTP API and store, but cannot change the schema's shape."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import asyncpg
import pytest
from typer.testing import CliRunner

from services.delivery.app import app
from services.delivery.store import agreements as store_agreements
from shared.cli import app as carepay
from shared.clock import london_date, london_local, utcnow, week_start
from shared.migrations import pending
from shared.settings import REPO_ROOT
from shared.testing import DatabaseOnly
from tests.db.delivery.helpers import provider_registered, weekly_agreement

pytestmark = pytest.mark.db
MIGRATOR, RUNTIME = ("carepay_migrator", "migrator-password"), ("carepay_delivery", "runtime-password")
PROVIDER, CQC, PERSON, AGREEMENT = "PRV-ROLE-1", "1-900000301", "SU-ROLE-1", "AGR-ROLE-1"
WEEK = week_start(london_date(utcnow())) - timedelta(weeks=1)


@pytest.fixture(scope="module")
async def roles(private_postgres):
    """The README's SQL, as the cluster's superuser; the URLs of the migrator and the runtime role."""
    admin = await asyncpg.connect(private_postgres.url())
    try:
        await admin.execute(f"CREATE ROLE {MIGRATOR[0]} LOGIN PASSWORD '{MIGRATOR[1]}'")
        await admin.execute(f"CREATE DATABASE carepay OWNER {MIGRATOR[0]}")
        await admin.execute(f"CREATE ROLE {RUNTIME[0]} LOGIN PASSWORD '{RUNTIME[1]}'")
        await admin.execute("REVOKE ALL ON DATABASE carepay FROM PUBLIC")
        await admin.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE carepay TO {RUNTIME[0]}")
    finally:
        await admin.close()
    return private_postgres.url(*MIGRATOR, database="carepay"), private_postgres.url(*RUNTIME, database="carepay")


def _migrate(migrator_url: str, role: str = "carepay_{service}"):
    """`carepay migrate --service delivery` as the migrator, granting the runtime role."""
    return CliRunner().invoke(carepay, ["migrate", "--service", "delivery"],
                              env={"DATABASE_URL": migrator_url, "CAREPAY_DATABASE_RUNTIME_ROLE": role})


@pytest.fixture(scope="module")
def migrated(roles) -> str:
    """What the first `carepay migrate` said (a plain fixture: the command runs its own event loop)."""
    done = _migrate(roles[0])
    assert done.exit_code == 0, done.output
    return done.output


def test_carepay_migrate_applies_a_services_migrations_and_grants_its_runtime_role(roles, migrated):
    assert migrated.startswith("delivery: applied runtime/0001_outbox_inbox, ")
    assert migrated.rstrip().endswith("; runtime role carepay_delivery granted")
    assert _migrate(roles[0]).output == "delivery: up to date; runtime role carepay_delivery granted\n"
    unknown = _migrate(roles[0], "carepay_nobody")
    assert unknown.exit_code == 1
    assert "CAREPAY_DATABASE_RUNTIME_ROLE: no role 'carepay_nobody'" in str(unknown.exception)


async def test_the_runtime_role_sees_its_schema_current_and_cannot_change_its_shape(roles, migrated):
    conn = await asyncpg.connect(roles[1])
    try:
        assert await conn.fetchval("SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles "
                                   "WHERE rolname = current_user") is False
        assert await pending(conn, "delivery", REPO_ROOT / "services" / "delivery") == []
        for ddl in ('CREATE TABLE delivery.sneaky (id int)', 'ALTER TABLE delivery.attendances ADD COLUMN x int',
                    'DROP TABLE delivery.outbox', 'CREATE SCHEMA sneaky'):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(ddl)
    finally:
        await conn.close()


def _visit(visit_id: str, stayed: int) -> dict:
    start = london_local(datetime.combine(WEEK, time(9)))
    return {"provider_ref": CQC, "service_user_ref": PERSON, "visit_id": visit_id, "carer_id": "C-1",
            "planned_start": start.isoformat(), "planned_end": (start + timedelta(minutes=30)).isoformat(),
            "check_in": start.isoformat(), "check_out": (start + timedelta(minutes=stayed)).isoformat(),
            "check_in_method": "app"}


async def test_a_services_consumers_api_and_store_run_as_the_runtime_role(roles):
    migrator, runtime = roles
    store_agreements.BOOK.__init__()  # one process, many schemas: this schema's change_seq starts again
    try:
        async with DatabaseOnly("delivery", database_url=migrator, runtime=(RUNTIME[0], runtime)) as db:
            async with db.pool.acquire() as conn:
                assert await conn.fetchval("SELECT current_user") == RUNTIME[0]
            await provider_registered(db, PROVIDER, CQC)
            await weekly_agreement(db, AGREEMENT, PERSON, PROVIDER, WEEK)
            assert db.dead == []
            async with db.http(app) as client:
                for stayed in (15, 30):  # the second is a correction: a revision written through a temp table
                    sent = await client.post(f"/providers/{PROVIDER}/visits", json=[_visit("V-ROLE", stayed)],
                                             headers=db.auth("provider", provider=PROVIDER))
                    assert sent.status_code == 200, sent.text
            verified = [e.payload for e in await db.published("VisitVerified")]
            assert [(v["revision"], v["payable_minutes"]) for v in verified] == [(1, 15), (2, 30)]
    finally:
        store_agreements.BOOK.__init__()
