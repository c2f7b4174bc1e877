"""structlog JSON logs with the message context on every line.

Bind `event_id`, `correlation_id`, `causation_id` and `trace_id` (the OpenTelemetry trace, shared.tracing)
with `message_context(...)` while handling a message or request; every line logged inside carries them.
Never log personal data, bank details or tokens: log identifiers (person_ref, provider_id), not names or
accounts.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from shared.redaction import describe, redact

_CONTEXT_KEYS = ("event_id", "correlation_id", "causation_id", "trace_id")
# Keys that must never reach a log line, whatever a caller passes.
_REDACTED = frozenset({"sort_code", "account_number", "account_name", "token", "authorization",
                       "password", "name", "address", "date_of_birth", "bank_account"})


def _redact(_logger, _method, event_dict):
    for key in _REDACTED.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


# Values the runtime itself writes (ids, times, where a record came from): nothing to mask, not scanned.
_NOT_SCANNED = frozenset({"event_id", "correlation_id", "causation_id", "trace_id", "service", "level", "timestamp",
                          "logger", "origin", "first", "topic", "route", "method", "consumer"})
_ERROR_KEYS = ("error", "exc_info", "exception")


def _redact_values(_logger, _method, event_dict):
    """Mask personal and bank data, tokens and credentials in whatever a line carries (shared.redaction):
    an error or exception field always, any other string value when a pattern matches. Runs after
    `format_exc_info`, so a traceback's text is masked too. Only string values are scanned."""
    for key in _ERROR_KEYS:
        value = event_dict.get(key)
        if value is None or value is False or value is True:
            continue
        if isinstance(value, BaseException):
            event_dict[key] = describe(value)
        elif isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
            event_dict[key] = describe(value[1])  # exc_info=sys.exc_info() not formatted
        elif key == "exception" and isinstance(value, str):
            event_dict[key] = redact(value)  # a traceback: masked, its lines kept
        else:
            event_dict[key] = describe(value if isinstance(value, str) else repr(value))
    for key, value in event_dict.items():
        if type(value) is str and key not in _NOT_SCANNED and key not in _ERROR_KEYS:
            masked = redact(value)
            if masked is not value:
                event_dict[key] = masked
    return event_dict


def _ensure_context(_logger, _method, event_dict):
    for key in _CONTEXT_KEYS:
        event_dict.setdefault(key, None)
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout, each carrying `service` and the message context.

    Libraries that log through stdlib (aiokafka, FastStream, uvicorn) go through the same
    processors, so every line of a service's log is one JSON object.
    """
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        _ensure_context,
        _redact,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared_processors],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, _redact_values, structlog.processors.JSONRenderer()],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries' routine chatter (per-message "Received"/"Processed") stays out; warnings stay in.
    for noisy in ("aiokafka", "kafka", "uvicorn.access", "faststream", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            *shared_processors,
            structlog.processors.format_exc_info,
            _redact_values,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


@contextmanager
def message_context(event_id: str | None, correlation_id: str | None, causation_id: str | None,
                    trace_id: str | None = None) -> Iterator[None]:
    """Bind the context of one message or request for every log line inside the block."""
    tokens = structlog.contextvars.bind_contextvars(
        event_id=event_id, correlation_id=correlation_id, causation_id=causation_id, trace_id=trace_id
    )
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def get_logger(name: str | None = None):
    return structlog.get_logger(name)
