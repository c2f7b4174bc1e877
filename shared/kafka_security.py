"""The Kafka settings, and the options every Kafka client is built with (the one place they are made).

`kafka_settings()` reads the CAREPAY_KAFKA_* variables (and KAFKA_BOOTSTRAP_SERVERS) once per process.
Every aiokafka producer, consumer and admin client takes `**client_options(kafka)`; FastStream's
`KafkaBroker` takes `**broker_options(kafka)` (its security object says the same as the options).

Security protocols:
- PLAINTEXT (the local stack): no credentials may be set.
- SSL: TLS to the brokers, checked against CAREPAY_KAFKA_SSL_CA_FILE (the system's CAs when unset); a
  client certificate when CAREPAY_KAFKA_SSL_CERT_FILE and CAREPAY_KAFKA_SSL_KEY_FILE are both set.
- SASL_SSL: TLS as above, authenticated by CAREPAY_KAFKA_SASL_MECHANISM: SCRAM-SHA-512 (the default),
  SCRAM-SHA-256 or PLAIN with CAREPAY_KAFKA_SASL_USERNAME and CAREPAY_KAFKA_SASL_PASSWORD, or OAUTHBEARER
  with the token provider CAREPAY_KAFKA_OAUTH_TOKEN_PROVIDER names ("module:callable", called once with
  no arguments, returning an aiokafka `AbstractTokenProvider`).

The two secrets (CAREPAY_KAFKA_SASL_PASSWORD, CAREPAY_KAFKA_SSL_KEY_PASSWORD) may instead be read from the
file `<NAME>_FILE` names, or from `<NAME>` in the directory CAREPAY_SECRETS_DIR. A setting that cannot be
used stops the process with a message naming the variable, never a secret's value. Files are checked, the
TLS context and the token provider built, when the settings are read: a bad one fails at start, not at
the first connection.

Topics (`shared.kafka_io.create_topics`): CAREPAY_KAFKA_REPLICATION_FACTOR and
CAREPAY_KAFKA_MIN_INSYNC_REPLICAS (1 and 1 locally, 3 and 2 when CAREPAY_ENV=production),
CAREPAY_KAFKA_MAX_MESSAGE_BYTES (the topics' max.message.bytes and every producer's max_request_size),
CAREPAY_KAFKA_CREATE_TOPICS (true locally; false in production, where the topics come from Strimzi).
"""
from __future__ import annotations

import importlib
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from aiokafka.abc import AbstractTokenProvider
from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLOAuthBearer, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.settings import DEFAULT_KAFKA
from shared.settings_sources import SecretSettings, SettingError, environ

PREFIX = "CAREPAY_KAFKA_"
DEFAULT_MAX_MESSAGE_BYTES = 1_000_000  # what Event Hubs allows; Confluent Cloud and MSK allow more
SECRETS = ("sasl_password", "ssl_key_password")
SCRAM_OR_PLAIN = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}
# Production's topics survive a broker lost: three copies, a write acknowledged by two.
DEFAULTS = {"local": {"replication_factor": 1, "min_insync_replicas": 1, "create_topics": True},
            "production": {"replication_factor": 3, "min_insync_replicas": 2, "create_topics": False}}


class KafkaSettingsError(SystemExit):
    """A Kafka setting that cannot be used; the message names the variable (never a secret's value)."""


