"""Single sign-on: bearer tokens of the council's OpenID Connect identity provider (Entra ID, Keycloak, ...).

Off unless CAREPAY_OIDC_ISSUER is set. The settings (prefix CAREPAY_OIDC_, one row each in the README's
"Configuration") are OidcSettings; a bad one stops the service at start, naming the variable (never a secret's
value). The dashboard's sign-in with them is services/reporting/api/dashboard_sso.py.

An identity provider's token is accepted only if all of these hold, else it is refused (401, naming why):
- its header's `alg` is one of CAREPAY_OIDC_ALGORITHMS (RS256, ES256 unless set; asymmetric only: `none`
  and HS* are never the issuer's) and its `kid` names a signing key the issuer publishes in its JWKS
  (CAREPAY_OIDC_JWKS_URL, else the `jwks_uri` of `<issuer>/.well-known/openid-configuration`; kept
  JWKS_CACHE_S, fetched again for a `kid` not seen before at most every 30 s); it is verified with that
  key's own algorithm;
- `iss` is CAREPAY_OIDC_ISSUER exactly and `aud` is (or includes) CAREPAY_OIDC_AUDIENCE (unset: the
  CAREPAY_OIDC_CLIENT_ID);
- it carries `sub`, `iat` and `exp` (integer seconds); `exp` has not passed and `iat` and `nbf` are not in
  the future, each allowing shared.auth.LEEWAY_S of clock skew. Its lifetime is the issuer's to decide;
- its role claim (CAREPAY_OIDC_ROLES_CLAIM, `roles` unless set; a dotted path such as `realm_access.roles`
  reaches into an object) holds a string or a list of strings, and exactly one Carepay role follows from
  them: through CAREPAY_OIDC_ROLE_MAP when it is set (then only the names it lists count), else each name
  that is a Carepay role's own. None, or several different roles, is refused: Carepay acts with one role
  at a time, and choosing among several would decide for the council which duties a person holds
  (finance_officer and finance_approver are kept apart for the two-person rule). Give each person one
  Carepay role (an app role or group) at the identity provider; names mapping to the same role count once;
- the identity a scoped role is limited to is in its claim (CAREPAY_OIDC_PROVIDER_CLAIM, _PERSON_CLAIM,
  _PA_CLAIM; `provider_id`, `person_ref`, `pa_id` unless set) as a non-empty string: a provider token
  without its provider_id, or a person token without its person_ref, is refused (a scope check never fails
  open), and a provider_id that is a CQC ID is refused as it is for local tokens.

The issuer unreachable (discovery or keys) is IssuerUnavailable: 503 on the API, never a token accepted.
"""
from __future__ import annotations

import hmac
import re
import ssl
import threading
import time
from functools import lru_cache
from ipaddress import ip_address
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from pydantic import PrivateAttr, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from shared.auth import (LEEWAY_S, RETRY_AFTER_S, ROLES, InvalidToken, IssuerUnavailable, Principal, check_times,
                         local_mode, not_a_cqc_id, principal_of, refusals)
from shared.settings_sources import SecretSettings, SettingError

PREFIX = "CAREPAY_OIDC_"
# Signature algorithms an identity provider's token may use: public-key ones only.
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
JWKS_CACHE_S = 300  # how long the issuer's key set is kept before it is read again
HTTP_TIMEOUT_S = 10.0
SECRET_FIELDS = ("client_secret",)
# Claims every issuer token carries (iss and aud are checked against the settings; the role claim is mapped).
REQUIRED = ("sub", "iss", "aud", "iat", "exp")


def _env(field: str) -> str:
    return f"{PREFIX}{field.upper()}"


class _SecretFiles(SecretSettings):
    variables = {name: _env(name) for name in SECRET_FIELDS}


