"""Where settings come from (shared/settings_sources.py): the variable, its _FILE, the secrets directory; the
local defaults `make run` and `make test` rely on; errors that name every variable and no secret."""
from __future__ import annotations

import ast
from urllib.parse import urlsplit

import pytest

from shared import stack
from shared.settings import (DEFAULT_DATABASE_URL, DEV_AUTH_SECRET, REPO_ROOT, Settings, bind_host, service_port,
                             with_password)

NOTHING: dict[str, str] = {}


def read(env: dict[str, str]) -> Settings:
    return Settings.read(env, service="payments", port=8005)


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(SystemExit) as refused:
        read(env)
    return str(refused.value)


def test_with_nothing_set_every_shared_setting_is_the_local_stacks():
    s = read(NOTHING)
    assert (s.env, s.host, s.database_url, s.kafka_bootstrap_servers, s.council_id, s.auth_secret) == (
        "local", "127.0.0.1", DEFAULT_DATABASE_URL, "127.0.0.1:9092", "demo-council", DEV_AUTH_SECRET)
    assert (s.auth_issuer, s.auth_audience, s.auth_max_ttl_s, s.log_level, s.db_pool_max, s.consumer_max_records,
            s.consumer_max_attempts, s.outbox_batch_size, s.max_body_bytes, s.max_header_bytes) == (
        "carepay-local", "carepay", 43200, "INFO", 10, 2000, 5, 2000, 1 << 20, 16 << 10)
    assert (s.db_statement_timeout_ms, s.db_lock_timeout_ms, s.db_idle_in_transaction_timeout_ms,
            s.transient_not_ready_after_s, s.instance_id, s.metrics_token, s.runtime_role) == (
        120_000, 30_000, 60_000, 10, "1", None, None)
    assert s.migrates_on_start is True


def test_an_empty_variable_keeps_the_default():
    assert read({"CAREPAY_DB_POOL_MAX": "", "CAREPAY_COUNCIL_ID": ""}).council_id == "demo-council"


def test_a_setting_comes_from_its_variable_then_its_file_then_the_secrets_directory(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "CAREPAY_AUTH_SECRET").write_text("from-the-directory\n")
    (secrets / "CAREPAY_COUNCIL_ID").write_text("council-from-directory")
    (tmp_path / "secret").write_text("  from-the-file\n")
    base = {"CAREPAY_SECRETS_DIR": str(secrets)}
    assert read(base).auth_secret == "from-the-directory"
    assert read(base).council_id == "council-from-directory"  # any setting, not only secrets
    with_file = {**base, "CAREPAY_AUTH_SECRET_FILE": str(tmp_path / "secret")}
    assert read(with_file).auth_secret == "from-the-file"
    assert read({**with_file, "CAREPAY_AUTH_SECRET": ""}).auth_secret == "from-the-file"
    assert read({**base, "CAREPAY_AUTH_SECRET": "from-the-variable"}).auth_secret == "from-the-variable"


def test_a_variable_and_its_file_both_set_are_refused_naming_both(tmp_path):
    (tmp_path / "s").write_text("a")
    message = refusal({"CAREPAY_AUTH_SECRET": "b" * 40, "CAREPAY_AUTH_SECRET_FILE": str(tmp_path / "s")})
    assert "CAREPAY_AUTH_SECRET and CAREPAY_AUTH_SECRET_FILE are both set" in message
    assert "b" * 40 not in message


def test_a_file_that_cannot_be_read_and_a_secrets_dir_that_is_not_one_are_named_together(tmp_path):
    message = refusal({"DATABASE_URL_FILE": str(tmp_path / "missing"), "CAREPAY_SECRETS_DIR": str(tmp_path / "nope"),
                       "CAREPAY_DB_POOL_MAX": "many"})
    assert f"DATABASE_URL_FILE: cannot read {tmp_path / 'missing'}" in message
    assert f"CAREPAY_SECRETS_DIR: {tmp_path / 'nope'} is not a directory" in message
    assert message.count("CAREPAY_SECRETS_DIR") == 1  # once, not once per setting


def test_every_invalid_setting_is_named_at_once_with_its_value_unless_a_secret():
    message = refusal({"CAREPAY_DB_POOL_MAX": "many", "CAREPAY_ENV": "prod", "CAREPAY_AUTH_MAX_TTL_S": "0",
                       "CAREPAY_MIGRATE_ON_START": "perhaps",
                       "DATABASE_URL": "postgresql://u:hunter2hunter2@db/x", "CAREPAY_DATABASE_PASSWORD": "s3cret-pw"})
    for named in ("CAREPAY_DB_POOL_MAX", "CAREPAY_ENV", "CAREPAY_AUTH_MAX_TTL_S", "CAREPAY_MIGRATE_ON_START",
                  "DATABASE_URL"):
        assert f"\n  {named}: " in message
    assert "(got 'many')" in message and "(got 'prod')" in message
    assert "hunter2" not in message and "s3cret-pw" not in message


