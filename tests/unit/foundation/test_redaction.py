"""An error says what failed, not what was in it: exception text reaches logs, dead-letter headers,
/ready and HTTP answers only through shared.redaction; /metrics can require a scrape token."""
from __future__ import annotations

import io
import json
import logging
import sys
from pathlib import Path

import asyncpg
import pytest
import structlog
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from shared.consumer import EventBatchConsumer
from shared.records import Incoming
from shared.dead_letters import dlq_headers
from shared.redaction import describe, redact

# (what a message may carry, the text of it that must not come out)
SENSITIVE = {
    "sort_code_dashed": ("sort code 12-34-56 on file", "12-34-56"),
    "sort_code_digits": ("sort code 123456 on file", "123456"),
    "account_number": ("account 87654321 is closed", "87654321"),
    "iban_spaced": ("pay GB82 WEST 1234 5698 7654 32 now", "5698 7654"),
    "iban": ("pay GB82WEST12345698765432 now", "GB82WEST12345698765432"),
    "email": ("write to jo.bloggs@example.co.uk today", "jo.bloggs@example.co.uk"),
    "postcode": ("lives at SW1A 1AA, London", "SW1A 1AA"),
    "postcode_short": ("lives at M1 1AE", "M1 1AE"),
    "nhs_number": ("NHS number 943 476 5919 on the form", "943 476 5919"),
    "nhs_number_digits": ("NHS number 9434765919 on the form", "9434765919"),
    "bearer": ("Authorization: Bearer abc.def-ghi_jkl", "abc.def-ghi_jkl"),
    "jwt": ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMifQ.c2lnbmF0dXJl given", "eyJzdWIiOiJvcHMifQ"),
    "url_credentials": ("cannot reach postgresql://carepay:hunter2@db.internal:5432/carepay", "hunter2"),
    "password_pair": ("connect failed password=hunter2 host=db", "hunter2"),
    "postgres_detail": ('duplicate key value violates unique constraint "providers_bank"\n'
                        "DETAIL:  Key (account_name)=(Jo Bloggs) already exists.", "Jo Bloggs"),
    "pydantic_input": ("1 validation error\nname\n  String too long [type=string_too_long, "
                       "input_value='Jo Bloggs of 1 High Street', input_type=str]", "High Street"),
}


@pytest.mark.parametrize("case", list(SENSITIVE))
def test_each_pattern_is_masked(case):
    text, secret = SENSITIVE[case]
    masked = redact(text)
    assert secret not in masked
    assert masked != text


@pytest.mark.parametrize("text", [
    "handler failed",
    "agreement 123e4567-e89b-12d3-a456-426614174000 ended 2024-01-15T10:00:00.123456+00:00",
    "references AGR-000042 and P-0001 for week 2024-01-15",
    "12345 pence over 3 visits, schema v1, HTTP 404, topic delivery.visits/3@42",
    'duplicate key value violates unique constraint "providers_pkey"',
])
def test_ordinary_text_is_kept(text):
    assert redact(text) == text


def _unique_violation() -> asyncpg.exceptions.UniqueViolationError:
    # As asyncpg builds it from the server's message: the row's values are in the DETAIL.
    return asyncpg.exceptions.PostgresError.new({
        "S": "ERROR", "C": "23505", "M": 'duplicate key value violates unique constraint "bank_accounts_key"',
        "D": "Key (sort_code, account_number)=(40-47-84, 70872490) already exists."})


def test_describe_is_the_type_and_the_masked_message_bounded():
    exc = _unique_violation()
    assert isinstance(exc, asyncpg.exceptions.UniqueViolationError)
    assert "70872490" in str(exc)  # what it used to pass on
    text = describe(exc)
    assert text.startswith('UniqueViolationError: duplicate key value violates unique constraint "bank_accounts_key"')
    assert "70872490" not in text and "40-47-84" not in text
    assert len(describe(RuntimeError("x" * 5000))) == 300
    assert len(describe(RuntimeError("x" * 5000), limit=50)) == 50


class _Transaction:
    async def __aenter__(self):
        return None

    async def __aexit__(self, *exc):
        return False


class _Connection:
    def transaction(self):
        return _Transaction()

    async def fetch(self, _sql, _consumer, ids):  # the inbox claim: everything is new
        return [{"message_id": i} for i in ids]


class _Pool:
    def acquire(self):
        conn = _Connection()

        class _Acquired:
            async def __aenter__(self):
                return conn

            async def __aexit__(self, *exc):
                return False
        return _Acquired()


class _Settings:
    consumer_max_attempts = 1


class _Runtime:
    service = "test"
    settings = _Settings()
    pool = _Pool()
    outbox = None

    async def wait_for_database(self):
        return None

    def transient_failure(self, consumer, kind, exc):
        raise AssertionError("a unique violation is not transient")

    def recovered(self, consumer):
        return None