class OidcSettings(BaseSettings):
    """The identity provider's settings (environment CAREPAY_OIDC_*; the module docstring says how each is used)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True, env_ignore_empty=True)

    issuer: str | None = None
    audience: str | None = None
    jwks_url: str | None = None
    algorithms: Annotated[tuple[str, ...], NoDecode] = ("RS256", "ES256")
    roles_claim: str = "roles"
    provider_claim: str = "provider_id"
    person_claim: str = "person_ref"
    pa_claim: str = "pa_id"
    role_map: dict[str, str] = {}
    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_url: str | None = None
    scopes: str = "openid profile"
    _issuer: Issuer | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _SecretFiles(settings_cls)

    @field_validator("issuer", "audience", "jwks_url", "client_id", "client_secret", "redirect_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("algorithms", mode="before")
    @classmethod
    def _algorithm_list(cls, value: Any) -> Any:
        names = tuple(a.strip() for a in value.split(",") if a.strip()) if isinstance(value, str) else value
        if not names:
            raise ValueError(f"name at least one of {', '.join(ASYMMETRIC)}")
        wrong = [a for a in names if a not in ASYMMETRIC]
        if wrong:
            raise ValueError(f"{', '.join(map(str, wrong))} not allowed: only {', '.join(ASYMMETRIC)} (an identity "
                             f"provider signs with its private key; never none or HS*)")
        return names

    @field_validator("roles_claim", "provider_claim", "person_claim", "pa_claim", "scopes")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("role_map")
    @classmethod
    def _carepay_roles(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted({role for role in value.values() if role not in ROLES})
        if wrong:
            raise ValueError(f"maps to {', '.join(wrong)}, not Carepay roles: each value is one of {', '.join(ROLES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> OidcSettings:
        if not self.issuer:
            return self
        if not (self.audience or self.client_id):
            raise ValueError(f"{_env('audience')} (or {_env('client_id')}) is needed when {_env('issuer')} is set")
        for name in ("issuer", "jwks_url", "redirect_url"):
            url = getattr(self, name)
            if url and not _safe_url(url):
                raise ValueError(f"{_env(name)} must be an https URL (http only to this machine's loopback)")
        if self.client_id and not self.redirect_url and not local_mode():
            raise ValueError(f"{_env('redirect_url')} is needed in production when {_env('client_id')} is set: "
                             "the dashboard's callback URL registered with the identity provider")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.issuer)

    @property
    def token_audience(self) -> str:
        return self.audience or self.client_id or ""

    def issuer_client(self) -> Issuer:
        """The issuer these settings name, made once (it keeps the discovery document and the key set)."""
        if self._issuer is None:
            self._issuer = Issuer(self)
        return self._issuer


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The one TLS context of every request to the identity provider (made once: loading the CAs takes time)."""
    return httpx.create_ssl_context()


def _safe_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    try:
        return parts.hostname == "localhost" or ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def load_oidc_settings() -> OidcSettings:
    """OidcSettings from the environment, or SystemExit naming each setting that is wrong (never its value)."""
    try:
        return OidcSettings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            field = next((str(part) for part in error["loc"] if isinstance(part, str)), "")
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_env(field)}: {message}" if field else message)
        raise SystemExit("OIDC settings: " + "; ".join(problems)) from None
    except SettingError as exc:  # a secret's file (shared.settings_sources)
        raise SystemExit(f"OIDC settings: {exc}") from None
    except SettingsError as exc:
        named = re.search(r'field "(\w+)"', str(exc))
        text = (f"{_env(named[1])}: not valid JSON (a JSON object of the identity provider's role or group name "
                f"to a Carepay role)" if named else str(exc))
        raise SystemExit(f"OIDC settings: {text}") from None


@lru_cache(maxsize=1)
def oidc_settings() -> OidcSettings:
    """The process's OIDC settings, read once (tests that change the environment call oidc_settings.cache_clear())."""
    return load_oidc_settings()


def issuer_of(settings: Any) -> Issuer | None:
    """The identity provider a service's settings trust (their `oidc`, else the environment's), or None if off."""
    oidc = getattr(settings, "oidc", None) or oidc_settings()
    return oidc.issuer_client() if oidc.enabled else None


def _header(token: str) -> dict[str, Any]:
    """A token's header, not yet verified, or InvalidToken for a token that is not a JWT."""
    try:
        return jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc


def algorithm_of(token: str) -> str:
    """The `alg` a token's header names (not yet verified)."""
    return str(_header(token).get("alg"))


def _claim(claims: dict[str, Any], name: str) -> Any:
    """The claim `name`, or, when there is none of that name, the dotted path into objects (realm_access.roles)."""
    if name in claims:
        return claims[name]
    found: Any = claims
    for part in name.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


