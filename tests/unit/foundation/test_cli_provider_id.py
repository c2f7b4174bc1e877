"""`carepay token --provider` and `carepay ecm import --provider` take a provider's provider_id (PRV-…), as the
README shows; a CQC ID given instead is refused before anything is minted or sent, saying how to find the id."""
from __future__ import annotations

import jwt
import pytest
from typer.testing import CliRunner

from shared.cli import app
from shared.settings import DEV_AUTH_SECRET


def _run(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250", "CAREPAY_AUTH_SECRET": ""})


def test_a_provider_token_as_the_readme_mints_it_carries_the_provider_id():
    done = _run("token", "--role", "provider", "--provider", "PRV-1A2B3C4D5E")
    assert done.exit_code == 0, done.output
    claims = jwt.decode(done.output.strip(), DEV_AUTH_SECRET, algorithms=["HS256"], audience="carepay")
    assert (claims["role"], claims["provider_id"]) == ("provider", "PRV-1A2B3C4D5E")


@pytest.mark.parametrize("command", [
    ("token", "--role", "provider", "--provider", "1-123456789"),
    ("ecm", "import", __file__, "--provider", "1-123456789", "--url", "http://127.0.0.1:9"),  # nothing listens
])
def test_a_cqc_id_for_provider_is_refused_saying_how_to_find_the_provider_id(command):
    refused = _run(*command)
    assert refused.exit_code == 2, refused.output
    assert "1-123456789 is a CQC ID" in refused.output
    assert "GET /providers?cqc_provider_id=1-123456789" in refused.output
