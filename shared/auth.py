"""Bearer tokens carrying a role and, for providers, people and personal assistants, the identity they are
limited to.

Two kinds of token are verified, with PyJWT (verify_for chooses by the token's algorithm):
- the council's identity provider's (OIDC: RS256/ES256 from its JWKS), when CAREPAY_OIDC_ISSUER is set;
  shared.oidc checks them and maps their claims to a Principal;
- local HS256 tokens, signed with CAREPAY_AUTH_SECRET (unset or empty means the development secret; an
  empty secret passed here directly is a ValueError), which `carepay token` mints for the local stack.
  They are accepted only in local mode (CAREPAY_ENV=local, the default): in production an HS256 token is
  refused (401), whatever its signature.

An HS256 token is accepted only if all of these hold, else it is refused (401, naming the reason):
- signed HS256 with the secret (no other algorithm, not `none`);
- it carries every one of `sub` (a non-empty string), `role` (one of ROLES), `iss`, `aud`, `iat`
  and `exp` (`iat` and `exp` integer seconds: a string, a float or a missing value is refused);
- `iss` is CAREPAY_AUTH_ISSUER and `aud` is (or includes) CAREPAY_AUTH_AUDIENCE;
- it has not expired and its `iat` is not in the future (both allowing LEEWAY_S of clock skew),
  and its lifetime (exp - iat) is at most CAREPAY_AUTH_MAX_TTL_S (12 h unless set);
- a provider token names its `provider_id`, a person token its `person_ref` and a personal
  assistant token its `pa_id` (non-empty strings): a token scoped to nobody is refused rather than
  read as seeing everybody. A provider is named by its `provider_id` (`PRV-…`, the agreements
  register's id) in every token, path and query; never by a CQC ID, which `mint_token` refuses.

Wrong or missing token: 401. Right token, wrong role or scope: 403. The identity provider's keys
unreadable: 503 (the token cannot be checked now).
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status

from shared.settings import auth_audience_from_env, auth_issuer_from_env, auth_max_ttl_s_from_env, environment

ROLES = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "provider",
         "person", "ops", "team_manager", "personal_assistant")
OFFICER_ROLES = frozenset({"social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops",
                           "team_manager"})
# The claim each scoped role must carry: the identity its holder is limited to.
SCOPE_CLAIMS = {"provider": "provider_id", "person": "person_ref", "personal_assistant": "pa_id"}
REQUIRED_CLAIMS = ("sub", "role", "iss", "aud", "iat", "exp")
ALGORITHM = "HS256"
# Clock skew allowed between the minting and the verifying machine, for `iat` and `exp`.
LEEWAY_S = 60
# A CQC provider or location ID ('1-' and 9 to 11 digits): an attribute of a provider, never its identifier here.
CQC_ID = re.compile(r"1-\d{9,11}")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user id, one role, and (for provider/person/personal_assistant) the identity they are."""

    subject: str
    role: str
    provider_id: str | None = None
    person_ref: str | None = None
    pa_id: str | None = None

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    def may_see_provider(self, provider_id: str) -> bool:
        """Officers see every provider; a provider only itself; a person no provider's own data.

        A provider principal without a provider_id sees no provider (not every one)."""
        if self.is_officer:
            return True
        return self.role == "provider" and self.provider_id is not None and self.provider_id == provider_id

    def may_see_person(self, person_ref: str) -> bool:
        """Officers see every person; a person only themselves (and nobody without a person_ref)."""
        if self.is_officer:
            return True
        return self.role == "person" and self.person_ref is not None and self.person_ref == person_ref

    def is_personal_assistant(self, pa_id: str) -> bool:
        """Whether the caller is the personal assistant `pa_id` (never a PA principal without a pa_id)."""
        return self.role == "personal_assistant" and self.pa_id is not None and self.pa_id == pa_id


def _secret(secret: str) -> str:
    if not isinstance(secret, str) or not secret:
        raise ValueError("the token secret is empty: set CAREPAY_AUTH_SECRET (unset means the development secret)")
    return secret