class Issuer:
    """The identity provider: its discovery document and key set (each read once and kept), and its tokens."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: jwt.PyJWKClient | None = None
        self._failed: tuple[float, IssuerUnavailable] | None = None

    def metadata(self) -> dict[str, Any]:
        """The discovery document (`<issuer>/.well-known/openid-configuration`), whose `issuer` must be ours.
        Read once; after a failure the same refusal is given for RETRY_AFTER_S before it is read again (so an
        issuer that is away is not asked once per request)."""
        with self._lock:
            if self._metadata is None:
                if self._failed and time.monotonic() - self._failed[0] < RETRY_AFTER_S:
                    raise self._failed[1]
                try:
                    self._metadata = self._discover()
                except IssuerUnavailable as exc:
                    self._failed = (time.monotonic(), exc)
                    raise
            return self._metadata

    def _discover(self) -> dict[str, Any]:
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            answer = httpx.get(url, timeout=HTTP_TIMEOUT_S, headers={"Accept": "application/json"},
                               verify=tls_context())
            answer.raise_for_status()
            document = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IssuerUnavailable(f"the identity provider's discovery document could not be read "
                                    f"({type(exc).__name__})") from exc
        if not isinstance(document, dict) or document.get("issuer") != self.settings.issuer:
            raise IssuerUnavailable(f"the discovery document does not name {_env('issuer')} as its issuer")
        return document

    def keys(self) -> jwt.PyJWKClient:
        with self._lock:
            keys = self._keys
        if keys is None:
            url = self.settings.jwks_url or self.metadata().get("jwks_uri")
            if not isinstance(url, str) or not _safe_url(url):
                raise IssuerUnavailable("the discovery document has no usable jwks_uri")
            keys = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=JWKS_CACHE_S, timeout=HTTP_TIMEOUT_S)
            with self._lock:
                self._keys = self._keys or keys
        return keys

    def _signing_key(self, header: dict[str, Any]) -> jwt.PyJWK:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token names no signing key (kid)")
        try:
            key = self.keys().get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise IssuerUnavailable("the identity provider's keys could not be read") from exc
        except jwt.PyJWKClientError as exc:
            if "Unable to find a signing key" in str(exc):
                raise InvalidToken("token signed by a key the identity provider does not publish (kid)") from exc
            raise IssuerUnavailable("the identity provider's key set has no usable signing key") from exc
        except jwt.PyJWTError as exc:
            raise IssuerUnavailable(f"the identity provider's key set could not be read ({type(exc).__name__})") \
                from exc
        if header.get("alg") != key.algorithm_name:
            raise InvalidToken(f"token algorithm {header.get('alg')} is not its key's ({key.algorithm_name})")
        return key

    def claims(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """The verified claims of one of the issuer's tokens for `audience` (default: the API's audience)."""
        allowed = self.settings.algorithms
        audience = audience or self.settings.token_audience
        header = _header(token)
        if header.get("alg") not in allowed:
            raise InvalidToken(f"unsupported algorithm: only {', '.join(allowed)}")
        key = self._signing_key(header)
        with refusals(self.settings.issuer, audience, ", ".join(allowed)):
            # iat and exp are checked by check_times, which refuses a string or a float where seconds belong.
            claims = jwt.decode(token, key, algorithms=list(allowed), issuer=self.settings.issuer, audience=audience,
                                leeway=LEEWAY_S,
                                options={"require": list(REQUIRED), "verify_iat": False, "verify_exp": False})
        check_times(claims, None)
        return claims

    def role_of(self, claims: dict[str, Any]) -> str:
        """The one Carepay role the token's role claim maps to (the module docstring's rule)."""
        name = self.settings.roles_claim
        raw = _claim(claims, name)
        if raw is None:
            raise InvalidToken(f"token has no role claim ({name})")
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidToken(f"token claim {name} must be a string or a list of strings")
        mapping = self.settings.role_map
        roles = {mapping.get(n) if mapping else (n if n in ROLES else None) for n in names} - {None}
        if not roles:
            how = "through CAREPAY_OIDC_ROLE_MAP" if mapping else "of that name"
            raise InvalidToken(f"token claim {name} names no Carepay role ({how})")
        if len(roles) > 1:
            raise InvalidToken(f"token claim {name} maps to several Carepay roles ({', '.join(sorted(roles))}): "
                               "a token must carry exactly one")
        return roles.pop()

    def principal(self, token: str) -> Principal:
        """The caller of one of the issuer's access tokens, or InvalidToken (IssuerUnavailable) saying why not."""
        claims = self.claims(token)
        names = {"provider_id": self.settings.provider_claim, "person_ref": self.settings.person_claim,
                 "pa_id": self.settings.pa_claim}
        scope = {key: _claim(claims, claim) for key, claim in names.items()}
        provider = scope["provider_id"]
        if isinstance(provider, str) and provider:
            try:
                not_a_cqc_id(provider)
            except ValueError as exc:
                raise InvalidToken(f"token claim {names['provider_id']} holds a CQC ID, not a provider_id (PRV-…)") \
                    from exc
        return principal_of(claims.get("sub"), self.role_of(claims), scope, names)

    def id_token_claims(self, token: str, nonce: str) -> dict[str, Any]:
        """The verified claims of an ID token issued to CAREPAY_OIDC_CLIENT_ID for the sign-in whose `nonce` it must
        carry (and whose `azp`, when it has one, is that client)."""
        client_id = self.settings.client_id or ""
        claims = self.claims(token, audience=client_id)
        if not isinstance(claims.get("nonce"), str) or not _same(claims["nonce"], nonce):
            raise InvalidToken("ID token nonce is not this sign-in's")
        if "azp" in claims and claims["azp"] != client_id:
            raise InvalidToken(f"ID token authorized party (azp) is not {_env('client_id')}")
        return claims


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
