"""In production (CAREPAY_ENV=production) a service refuses to start, naming every setting that is missing, the
development default or the demo council's, and never a secret's value (shared/production.py)."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest
from typer.testing import CliRunner

from shared import production, stack
from shared.cli import app as carepay
from shared.production import production_problems, refuse_unsafe_start
from shared.settings import DEV_AUTH_SECRET, REPO_ROOT
from shared.settings_sources import Problem, reading

SECRET = "a-council-secret-of-at-least-thirty-two-characters"
GOOD = {"CAREPAY_ENV": "production", "DATABASE_URL": "postgresql://carepay_app@db.council.example/carepay"
        "?sslmode=verify-full&sslrootcert=/etc/carepay/pg-ca.crt", "CAREPAY_DATABASE_PASSWORD": "db-pw-of-the-council",
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.council.example:9093", "CAREPAY_COUNCIL_ID": "north-county",
        "CAREPAY_AUTH_SECRET": SECRET, "CAREPAY_OIDC_ISSUER": "https://login.council.example/carepay"}
GOOD_PAYMENTS = {**GOOD, "CAREPAY_COUNCIL_NAME": "North County Council", "CAREPAY_BACS_SUN": "654321",
                 "CAREPAY_PAYMENTS_ACCOUNT": "202020:11112222:NORTH CC PAYMENTS",
                 "CAREPAY_MANAGED_DP_ACCOUNT": "202020:33334444:NORTH CC DP CLIENT"}


def named(env: dict[str, str], service: str = "requests") -> dict[str, str]:
    with reading(env):
        return {p.variable: p.why for p in production_problems(service)}


def test_a_complete_production_configuration_starts_and_local_mode_is_never_checked():
    assert named(GOOD) == {}
    assert named(GOOD_PAYMENTS, "payments") == {}
    assert named({}) == {} and named({"CAREPAY_AUTH_SECRET": DEV_AUTH_SECRET}) == {}


def test_with_nothing_set_production_names_every_required_setting():
    assert set(named({"CAREPAY_ENV": "production"})) == {
        "DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "CAREPAY_COUNCIL_ID", "CAREPAY_OIDC_ISSUER"}
    assert set(named({"CAREPAY_ENV": "production"}, "payments")) == {
        "DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "CAREPAY_COUNCIL_ID", "CAREPAY_OIDC_ISSUER", "CAREPAY_COUNCIL_NAME",
        "CAREPAY_BACS_SUN", "CAREPAY_PAYMENTS_ACCOUNT", "CAREPAY_MANAGED_DP_ACCOUNT"}


@pytest.mark.parametrize("secret, why", [
    (DEV_AUTH_SECRET, "is the published development secret"), ("", "is empty"),
    ("short-secret", "is shorter than 32 characters"),
])
def test_the_development_an_empty_or_a_short_token_secret_is_refused(secret, why):
    assert named({**GOOD, "CAREPAY_AUTH_SECRET": secret}) == {"CAREPAY_AUTH_SECRET": why}


def test_production_needs_the_identity_provider_and_no_token_secret():
    """In production every bearer token is the identity provider's (HS256 local tokens are refused)."""
    no_issuer = {k: v for k, v in GOOD.items() if k != "CAREPAY_OIDC_ISSUER"}
    assert "is required in production" in named(no_issuer)["CAREPAY_OIDC_ISSUER"]
    assert named({k: v for k, v in GOOD.items() if k != "CAREPAY_AUTH_SECRET"}) == {}


def test_the_development_database_password_and_the_demo_council_are_refused():
    local_url = {**GOOD, "DATABASE_URL": "postgresql://carepay:carepay@db/carepay", "CAREPAY_DATABASE_PASSWORD": ""}
    assert named(local_url) == {"DATABASE_URL": "its password is the local stack's development password"}
    assert named({**GOOD, "CAREPAY_DATABASE_PASSWORD": "carepay"}) == {
        "CAREPAY_DATABASE_PASSWORD": "its password is the local stack's development password"}
    assert "demo value" in named({**GOOD, "CAREPAY_COUNCIL_ID": "demo-council"})["CAREPAY_COUNCIL_ID"]


@pytest.mark.parametrize("variable, demo", [
    ("CAREPAY_BACS_SUN", "123456"), ("CAREPAY_PAYMENTS_ACCOUNT", "401276:12345678:DEMO CC PAYMENTS"),
    ("CAREPAY_MANAGED_DP_ACCOUNT", "401276:87654321:DEMO CC DP CLIENT"),
    ("CAREPAY_COUNCIL_NAME", "Demo County Council"),
])
def test_payments_refuses_the_demo_councils_bank_identity(variable, demo):
    assert set(named({**GOOD_PAYMENTS, variable: demo}, "payments")) == {variable}
    assert named({**GOOD_PAYMENTS, variable: demo}) == {}  # only payments pays