def mint_token(secret: str, *, subject: str, role: str, provider_id: str | None = None,
               person_ref: str | None = None, pa_id: str | None = None, ttl_seconds: int = 12 * 3600,
               issuer: str | None = None, audience: str | None = None, max_ttl_seconds: int | None = None) -> str:
    """A signed token for `role`. Provider, person and personal assistant tokens must name who they are.

    `issuer`, `audience` and `max_ttl_seconds` default to CAREPAY_AUTH_ISSUER, CAREPAY_AUTH_AUDIENCE
    and CAREPAY_AUTH_MAX_TTL_S: a token minted here is one verify_token accepts."""
    secret = _secret(secret)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "provider" and not provider_id:
        raise ValueError("a provider token needs --provider")
    if provider_id:
        not_a_cqc_id(provider_id)
    if role == "person" and not person_ref:
        raise ValueError("a person token needs --person")
    if role == "personal_assistant" and not pa_id:
        raise ValueError("a personal_assistant token needs --pa")
    if not subject:
        raise ValueError("a token needs a subject")
    max_ttl = auth_max_ttl_s_from_env() if max_ttl_seconds is None else max_ttl_seconds
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or not 0 < ttl_seconds <= max_ttl:
        raise ValueError(f"ttl_seconds must be whole seconds between 1 and {max_ttl} (CAREPAY_AUTH_MAX_TTL_S), "
                         f"got {ttl_seconds!r}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "role": role, "iss": issuer or auth_issuer_from_env(),
                              "aud": audience or auth_audience_from_env(), "iat": now, "exp": now + ttl_seconds}
    if provider_id:
        claims["provider_id"] = provider_id
    if person_ref:
        claims["person_ref"] = person_ref
    if pa_id:
        claims["pa_id"] = pa_id
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class InvalidToken(Exception):
    """A token refused: the reason names what was wrong, never the token."""


class IssuerUnavailable(InvalidToken):
    """The identity provider's discovery document or keys could not be read: the token cannot be checked now
    (503 from current_principal, with Retry-After RETRY_AFTER_S; refused like any other token where no retry is
    possible)."""


# After the identity provider could not be read, how long it is not asked again (shared.oidc) and the Retry-After.
RETRY_AFTER_S = 5


def _whole_seconds(claims: dict[str, Any], name: str) -> int:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidToken(f"token claim {name} must be an integer number of seconds")
    return value


def verify_token(secret: str, token: str, *, issuer: str | None = None, audience: str | None = None,
                 max_ttl_seconds: int | None = None) -> Principal:
    """The principal of a valid token; InvalidToken says why otherwise (see the module docstring).

    `issuer`, `audience` and `max_ttl_seconds` default to CAREPAY_AUTH_ISSUER, CAREPAY_AUTH_AUDIENCE
    and CAREPAY_AUTH_MAX_TTL_S."""
    secret = _secret(secret)
    issuer = issuer or auth_issuer_from_env()
    audience = audience or auth_audience_from_env()
    max_ttl = auth_max_ttl_s_from_env() if max_ttl_seconds is None else max_ttl_seconds
    with refusals(issuer, audience, ALGORITHM):
        # iat and exp are checked below, once they are known to be integers (PyJWT would take "123" or True).
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer, audience=audience, leeway=LEEWAY_S,
                            options={"require": list(REQUIRED_CLAIMS), "verify_iat": False, "verify_exp": False})
    check_times(claims, max_ttl)
    return principal_of(claims["sub"], claims["role"], {name: claims.get(name) for name in SCOPE_CLAIMS.values()})


@contextmanager
def refusals(issuer: str, audience: str, algorithms: str) -> Iterator[None]:
    """PyJWT's refusals of a token as InvalidToken, each naming what was wrong (never the token)."""
    try:
        yield
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"token has no {exc.claim}") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("bad signature") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidToken(f"token issuer (iss) is not {issuer}") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken(f"token audience (aud) is not {audience}") from exc
    except jwt.ImmatureSignatureError as exc:
        raise InvalidToken("token not yet valid (nbf)") from exc
    except jwt.InvalidAlgorithmError as exc:
        raise InvalidToken(f"unsupported algorithm: only {algorithms}") from exc
    except jwt.DecodeError as exc:
        raise InvalidToken("malformed token") from exc
    except jwt.PyJWTError as exc:  # any other refusal: still the caller's token, so 401 not 500
        raise InvalidToken(f"malformed token ({type(exc).__name__})") from exc


def check_times(claims: dict[str, Any], max_ttl: int | None) -> None:
    """`iat` and `exp` are integers, `iat` not in the future and `exp` not passed (LEEWAY_S either way), and the
    lifetime (exp - iat) at most `max_ttl` seconds (None: the issuer decides)."""
    iat, exp = _whole_seconds(claims, "iat"), _whole_seconds(claims, "exp")
    now = time.time()
    if iat > now + LEEWAY_S:
        raise InvalidToken("token issued in the future (iat)")
    if exp <= now - LEEWAY_S:
        raise InvalidToken("token expired")
    if max_ttl is not None and exp - iat > max_ttl:
        raise InvalidToken(f"token lifetime (exp - iat) of {exp - iat} s is longer than {max_ttl} s")


