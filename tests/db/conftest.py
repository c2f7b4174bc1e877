"""The database-only tier: each test runs one service's consumers or SQL against Postgres alone.

Nothing but Postgres need be running (`make test-fast` starts just that). Each `DatabaseOnly`
works on a fresh copy of its service's schema, dropped afterwards, so tests never meet each
other's rows or the running stack's.
"""
from __future__ import annotations

import asyncpg
import pytest

from shared.settings import settings_for

pytestmark = pytest.mark.db


@pytest.fixture(scope="session", autouse=True)
async def postgres_is_there() -> None:
    url = settings_for("requests").database_url
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"the database-only tier needs Postgres at {url} ({exc.__class__.__name__}); "
                    "start it with `deploy/local/postgres.sh start` or run `make test-fast`")
    await conn.close()