def test_local_sign_in_and_unreadable_settings_are_named_with_the_rest_never_a_secrets_value(tmp_path):
    env = {**GOOD_PAYMENTS, "CAREPAY_LOCAL_SIGN_IN": "1", "CAREPAY_DB_POOL_MAX": "lots",
           "CAREPAY_PAYMENTS_ACCOUNT": "202020:1111222:NORTH", "CAREPAY_AUTH_SECRET": "",
           "CAREPAY_AUTH_SECRET_FILE": str(tmp_path / "none")}
    found = named(env, "payments")
    assert set(found) == {"CAREPAY_LOCAL_SIGN_IN", "CAREPAY_DB_POOL_MAX", "CAREPAY_PAYMENTS_ACCOUNT",
                          "CAREPAY_AUTH_SECRET_FILE"}
    assert found["CAREPAY_AUTH_SECRET_FILE"].startswith(f"cannot read {tmp_path / 'none'}")
    with reading(env), pytest.raises(SystemExit) as refused:
        refuse_unsafe_start("payments")
    message = str(refused.value)
    assert message.startswith("payments refuses to start in production (CAREPAY_ENV=production): 4 setting(s)")
    for secret in (SECRET, "1111222", "db-pw-of-the-council"):
        assert secret not in message


@pytest.mark.parametrize("service, variable, value", [
    ("invoicing", "CAREPAY_INVOICING_FOUR_WEEKLY_ANCHOR", "2024-04-02"),
    ("queries", "CAREPAY_QUERIES_SLA_OTHER", "5,2"), ("agreements", "CAREPAY_AGREEMENTS_COST_CENTRES", "team:x=Y"),
    ("delivery", "CAREPAY_DELIVERY_CONFIRM_AT", "noon"),
])
def test_a_services_own_setting_that_does_not_read_is_named_before_it_serves(service, variable, value):
    assert set(named({**GOOD, variable: value}, service)) == {variable}
    assert named({**GOOD, variable: value}, "requests") == {}


def test_a_check_added_to_the_list_runs_for_the_services_it_names(monkeypatch):
    def plaintext_problems(service: str) -> list[Problem]:
        return [Problem("CAREPAY_KAFKA_SECURITY_PROTOCOL", f"PLAINTEXT in production ({service})")]

    monkeypatch.setattr(production, "plaintext_problems", plaintext_problems, raising=False)
    monkeypatch.setattr(production, "CHECKS", [*production.CHECKS,
                                               ("shared.production:plaintext_problems", frozenset({"delivery"}))])
    assert named(GOOD, "delivery") == {"CAREPAY_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT in production (delivery)"}
    assert named(GOOD, "requests") == {}


def test_carepay_migrate_in_production_needs_only_its_database(monkeypatch):
    for name in [n for n in os.environ if n.startswith("CAREPAY_") or n == "DATABASE_URL"]:
        monkeypatch.delenv(name)
    done = CliRunner().invoke(carepay, ["migrate"], env={"CAREPAY_ENV": "production"})
    assert done.exit_code == 1
    assert "DATABASE_URL: is required in production" in str(done.exception)
    assert "KAFKA" not in str(done.exception) and "CAREPAY_AUTH_SECRET" not in str(done.exception)


def test_carepay_migrate_names_a_database_it_cannot_reach_without_its_password():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    done = CliRunner().invoke(carepay, ["migrate", "--service", "queries"],
                              env={"DATABASE_URL": f"postgresql://app:pw-never-shown@127.0.0.1:{closed}/x"})
    assert done.exit_code == 1
    assert str(done.exception).startswith("cannot reach the database of DATABASE_URL: ")
    assert "pw-never-shown" not in str(done.exception)


def test_a_service_process_given_the_development_secret_in_production_exits_naming_it(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CAREPAY_REQUESTS_PORT", str(port))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CAREPAY_") and k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    env.update(GOOD, CAREPAY_AUTH_SECRET=DEV_AUTH_SECRET, CAREPAY_REQUESTS_PORT=str(port))
    done = subprocess.run(stack.command(stack.Instance("requests")), cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "requests refuses to start in production" in done.stderr
    assert "CAREPAY_AUTH_SECRET: is the published development secret" in done.stderr
    assert DEV_AUTH_SECRET not in done.stderr and "db-pw-of-the-council" not in done.stderr
    assert not stack.port_in_use(port)


def test_kafka_and_single_sign_on_settings_that_cannot_be_used_are_named_with_the_rest(monkeypatch):
    from shared.oidc import oidc_settings

    monkeypatch.setenv("CAREPAY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")  # SASL without its user
    monkeypatch.setenv("CAREPAY_OIDC_ALGORITHMS", "HS256")
    oidc_settings.cache_clear()
    with reading({**GOOD, **os.environ}):
        found = named({**GOOD, **os.environ})
    oidc_settings.cache_clear()
    assert "CAREPAY_KAFKA_SASL_USERNAME" in found["CAREPAY_KAFKA_*"]
    assert "CAREPAY_OIDC_ALGORITHMS" in found["CAREPAY_OIDC_*"]