def principal_of(subject: Any, role: Any, scope: dict[str, Any], claim_names: dict[str, str] | None = None
                 ) -> Principal:
    """The principal of a verified token's subject, role and scope values (keyed provider_id, person_ref and
    pa_id; `claim_names` gives the claim each was read from, when another). A scoped role without its scope, or
    a scope value that is not a non-empty string, is refused: a scope check never fails open."""
    names = claim_names or {}
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("token has no sub")
    if not isinstance(role, str) or role not in ROLES:
        raise InvalidToken("token has no known role")
    found: dict[str, str | None] = {}
    for name in SCOPE_CLAIMS.values():
        value = scope.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise InvalidToken(f"token claim {names.get(name, name)} must be a non-empty string")
        found[name] = value
    needed = SCOPE_CLAIMS.get(role)
    if needed and not found[needed]:
        shown = needed if names.get(needed, needed) == needed else f"{needed} (claim {names[needed]})"
        raise InvalidToken(f"token for role {role} has no {shown}")
    return Principal(subject=subject, role=role, provider_id=found["provider_id"], person_ref=found["person_ref"],
                     pa_id=found["pa_id"])


def local_mode(settings: Any = None) -> bool:  # noqa: ARG001 - callers pass their service's settings
    """CAREPAY_ENV is `local` (or unset). Anything else counts as production here: HS256 tokens are refused.
    Read when asked (only for an HS256 token or a sign-in), not from settings read at start."""
    return environment() == "local"


def verify_for(settings: Any, token: str) -> Principal:
    """The caller of `token` under a service's Settings.

    With CAREPAY_OIDC_ISSUER set, a token signed with one of CAREPAY_OIDC_ALGORITHMS is the identity provider's
    (shared.oidc). An HS256 token (`carepay token`) is verified with the service's secret, issuer, audience and
    lifetime bound (verify_token) only in local mode (CAREPAY_ENV=local, the default); in production it is
    refused, and so is any other algorithm (`none` among them)."""
    from shared import oidc  # shared.oidc builds on this module

    issuer = oidc.issuer_of(settings)
    if issuer is not None:
        algorithm = oidc.algorithm_of(token)
        if algorithm in issuer.settings.algorithms:
            return issuer.principal(token)
        if algorithm != ALGORITHM:
            allowed = ", ".join(issuer.settings.algorithms) + (f" or {ALGORITHM}" if local_mode(settings) else "")
            raise InvalidToken(f"unsupported algorithm: only {allowed}")
    if not local_mode(settings):
        raise InvalidToken(f"{ALGORITHM} tokens are accepted only in local mode (CAREPAY_ENV=local): production "
                           "takes the identity provider's tokens (CAREPAY_OIDC_ISSUER)")
    return verify_token(settings.auth_secret, token, issuer=getattr(settings, "auth_issuer", None),
                        audience=getattr(settings, "auth_audience", None),
                        max_ttl_seconds=getattr(settings, "auth_max_ttl_s", None))


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail,
                         headers={"WWW-Authenticate": "Bearer"})


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("missing bearer token: send 'Authorization: Bearer <token>'")
    try:
        return verify_for(request.app.state.runtime.settings, token.strip())
    except IssuerUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"cannot check the token now: {exc}",
                            headers={"Retry-After": str(RETRY_AFTER_S)}) from exc
    except InvalidToken as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc


def require(*roles: str):
    """FastAPI dependency factory: the caller must hold one of `roles`, else 403."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"role {principal.role} may not do this; needs one of: {', '.join(roles)}")
        return principal

    return check


def forbid_unless(allowed: bool, what: str) -> None:
    """403 with a reason when a caller reaches outside their own data."""
    if not allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"not permitted: {what}")


def forbid_unless_provider(principal: Principal, provider_id: str, what: str) -> None:
    """403 unless the caller may act for provider `provider_id` (officers for any, a provider token for its
    own only). The reason names the token's own provider_id beside the one asked for, so the caller sees
    which of the two is wrong: "this provider token is for PRV-A: it reaches only PRV-A's invoices, not PRV-B's"."""
    if principal.role == "provider":
        mine = principal.provider_id
        forbid_unless(principal.may_see_provider(provider_id),
                      f"this provider token is for {mine}: it reaches only {mine}'s {what}, not {provider_id}'s")
    else:
        forbid_unless(principal.may_see_provider(provider_id),
                      f"a {principal.role} token does not reach provider {provider_id}'s {what}")


def not_a_cqc_id(provider_id: str) -> str:
    """`provider_id` unchanged, or a ValueError saying how to find the provider_id when a CQC ID was given."""
    if CQC_ID.fullmatch(provider_id.strip()):
        raise ValueError(f"{provider_id} is a CQC ID; a provider is named by its provider_id (PRV-…) from the "
                         f"agreements register: GET /providers?cqc_provider_id={provider_id.strip()} (or "
                         f"?cqc_location_id= for a location) on the agreements service finds it")
    return provider_id
