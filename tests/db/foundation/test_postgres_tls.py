"""Postgres over TLS from DATABASE_URL alone: `sslmode=verify-full&sslrootcert=<CA>` reaches a server whose
certificate that CA signed for the host connected to, through the services' own pool, and nothing else."""
from __future__ import annotations

import ssl

import asyncpg
import pytest

from shared.db import create_pool
from shared.settings import Settings
from tests.db.foundation.private_postgres import make_ca, pem

pytestmark = pytest.mark.db


async def _over_tls(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


async def test_a_service_pool_from_database_url_with_verify_full_talks_tls_to_the_server_its_ca_signed(
        private_postgres):
    url = private_postgres.url(query=f"sslmode=verify-full&sslrootcert={private_postgres.ca_file}")
    settings = Settings.read({"DATABASE_URL": url}, service="requests", port=0)
    pool = await create_pool(settings.database_url, "public", service="tls-test", max_size=2)
    try:
        async with pool.acquire() as conn:
            assert await _over_tls(conn) is True
    finally:
        await pool.close()
    localhost = private_postgres.url(host="localhost",
                                     query=f"sslmode=verify-full&sslrootcert={private_postgres.ca_file}")
    conn = await asyncpg.connect(localhost)
    try:
        assert await _over_tls(conn) is True
    finally:
        await conn.close()


async def test_a_server_certificate_another_ca_signed_is_refused(private_postgres, tmp_path):
    _, stranger = make_ca("some other CA")
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(pem(stranger))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await asyncpg.connect(private_postgres.url(query=f"sslmode=verify-full&sslrootcert={other_ca}"))


async def test_verify_full_refuses_a_host_the_certificate_does_not_name_where_verify_ca_would_not(private_postgres):
    ca = private_postgres.ca_file
    # 127.0.0.2 is the same server, but its certificate names only localhost and 127.0.0.1.
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
        await asyncpg.connect(private_postgres.url(host="127.0.0.2", query=f"sslmode=verify-full&sslrootcert={ca}"))
    conn = await asyncpg.connect(private_postgres.url(host="127.0.0.2", query=f"sslmode=verify-ca&sslrootcert={ca}"))
    try:
        assert await _over_tls(conn) is True
    finally:
        await conn.close()
