"""The database-only tier drives a service's HTTP API in process, against its private schema."""
from __future__ import annotations

from services.payments.app import app
from shared.testing import DatabaseOnly


async def test_a_route_reads_the_private_schema_and_refuses_without_a_token():
    async with DatabaseOnly("payments") as db, db.http(app) as client:
        await db.fetch("INSERT INTO payees (provider_id, name) VALUES ('PRV-ONLY-HERE', 'Only Here Care')")
        assert (await client.get("/payees/PRV-ONLY-HERE")).status_code == 401
        found = await client.get("/payees/PRV-ONLY-HERE", headers=db.auth("finance_officer"))
        assert found.status_code == 200, found.text
        assert found.json()["name"] == "Only Here Care" and found.json()["payable"] is False
        assert (await client.get("/payees/PRV-ONLY-HERE", headers=db.auth("provider", provider="PRV-ONLY-HERE"))
                ).status_code == 403
    async with DatabaseOnly("payments") as other, other.http(app) as client:
        assert (await client.get("/payees/PRV-ONLY-HERE", headers=other.auth("finance_officer"))).status_code == 404
