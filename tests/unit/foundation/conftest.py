"""Fixtures of the foundation's unit tests: the tests' own OpenID Connect issuer, and the settings that trust it."""
from __future__ import annotations

import json
import os

import pytest

from shared.oidc import oidc_settings
from tests.unit.foundation.oidc_issuer import API_AUDIENCE, TestIssuer

# The test issuer's role names (as an Entra ID app's roles might be named) and the Carepay roles they map to.
ROLE_MAP = {"Carepay.Ops": "ops", "Carepay.Provider": "provider", "Carepay.Person": "person",
            "Carepay.FinanceOfficer": "finance_officer", "Carepay.FinanceApprover": "finance_approver"}


@pytest.fixture(scope="session")
def oidc_issuer():
    issuer = TestIssuer().start()
    yield issuer
    issuer.stop()


@pytest.fixture
def oidc(monkeypatch, oidc_issuer):
    """OIDC on, trusting the test issuer (local mode); call it with more settings: oidc(ENV="production")."""
    for name in list(os.environ):
        if name.startswith("CAREPAY_OIDC_") or name in ("CAREPAY_ENV", "CAREPAY_SECRETS_DIR"):
            monkeypatch.delenv(name)

    def settings(**names: str) -> None:
        for name, value in names.items():
            monkeypatch.setenv(name if name.startswith("CAREPAY_") else f"CAREPAY_{name}", value)
        oidc_settings.cache_clear()

    settings(OIDC_ISSUER=oidc_issuer.url, OIDC_AUDIENCE=API_AUDIENCE, OIDC_ROLE_MAP=json.dumps(ROLE_MAP))
    yield settings
    oidc_settings.cache_clear()
