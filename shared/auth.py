"""Bearer tokens carrying a role and, for providers and people, the identity they are limited to.

Tokens are HS256 JWTs signed with CAREPAY_AUTH_SECRET. `carepay token` mints them for the local
stack; production puts the council's identity provider in front and shares the secret or swaps
the verifier. Wrong or missing token: 401. Right token, wrong role or scope: 403.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

ROLES = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "provider",
         "person", "ops")
OFFICER_ROLES = frozenset({"social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user id, one role, and (for provider/person) the identity they are."""

    subject: str
    role: str
    provider_id: str | None = None
    person_ref: str | None = None

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    def may_see_provider(self, provider_id: str) -> bool:
        """Officers see every provider; a provider only itself; a person no provider's own data."""
        return self.is_officer or (self.role == "provider" and self.provider_id == provider_id)

    def may_see_person(self, person_ref: str) -> bool:
        return self.is_officer or (self.role == "person" and self.person_ref == person_ref)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_token(secret: str, *, subject: str, role: str, provider_id: str | None = None,
               person_ref: str | None = None, ttl_seconds: int = 12 * 3600) -> str:
    """A signed token for `role`. Provider and person tokens must name who they are."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "provider" and not provider_id:
        raise ValueError("a provider token needs --provider")
    if role == "person" and not person_ref:
        raise ValueError("a person token needs --person")
    claims = {"sub": subject, "role": role, "exp": int(time.time()) + ttl_seconds}
    if provider_id:
        claims["provider_id"] = provider_id
    if person_ref:
        claims["person_ref"] = person_ref
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


class InvalidToken(Exception):
    pass


def verify_token(secret: str, token: str) -> Principal:
    """The principal of a valid token; InvalidToken says why otherwise."""
    try:
        head, body, sig = token.split(".")
    except ValueError as exc:
        raise InvalidToken("malformed token") from exc
    expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(sig)):
            raise InvalidToken("bad signature")
        if json.loads(_unb64(head)).get("alg") != "HS256":
            raise InvalidToken("unsupported algorithm")
        claims = json.loads(_unb64(body))
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(claims, dict) or claims.get("role") not in ROLES:
        raise InvalidToken("token has no known role")
    if int(claims.get("exp", 0)) < time.time():
        raise InvalidToken("token expired")
    return Principal(subject=str(claims.get("sub", "")), role=claims["role"],
                     provider_id=claims.get("provider_id"), person_ref=claims.get("person_ref"))


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
        return verify_token(request.app.state.runtime.settings.auth_secret, token.strip())
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