def variable(field: str) -> str:
    """The environment variable of a KafkaSettings field."""
    alias = KafkaSettings.model_fields[field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else f"{PREFIX}{field.upper()}"


class KafkaSettings(BaseSettings):
    """How this process reaches Kafka and what it asks of the topics (see the module's docstring)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore",
                                      populate_by_name=True, frozen=True)

    environment: Literal["local", "production"] = Field("local", validation_alias=AliasChoices("CAREPAY_ENV"))
    bootstrap_servers: str = Field(DEFAULT_KAFKA, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"))
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN", "OAUTHBEARER"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_file: Path | None = None
    ssl_cert_file: Path | None = None
    ssl_key_file: Path | None = None
    ssl_key_password: SecretStr | None = None
    oauth_token_provider: str | None = Field(None, pattern=r"^[\w.]+:[\w.]+$")
    replication_factor: int | None = Field(None, ge=1)
    min_insync_replicas: int | None = Field(None, ge=1)
    max_message_bytes: int = Field(DEFAULT_MAX_MESSAGE_BYTES, ge=64 * 1024)
    create_topics: bool | None = None

    _ssl_context: ssl.SSLContext | None = PrivateAttr(None)
    _token_provider: AbstractTokenProvider | None = PrivateAttr(None)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        # Given > the variable > <NAME>_FILE > CAREPAY_SECRETS_DIR/<NAME> > the default.
        return init_settings, env_settings, _SecretFiles(settings_cls), file_secret_settings

    @classmethod
    def load(cls, **given: Any) -> KafkaSettings:
        """The settings from the environment (and `given`), or KafkaSettingsError naming what is wrong."""
        known = {variable(name) for name in cls.model_fields} | {f"{variable(name)}_FILE" for name in SECRETS}
        unknown = sorted(name for name in environ() if name.startswith(PREFIX) and name not in known)
        if unknown:  # a misspelt setting would otherwise be ignored
            raise KafkaSettingsError(f"{', '.join(unknown)}: not a Kafka setting (they are: {', '.join(sorted(known))})")
        secrets_dir = environ().get("CAREPAY_SECRETS_DIR") or None
        if secrets_dir is not None and not Path(secrets_dir).is_dir():
            raise KafkaSettingsError(f"CAREPAY_SECRETS_DIR: {secrets_dir} is not a directory")
        try:
            return cls(_secrets_dir=secrets_dir, **given)
        except ValidationError as exc:
            raise KafkaSettingsError("; ".join(_described(e) for e in exc.errors(include_input=False))) from None
        except SettingError as exc:  # a secret's file (shared.settings_sources)
            raise KafkaSettingsError(str(exc)) from None

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSettings:
        defaults = DEFAULTS[self.environment]
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.environment == "production" and "bootstrap_servers" not in self.model_fields_set:
            raise ValueError(f"{variable('bootstrap_servers')} is not set: in production it names the cluster")
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(f"{variable('min_insync_replicas')} ({self.min_insync_replicas}) is more than "
                             f"{variable('replication_factor')} ({self.replication_factor}): no write could be "
                             "acknowledged")
        if self.security_protocol == "PLAINTEXT":
            given = [variable(n) for n in ("sasl_mechanism", "sasl_username", "sasl_password", "ssl_ca_file",
                                           "ssl_cert_file", "ssl_key_file", "ssl_key_password",
                                           "oauth_token_provider") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} set, but {variable('security_protocol')} is PLAINTEXT "
                                 "(credentials are never sent in the clear): set it to SSL or SASL_SSL")
            return self
        self._ssl_context = self._tls()
        if self.security_protocol == "SASL_SSL":
            if self.sasl_mechanism is None:
                object.__setattr__(self, "sasl_mechanism", "SCRAM-SHA-512")
            self._check_sasl()
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password or self.oauth_token_provider:
            raise ValueError(f"SASL settings are set, but {variable('security_protocol')} is SSL: set it to SASL_SSL")
        return self

    def _tls(self) -> ssl.SSLContext:
        for name in ("ssl_ca_file", "ssl_cert_file", "ssl_key_file"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{variable(name)}: no file {path}")
        if (self.ssl_cert_file is None) != (self.ssl_key_file is None):
            raise ValueError(f"{variable('ssl_cert_file')} and {variable('ssl_key_file')} go together "
                             "(a client certificate and its key): set both or neither")
        if self.ssl_key_password is not None and self.ssl_key_file is None:
            raise ValueError(f"{variable('ssl_key_password')} is set without {variable('ssl_key_file')}")
        try:
            context = create_ssl_context(cafile=self.ssl_ca_file)
        except ssl.SSLError as exc:
            raise ValueError(f"{variable('ssl_ca_file')}: {self.ssl_ca_file} is not a PEM CA certificate "
                             f"({exc.reason or exc})") from None
        if self.ssl_cert_file is not None:
            password = self.ssl_key_password.get_secret_value() if self.ssl_key_password else None
            try:
                context.load_cert_chain(self.ssl_cert_file, self.ssl_key_file, password)
            except ssl.SSLError as exc:
                raise ValueError(f"{variable('ssl_cert_file')} / {variable('ssl_key_file')}: the certificate and "
                                 f"key cannot be loaded together ({exc.reason or exc}); a wrong or missing "
                                 f"{variable('ssl_key_password')} also says so") from None
        return context

    def _check_sasl(self) -> None:
        if self.sasl_mechanism == "OAUTHBEARER":
            if self.oauth_token_provider is None:
                raise ValueError(f"{variable('sasl_mechanism')} is OAUTHBEARER: set "
                                 f"{variable('oauth_token_provider')} to the \"module:callable\" of a token provider")
            self._token_provider = _token_provider(self.oauth_token_provider)
            return
        if self.oauth_token_provider is not None:
            raise ValueError(f"{variable('oauth_token_provider')} is set, but {variable('sasl_mechanism')} is "
                             f"{self.sasl_mechanism}, not OAUTHBEARER")
        missing = [variable(n) for n in ("sasl_username", "sasl_password") if not getattr(self, n)]
        if missing:
            raise ValueError(f"{variable('sasl_mechanism')} {self.sasl_mechanism} needs {' and '.join(missing)}")

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context every client shares (None for PLAINTEXT)."""
        return self._ssl_context

    @property
    def token_provider(self) -> AbstractTokenProvider | None:
        return self._token_provider


class _SecretFiles(SecretSettings):  # after KafkaSettings: variable() reads its fields
    variables = {name: variable(name) for name in SECRETS}


def _token_provider(reference: str) -> AbstractTokenProvider:
    module_name, _, attribute = reference.partition(":")
    name = variable("oauth_token_provider")
    try:
        factory: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            factory = getattr(factory, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"{name}: cannot find {reference} ({type(exc).__name__}: {exc})") from None
    provider = factory()
    if not isinstance(provider, AbstractTokenProvider):
        raise ValueError(f"{name}: {reference}() returned a {type(provider).__name__}, "
                         "not an aiokafka.abc.AbstractTokenProvider")
    return provider


def _described(error: dict) -> str:
    """One pydantic error as `VARIABLE: what is wrong` (pydantic's own text, without the value given)."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:
        return message
    return f"{variable(str(error['loc'][0]))}: {message}"


@lru_cache(maxsize=1)
def kafka_settings() -> KafkaSettings:
    """This process's Kafka settings, read once (KafkaSettingsError when one cannot be used)."""
    return KafkaSettings.load()


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for any aiokafka client (AIOKafkaProducer, AIOKafkaConsumer, AIOKafkaAdminClient):
    where the brokers are and how to reach them."""
    options: dict[str, Any] = {"bootstrap_servers": kafka.bootstrap_servers,
                               "security_protocol": kafka.security_protocol}
    if kafka.security_protocol == "PLAINTEXT":
        return options
    options["ssl_context"] = kafka.ssl_context
    if kafka.security_protocol == "SASL_SSL":
        options["sasl_mechanism"] = kafka.sasl_mechanism
        if kafka.sasl_mechanism == "OAUTHBEARER":
            options["sasl_oauth_token_provider"] = kafka.token_provider
        else:
            options["sasl_plain_username"] = kafka.sasl_username
            options["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return options


def broker_security(kafka: KafkaSettings) -> BaseSecurity | None:
    """FastStream's security object for the same connection (it also describes it in the AsyncAPI document)."""
    if kafka.security_protocol == "PLAINTEXT":
        return None
    if kafka.security_protocol == "SSL":
        return BaseSecurity(ssl_context=kafka.ssl_context)
    if kafka.sasl_mechanism == "OAUTHBEARER":
        return SASLOAuthBearer(ssl_context=kafka.ssl_context)
    return SCRAM_OR_PLAIN[kafka.sasl_mechanism](kafka.sasl_username, kafka.sasl_password.get_secret_value(),
                                                ssl_context=kafka.ssl_context)


def broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for FastStream's KafkaBroker: the brokers, the security object, the token provider,
    the producer's request cap, and whether a subscriber may create its topic (only where we create topics)."""
    return {"bootstrap_servers": kafka.bootstrap_servers, "security": broker_security(kafka),
            "sasl_oauth_token_provider": kafka.token_provider, "max_request_size": kafka.max_message_bytes,
            "allow_auto_create_topics": kafka.create_topics}
