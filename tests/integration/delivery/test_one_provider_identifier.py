"""The README's provider example, as written, on the running stack: a provider registered on agreements is
found by its CQC ID (`GET /providers?cqc_provider_id=`), a token minted for its provider_id with
`carepay token --role provider --provider PRV-…` reaches its own feed on delivery and is refused another's,
the reason naming each provider_id for what it is."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT
from tests.conftest import auth, eventually
from tests.integration.agreements.brokerage_helpers import register_provider

pytestmark = pytest.mark.stack
CAREPAY = str(Path(sys.executable).parent / "carepay")


def _carepay_token(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CAREPAY, "token", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})


async def test_a_provider_token_minted_as_the_readme_shows_reaches_its_own_feed(http, stack):
    mine = await register_provider(http, stack["agreements"])
    theirs = await register_provider(http, stack["agreements"])
    found = await http.get(f"{stack['agreements']}/providers", params={"cqc_provider_id": mine["cqc_provider_id"]},
                           headers=auth("brokerage_officer"))
    assert found.status_code == 200, found.text
    [provider] = found.json()
    provider_id = provider["provider_id"]
    assert provider_id == mine["provider_id"] and provider_id.startswith("PRV-")

    minted = _carepay_token("--role", "provider", "--provider", provider_id)
    assert minted.returncode == 0, minted.stderr
    token = {"Authorization": f"Bearer {minted.stdout.strip()}"}

    async def own_feed_reached():
        sent = await http.post(f"{stack['delivery']}/providers/{provider_id}/visits", json=[], headers=token)
        return sent if sent.status_code != 404 else None  # until delivery has consumed ProviderRegistered
    sent = await eventually(own_feed_reached, timeout=30, what="delivery to know the provider")
    assert sent.status_code == 200, sent.text
    assert (await http.get(f"{stack['delivery']}/visits/rejected", params={"provider_id": provider_id},
                           headers=token)).status_code == 200

    other = await http.post(f"{stack['delivery']}/providers/{theirs['provider_id']}/visits", json=[], headers=token)
    assert other.status_code == 403
    assert other.json()["detail"] == (f"not permitted: this provider token is for {provider_id}: it reaches only "
                                      f"{provider_id}'s visits, not {theirs['provider_id']}'s")
    # Its own register entry on agreements too, and the lookup finds only itself for it.
    assert (await http.get(f"{stack['agreements']}/providers/{provider_id}", headers=token)).status_code == 200
    listed = await http.get(f"{stack['agreements']}/providers", headers=token)
    assert [p["provider_id"] for p in listed.json()] == [provider_id]


def test_a_cqc_id_given_for_a_provider_token_is_refused_saying_how_to_find_the_provider_id():
    refused = _carepay_token("--role", "provider", "--provider", "1-123456789")
    assert refused.returncode == 2
    assert "is a CQC ID" in refused.stderr and "/providers?cqc_provider_id=1-123456789" in refused.stderr
