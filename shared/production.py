"""What a service refuses to start with in production (CAREPAY_ENV=production); nothing in local.

`production_problems(service)` runs every check of CHECKS that applies to `service` and returns all
they find, each naming its variable and never a secret's value; `refuse_unsafe_start(service)`,
called by shared.service.create_service before anything is served, exits non-zero naming them all.

A check is `def check(service: str) -> Iterable[Problem]`, registered in CHECKS by "module:function"
with the services it applies to (None: every service): the list is the one place to extend. It reads
settings as services do (the variable, its _FILE or the secrets directory): `required(...)` and
`examine(...)` here, or a settings model's `problems()`.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from shared.settings import (DEFAULT_COUNCIL_ID, DEV_AUTH_SECRET, DEV_DATABASE_PASSWORD, Settings, database_password,
                             environment)
from shared.settings_sources import CarepaySettings, Problem, SettingError, raw

MIN_SECRET_CHARS = 32  # HS256 wants a key of at least 256 bits

# (check, the services it applies to or None for all). Other parts add theirs here.
CHECKS: list[tuple[str, frozenset[str] | None]] = [
    ("shared.production:settings_problems", None),
    ("shared.production:database_problems", None),
    ("shared.production:shared_problems", None),
    ("shared.production:service_settings_problems", None),
    ("services.payments.config:production_problems", frozenset({"payments"})),
    ("shared.production:kafka_problems", None),
    ("shared.production:oidc_problems", None),
]


def examine(problems: list[Problem], name: str, rule: Callable[[str | None], str | None] = lambda v: None
            ) -> str | None:
    """Setting `name`'s value (None when not given); what `rule` says is wrong with it, and why it cannot be
    read (then None, the rule not asked), added to `problems`."""
    try:
        value = raw(name)
    except SettingError as exc:
        problems += exc.problems
        return None
    if (why := rule(value)) is not None:
        problems.append(Problem(name, why))
    return value


def required(name: str, problems: list[Problem], *, refused: Iterable[str] = (), what: str = "") -> str | None:
    """The value of a setting production needs; a problem when it is unset, empty or one of `refused`."""
    def rule(value: str | None) -> str | None:
        if not value:
            return f"is required in production{': ' + what if what else ''}"
        return f"is the local stack's demo value: set the council's own {what}".rstrip() if value in refused else None

    return examine(problems, name, rule) or None


def settings_problems(service: str) -> list[Problem]:
    """Every shared setting that does not read (not a number, not one of its values…)."""
    return Settings.problems(service=service, port=0)


def service_settings_problems(service: str) -> list[Problem]:
    """Every setting of the service's own config.py (its settings models) that does not read."""
    name = f"services.{service}.config"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # a service with no settings of its own
            return []
        raise
    return [p for model in vars(module).values()
            if isinstance(model, type) and issubclass(model, CarepaySettings) and model.__module__ == name
            for p in model.problems()]


def database_problems(service: str = "") -> list[Problem]:
    """DATABASE_URL is given, and not with the development password."""
    problems: list[Problem] = []
    url = required("DATABASE_URL", problems,
                   what="the council's Postgres (postgresql://user@host/db?sslmode=verify-full)")
    separate = examine(problems, "CAREPAY_DATABASE_PASSWORD")
    if url and (separate or database_password(url)) == DEV_DATABASE_PASSWORD:
        problems.append(Problem("CAREPAY_DATABASE_PASSWORD" if separate else "DATABASE_URL",
                                "its password is the local stack's development password"))
    return problems


def shared_problems(service: str) -> list[Problem]:
    """Kafka, the council, the token secret and the local-only switches."""
    problems: list[Problem] = []
    required("KAFKA_BOOTSTRAP_SERVERS", problems, what="the council's Kafka brokers")
    required("CAREPAY_COUNCIL_ID", problems, refused=(DEFAULT_COUNCIL_ID,), what="council id")
    required("CAREPAY_OIDC_ISSUER", problems, what="the council's identity provider (in production every bearer "
             "token is its: local HS256 tokens are refused)")
    examine(problems, "CAREPAY_AUTH_SECRET", token_secret_problem)
    examine(problems, "CAREPAY_LOCAL_SIGN_IN",
            lambda on: "signs browsers in as ops without a token: local stack only" if on == "1" else None)
    return problems


def token_secret_problem(secret: str | None) -> str | None:
    """What is wrong with the HS256 secret when one is given (production takes no HS256 token, so none is
    needed): never empty, the development secret or short."""
    if secret is None:
        return None
    if secret == "":
        return "is empty"
    if secret == DEV_AUTH_SECRET:
        return "is the published development secret"
    if len(secret) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    return None


def _load(target: str) -> Callable[[str], Iterable[Problem]]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def production_problems(service: str) -> list[Problem]:
    """Every problem the checks for `service` find in production; [] in local mode."""
    if environment() != "production":
        return []
    found: list[Problem] = []
    for target, services in CHECKS:
        if services is None or service in services:
            found += [p for p in _load(target)(service) if p not in found]
    return found


def refusal(service: str, problems: list[Problem]) -> str:
    lines = "\n".join(f"  {p}" for p in problems)
    return (f"{service} refuses to start in production (CAREPAY_ENV=production): "
            f"{len(problems)} setting(s) to fix:\n{lines}")


def refuse_unsafe_start(service: str) -> None:
    """SystemExit (non-zero) naming every problem when `service` is not fit to start in production."""
    problems = production_problems(service)
    if problems:
        raise SystemExit(refusal(service, problems))


def kafka_problems(service: str) -> list[Problem]:  # noqa: ARG001 - every service reaches Kafka the same way
    """The Kafka settings as every client reads them (shared.kafka_security), each problem naming its variable."""
    from shared.kafka_security import KafkaSettings

    try:
        KafkaSettings.load()
    except SystemExit as exc:
        return [Problem("CAREPAY_KAFKA_*", str(exc.code))]
    return []


def oidc_problems(service: str) -> list[Problem]:  # noqa: ARG001 - every service verifies tokens the same way
    """The single sign-on settings (shared.oidc), each problem naming its variable."""
    from shared.oidc import load_oidc_settings

    try:
        load_oidc_settings()
    except SystemExit as exc:
        return [Problem("CAREPAY_OIDC_*", str(exc.code))]
    return []
