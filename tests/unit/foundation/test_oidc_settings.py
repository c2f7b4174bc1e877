"""The OIDC settings (CAREPAY_OIDC_*): defaults, what a wrong one is told (naming the variable, never a secret's
value), and the client secret from a file."""
from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from shared.oidc import OidcSettings, load_oidc_settings, oidc_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CAREPAY_OIDC_") or name in ("CAREPAY_ENV", "CAREPAY_SECRETS_DIR"):
            monkeypatch.delenv(name)
    oidc_settings.cache_clear()
    yield
    oidc_settings.cache_clear()


def refusal(monkeypatch, **names: str) -> str:
    for name, value in names.items():
        monkeypatch.setenv(f"CAREPAY_{name}", value)
    with pytest.raises(SystemExit) as stopped:
        load_oidc_settings()
    return str(stopped.value)


def test_unset_means_no_single_sign_on_and_the_documented_defaults():
    settings = load_oidc_settings()
    assert not settings.enabled
    assert settings.algorithms == ("RS256", "ES256")
    assert (settings.roles_claim, settings.provider_claim, settings.person_claim, settings.pa_claim) == (
        "roles", "provider_id", "person_ref", "pa_id")
    assert settings.role_map == {} and settings.scopes == "openid profile"


def test_algorithms_a_role_map_and_an_audience_from_the_client_id(monkeypatch):
    monkeypatch.setenv("CAREPAY_OIDC_ISSUER", "https://login.example/tenant/v2.0")
    monkeypatch.setenv("CAREPAY_OIDC_CLIENT_ID", "1111-2222")
    monkeypatch.setenv("CAREPAY_OIDC_REDIRECT_URL", "https://carepay.example/dashboard/callback")
    monkeypatch.setenv("CAREPAY_OIDC_ALGORITHMS", " ES256 , PS256")
    monkeypatch.setenv("CAREPAY_OIDC_ROLE_MAP", '{"ASC Finance": "finance_officer"}')
    settings = load_oidc_settings()
    assert settings.algorithms == ("ES256", "PS256")
    assert settings.role_map == {"ASC Finance": "finance_officer"}
    assert settings.token_audience == "1111-2222"


@pytest.mark.parametrize("algorithms", ["HS256", "RS256,none", ","])
def test_a_symmetric_or_no_algorithm_is_refused_naming_the_setting(monkeypatch, algorithms):
    message = refusal(monkeypatch, OIDC_ALGORITHMS=algorithms)
    assert message.startswith("OIDC settings: CAREPAY_OIDC_ALGORITHMS: ")


def test_a_role_map_to_an_unknown_role_or_not_json_is_refused(monkeypatch):
    assert "CAREPAY_OIDC_ROLE_MAP: maps to boss, not Carepay roles" in refusal(monkeypatch,
                                                                             OIDC_ROLE_MAP='{"g": "boss"}')
    assert refusal(monkeypatch, OIDC_ROLE_MAP="{g: ops") == (
        "OIDC settings: CAREPAY_OIDC_ROLE_MAP: not valid JSON (a JSON object of the identity provider's role or "
        "group name to a Carepay role)")


def test_an_issuer_needs_an_audience(monkeypatch):
    assert refusal(monkeypatch, OIDC_ISSUER="https://login.example") == (
        "OIDC settings: CAREPAY_OIDC_AUDIENCE (or CAREPAY_OIDC_CLIENT_ID) is needed when CAREPAY_OIDC_ISSUER is set")


@pytest.mark.parametrize("url", ["http://login.example", "ftp://login.example", "login.example"])
def test_an_issuer_is_https_or_on_loopback(monkeypatch, url):
    assert "CAREPAY_OIDC_ISSUER must be an https URL" in refusal(monkeypatch, OIDC_ISSUER=url, OIDC_AUDIENCE="a")


def test_production_sign_in_needs_the_registered_redirect_url(monkeypatch):
    monkeypatch.setenv("CAREPAY_OIDC_CLIENT_SECRET", "s3cr3t-value")
    message = refusal(monkeypatch, ENV="production", OIDC_ISSUER="https://login.example", OIDC_CLIENT_ID="c")
    assert "CAREPAY_OIDC_REDIRECT_URL is needed in production" in message
    assert "s3cr3t-value" not in message


def test_the_client_secret_comes_from_a_file_or_the_secrets_directory(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("from-the-file\n")
    monkeypatch.setenv("CAREPAY_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "secret"))
    assert load_oidc_settings().client_secret.get_secret_value() == "from-the-file"
    monkeypatch.delenv("CAREPAY_OIDC_CLIENT_SECRET_FILE")
    (tmp_path / "CAREPAY_OIDC_CLIENT_SECRET").write_text("from-the-directory")
    monkeypatch.setenv("CAREPAY_SECRETS_DIR", str(tmp_path))
    assert load_oidc_settings().client_secret.get_secret_value() == "from-the-directory"
    monkeypatch.setenv("CAREPAY_OIDC_CLIENT_SECRET", "from-the-variable")
    assert load_oidc_settings().client_secret.get_secret_value() == "from-the-variable"
    assert "from-the-variable" not in repr(load_oidc_settings())
    monkeypatch.setenv("CAREPAY_OIDC_CLIENT_SECRET_FILE", str(tmp_path / "missing"))
    monkeypatch.delenv("CAREPAY_OIDC_CLIENT_SECRET")
    assert "CAREPAY_OIDC_CLIENT_SECRET_FILE: cannot read " in refusal(monkeypatch)


def test_a_service_with_a_wrong_oidc_setting_does_not_start_and_names_it(monkeypatch, tmp_path):
    from shared.service import create_service

    monkeypatch.setenv("CAREPAY_OIDC_ISSUER", "https://login.example")
    monkeypatch.setenv("CAREPAY_OIDC_ALGORITHMS", "HS256")
    with pytest.raises(SystemExit, match="CAREPAY_OIDC_ALGORITHMS: HS256 not allowed"):
        create_service("requests", service_dir=tmp_path)


def test_settings_are_frozen():
    with pytest.raises(ValidationError, match="frozen"):
        OidcSettings().issuer = "https://elsewhere"  # type: ignore[misc]
