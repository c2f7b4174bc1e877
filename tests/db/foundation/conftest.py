"""The foundation's database tests: a private Postgres cluster for those that need a superuser or TLS."""
from __future__ import annotations

import pytest

from tests.db.foundation.private_postgres import PrivatePostgres


@pytest.fixture(scope="session")
def private_postgres():
    cluster = PrivatePostgres()
    try:
        yield cluster.start()
    finally:
        cluster.stop()