@pytest.mark.parametrize("failure", [
    _unique_violation,  # the account number in the DETAIL
    lambda: asyncpg.exceptions.InvalidTextRepresentationError(  # in the message itself
        'invalid input syntax for type bigint: "70872490" (sort code 40-47-84)'),
])
async def test_a_dead_letter_of_a_database_error_carries_no_bank_details(failure):
    async def effect(conn, items, ctx):
        raise failure()

    consumer = EventBatchConsumer(name="test.redaction", topic="t", batch_handler=effect, batch_reads=frozenset())
    consumer.runtime = _Runtime()
    [letter] = await consumer._apply_with_retries([Incoming("t", 0, 7, "k", b"x", {}, message_id="m7")])
    headers = dict(dlq_headers(letter, "test.redaction"))
    everything = b" ".join(headers.values())
    assert b"70872490" not in everything and b"40-47-84" not in everything
    assert headers["dlq_reason"] == b"handler_failed"
    assert headers["dlq_error"].startswith(type(failure()).__name__.encode() + b": ")  # what failed, still said


def test_a_dead_letter_header_is_masked_whatever_wrote_the_error():
    letter_error = "invalid_payload: input_value='87654321'"
    from shared.dead_letters import DeadLetter
    letter = DeadLetter(Incoming("t", 0, 1, "k", b"x", {}, message_id="m1"), "invalid_payload", letter_error)
    assert b"87654321" not in dict(dlq_headers(letter, "c"))["dlq_error"]


@pytest.fixture
def json_logs(monkeypatch):
    """The services' log pipeline (shared.logging.configure_logging), its lines as dicts."""
    from shared.logging import configure_logging
    saved, root = structlog.get_config(), logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("test")

    def lines():
        return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    yield lines
    structlog.configure(**saved)
    root.handlers[:], root.level = handlers, level


def test_the_log_pipeline_masks_errors_and_any_value(json_logs):
    log = structlog.get_logger("test.redaction")
    log.error("handler failed", error=_unique_violation(), note="from jo.bloggs@example.co.uk",
              agreement_id="123e4567-e89b-12d3-a456-426614174000")
    try:
        raise _unique_violation()
    except asyncpg.exceptions.UniqueViolationError:
        log.exception("handler crashed")
    logging.getLogger("aiokafka.test").warning("lost contact, password=hunter2")
    first, second, third = json_logs()
    assert first["error"].startswith("UniqueViolationError: ") and "70872490" not in first["error"]
    assert first["note"] == "from [email]"
    assert first["agreement_id"] == "123e4567-e89b-12d3-a456-426614174000"
    assert "Traceback" in second["exception"] and "70872490" not in second["exception"]
    assert "hunter2" not in third["event"]


async def test_ready_names_the_dependency_and_the_class_of_failure_never_its_text(monkeypatch):
    from shared import service
    from shared.settings import settings_for

    class Stop(Exception):
        pass

    async def refused(*_args, **_kwargs):
        raise asyncpg.exceptions.InvalidPasswordError(
            'password authentication failed for user "carepay" at postgresql://carepay:hunter2@db.internal/carepay')

    async def stop(_seconds):
        raise Stop

    runtime = service.ServiceRuntime(settings_for("queries"), Path("services/queries"), [], {})
    monkeypatch.setattr(service, "create_pool", refused)
    monkeypatch.setattr(service.asyncio, "sleep", stop)
    with pytest.raises(Stop):
        await runtime._connect()
    monkeypatch.undo()
    assert await runtime.readiness() == (False, "database: InvalidPasswordError")


def _metrics_app(token: str | None) -> TestClient:
    from shared.service import scrape_token_check
    app = FastAPI()

    @app.get("/metrics", dependencies=[Depends(scrape_token_check(token))])
    async def metrics() -> dict:
        return {"carepay_payments_pence": 1}

    return TestClient(app)


def test_metrics_with_a_scrape_token_answer_only_a_scrape_that_brings_it():
    client = _metrics_app("s3cret-scrape")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "s3cret-scrape"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"}).status_code == 200


def test_metrics_without_a_token_stay_open():
    assert _metrics_app(None).get("/metrics").status_code == 200


def test_the_metrics_route_of_every_service_takes_its_token_from_the_settings(monkeypatch):
    from shared.settings import Settings
    monkeypatch.setenv("CAREPAY_METRICS_TOKEN", "from-env")
    assert Settings(service="queries", port=1).metrics_token == "from-env"
    monkeypatch.setenv("CAREPAY_METRICS_TOKEN", "")
    assert Settings(service="queries", port=1).metrics_token is None