def test_secrets_stay_out_of_the_settings_repr():
    s = read({"CAREPAY_AUTH_SECRET": "a-long-council-secret-of-forty-characters", "CAREPAY_METRICS_TOKEN": "tok3n",
              "DATABASE_URL": "postgresql://u:pw-in-url@db/x"})
    assert "a-long-council" not in repr(s) and "tok3n" not in repr(s) and "pw-in-url" not in repr(s)


def test_the_database_password_goes_into_the_url_quoted_and_only_once():
    url = "postgresql://app@db.example:5432/carepay?sslmode=verify-full&sslrootcert=/ca.crt"
    s = read({"DATABASE_URL": url, "CAREPAY_DATABASE_PASSWORD": "p@ss/w:rd%"})
    assert s.database_url == ("postgresql://app:p%40ss%2Fw%3Ard%25@db.example:5432/carepay"
                              "?sslmode=verify-full&sslrootcert=/ca.crt")
    assert urlsplit(s.database_url).hostname == "db.example"
    with pytest.raises(ValueError, match="names no user"):
        with_password("postgresql://db.example/carepay", "x")
    assert "carries a password and CAREPAY_DATABASE_PASSWORD is set too" in refusal(
        {"DATABASE_URL": "postgresql://app:one@db/x", "CAREPAY_DATABASE_PASSWORD": "two"})


@pytest.mark.parametrize("env, migrates", [
    ({}, True), ({"CAREPAY_ENV": "production"}, False),
    ({"CAREPAY_ENV": "production", "CAREPAY_MIGRATE_ON_START": "true"}, True),
    ({"CAREPAY_MIGRATE_ON_START": "false"}, False),
])
def test_services_migrate_at_start_in_local_and_leave_it_to_carepay_migrate_in_production(env, migrates):
    assert read(env).migrates_on_start is migrates


def test_the_runtime_role_may_name_each_services_own():
    assert read({"CAREPAY_DATABASE_RUNTIME_ROLE": "carepay_{service}"}).runtime_role == "carepay_payments"
    assert read({"CAREPAY_DATABASE_RUNTIME_ROLE": "carepay_app"}).runtime_role == "carepay_app"
    assert "CAREPAY_DATABASE_RUNTIME_ROLE" in refusal({"CAREPAY_DATABASE_RUNTIME_ROLE": 'x"; DROP ROLE y; --'})


def test_services_bind_carepay_host_and_are_reached_on_this_machine(monkeypatch):
    monkeypatch.delenv("CAREPAY_HOST", raising=False)
    monkeypatch.setenv("CAREPAY_DELIVERY_PORT", "9103")
    inst = stack.Instance("delivery", 2)
    assert (bind_host(), service_port("delivery"), inst.port) == ("127.0.0.1", 9103, 9203)
    assert stack.command(inst)[stack.command(inst).index("--host") + 1] == "127.0.0.1"
    monkeypatch.setenv("CAREPAY_HOST", "0.0.0.0")
    assert stack.command(inst)[stack.command(inst).index("--host") + 1] == "0.0.0.0"
    assert inst.url == "http://127.0.0.1:9203"  # a wildcard is reached on loopback
    monkeypatch.setenv("CAREPAY_HOST", "::1")
    assert inst.url == "http://[::1]:9203"
    monkeypatch.setenv("CAREPAY_DELIVERY_PORT", "port")
    with pytest.raises(SystemExit, match="CAREPAY_DELIVERY_PORT"):
        service_port("delivery")


# Who may still read os.environ itself, and why: everything else reads its settings through a settings model.
READS_THE_ENVIRONMENT = {
    "shared/settings_sources.py": "the one place settings are read from",
    "shared/stack.py": "hands its environment on to the service processes it starts",
    "shared/tracing.py": "the OpenTelemetry SDK's own OTEL_* variables",
    "shared/cli/payments.py": "USER, the operator's login name, as the subject of a local token",
    "shared/demo/feeds.py": "hands its environment on to `carepay ecm import`",
}


def test_no_other_module_reads_the_environment_itself():
    from tests.unit.foundation.test_one_shape import _reads_environment

    readers = {str(p.relative_to(REPO_ROOT)) for root in ("shared", "services")
               for p in (REPO_ROOT / root).rglob("*.py")
               if _reads_environment(ast.parse(p.read_text(encoding="utf-8")))}
    assert readers == set(READS_THE_ENVIRONMENT)
