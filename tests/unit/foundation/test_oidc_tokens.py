"""Single sign-on: the identity provider's RS256 and ES256 tokens reach real service apps with the role and the
identity they are mapped to; every other token is refused with 401 (problem+json); HS256 only in local mode.

The issuer is the tests' own (oidc_issuer.py: keys made at start, served over HTTP on 127.0.0.1)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from shared.auth import InvalidToken, Principal, mint_token, verify_for
from shared.settings import DEV_AUTH_SECRET, Settings

PROVIDER = {"roles": "Carepay.Provider", "provider_id": "PRV-AAAAAAAAAA"}


@pytest.fixture(scope="module")
def agreements():
    from services.agreements.app import app

    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def requests_app():
    from services.requests.app import app

    return TestClient(app, raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refused(client: TestClient, token: str, path: str = "/providers/PRV-AAAAAAAAAA") -> str:
    """The reason a real service gives for refusing `token` (asserting it is a 401 problem)."""
    answer = client.get(path, headers=bearer(token))
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["www-authenticate"] == "Bearer"
    return answer.json()["detail"].removeprefix("invalid token: ")


def principal(token: str) -> Principal:
    return verify_for(Settings(service="requests", port=0), token)


# --- accepted ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
def test_the_issuers_rs256_and_es256_tokens_reach_a_service_as_the_mapped_provider(oidc, oidc_issuer, agreements,
                                                                                   kid):
    token = oidc_issuer.token(kid, **PROVIDER)
    assert jwt.get_unverified_header(token)["alg"] == {"rsa-1": "RS256", "ec-1": "ES256"}[kid]
    other = agreements.get("/providers/PRV-BBBBBBBBBB", headers=bearer(token))
    assert other.status_code == 403
    assert other.json()["detail"] == ("not permitted: this provider token is for PRV-AAAAAAAAAA: it reaches only "
                                      "PRV-AAAAAAAAAA's register entry, not PRV-BBBBBBBBBB's")
    own = agreements.get("/providers/PRV-AAAAAAAAAA", headers=bearer(token))
    assert own.status_code == 503 and "database not ready" in own.json()["detail"]  # past the token, to the data


def test_the_role_and_the_identity_come_from_the_claims_the_settings_name(oidc, oidc_issuer, requests_app):
    oidc(OIDC_ROLES_CLAIM="realm_access.roles", OIDC_PERSON_CLAIM="carepay_person", OIDC_ROLE_MAP="")
    token = oidc_issuer.token("ec-1", roles=..., realm_access={"roles": ["person", "offline_access"]},
                              carepay_person="P-0001")
    assert principal(token) == Principal("alice", "person", person_ref="P-0001")
    answer = requests_app.get("/requests", params={"person_ref": "P-0002"}, headers=bearer(token))
    assert answer.status_code == 403 and "a person may only list their own requests" in answer.json()["detail"]


def test_an_officer_token_is_mapped_through_the_role_map_from_a_list_or_a_string(oidc, oidc_issuer, requests_app):
    for roles in (["Carepay.FinanceOfficer", "Everyone"], "Carepay.FinanceOfficer"):
        assert principal(oidc_issuer.token(roles=roles)) == Principal("alice", "finance_officer")
    # with a map, only the names it lists count: a raw Carepay role name is not trusted
    assert refused(requests_app, oidc_issuer.token(roles=["ops"]), "/requests") == \
        "token claim roles names no Carepay role (through CAREPAY_OIDC_ROLE_MAP)"
    # names mapping to the same role count once
    assert principal(oidc_issuer.token(roles=["Carepay.Ops", "Carepay.Ops"])).role == "ops"


def test_a_token_whose_roles_map_to_several_carepay_roles_is_refused(oidc, oidc_issuer, requests_app):
    token = oidc_issuer.token(roles=["Carepay.FinanceOfficer", "Carepay.FinanceApprover"])
    assert refused(requests_app, token, "/requests") == ("token claim roles maps to several Carepay roles "
                                                         "(finance_approver, finance_officer): a token must carry "
                                                         "exactly one")


def test_local_hs256_tokens_still_work_in_local_mode_beside_the_issuers(oidc, agreements):
    local = mint_token(DEV_AUTH_SECRET, subject="dev", role="provider", provider_id="PRV-AAAAAAAAAA")
    assert agreements.get("/providers/PRV-AAAAAAAAAA", headers=bearer(local)).status_code == 503


# --- refused ----------------------------------------------------------------------------------------------

def _hs256_with_the_key_id(issuer) -> str:
    """HS256 under the RSA key's kid, keyed with its public key: the old algorithm-confusion forgery."""
    public = issuer.keys["rsa-1"][1].public_key().public_bytes(serialization.Encoding.PEM,
                                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    claims = {"iss": issuer.url, "aud": "carepay-api", "sub": "mallory", "iat": now, "exp": now + 600,
              "roles": "Carepay.Ops"}
    return _sign_hs256(claims, public)  # by hand: PyJWT itself refuses a PEM key as an HMAC secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign_hs256(claims: dict, secret: bytes) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}." + _b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())


def _unsigned(issuer) -> str:
    return jwt.encode({"iss": issuer.url, "aud": "carepay-api", "sub": "mallory", "iat": int(time.time()),
                       "exp": int(time.time()) + 600, "roles": "Carepay.Ops"}, None, algorithm="none",
                      headers={"kid": "rsa-1"})


REFUSALS = {
    "wrong issuer": (lambda i: i.token(iss="https://login.example/other"),
                     "token issuer (iss) is not {url}"),
    "wrong audience": (lambda i: i.token(aud="someone-else"), "token audience (aud) is not carepay-api"),
    "expired": (lambda i: i.token(iat=int(time.time()) - 3600, exp=int(time.time()) - 120), "token expired"),
    "issued in the future": (lambda i: i.token(iat=int(time.time()) + 600, exp=int(time.time()) + 1200),
                             "token issued in the future (iat)"),
    "not yet valid": (lambda i: i.token(nbf=int(time.time()) + 600), "token not yet valid (nbf)"),
    "another key under a published kid": (lambda i: i.token(key=i.stranger), "bad signature"),
    "a kid it does not publish": (lambda i: i.token(key=i.stranger, headers={"kid": "rsa-2"}),
                                  "token signed by a key the identity provider does not publish (kid)"),
    "an EC key under the RSA kid": (lambda i: i.token("ec-1", headers={"kid": "rsa-1"}),
                                    "token algorithm ES256 is not its key's (RS256)"),
    "RS512, not allowed": (lambda i: i.token(alg="RS512"), "unsupported algorithm: only RS256, ES256 or HS256"),
    "alg none": (_unsigned, "unsupported algorithm: only RS256, ES256 or HS256"),
    "HS256 with the key id": (_hs256_with_the_key_id, "bad signature"),
    "a provider without provider_id": (lambda i: i.token(roles="Carepay.Provider"),
                                       "token for role provider has no provider_id"),
    "a person without person_ref": (lambda i: i.token(roles="Carepay.Person", person_ref=""),
                                    "token claim person_ref must be a non-empty string"),
    "a provider named by a CQC ID": (lambda i: i.token(roles="Carepay.Provider", provider_id="1-123456789"),
                                     "token claim provider_id holds a CQC ID, not a provider_id (PRV-…)"),
    "no role claim": (lambda i: i.token(roles=...), "token has no role claim (roles)"),
    "a role claim that is an object": (lambda i: i.token(roles={"a": 1}),
                                       "token claim roles must be a string or a list of strings"),
    "no subject": (lambda i: i.token(sub=...), "token has no sub"),
    "a string expiry": (lambda i: i.token(exp=str(int(time.time()) + 600)),
                        "token claim exp must be an integer number of seconds"),
    "not a JWT": (lambda i: "not-a-token", "malformed token"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_token_the_issuer_did_not_make_as_configured_is_401(oidc, oidc_issuer, agreements, case):
    make, reason = REFUSALS[case]
    assert refused(agreements, make(oidc_issuer)) == reason.format(url=oidc_issuer.url)


def test_hs256_under_the_key_id_is_refused_in_production_for_its_algorithm(oidc, oidc_issuer, agreements):
    oidc(ENV="production")
    assert refused(agreements, _hs256_with_the_key_id(oidc_issuer)).startswith(
        "HS256 tokens are accepted only in local mode (CAREPAY_ENV=local)")
    assert refused(agreements, _unsigned(oidc_issuer)) == "unsupported algorithm: only RS256, ES256"
    assert agreements.get("/providers/PRV-AAAAAAAAAA", headers=bearer(oidc_issuer.token(**PROVIDER))).status_code == 503


@pytest.mark.parametrize("with_oidc", [True, False], ids=["oidc", "no-oidc"])
def test_in_production_a_local_hs256_token_is_refused(oidc, agreements, monkeypatch, with_oidc):
    oidc(ENV="production")
    if not with_oidc:
        oidc(OIDC_ISSUER="")
    local = mint_token(DEV_AUTH_SECRET, subject="dev", role="ops")
    assert refused(agreements, local) == ("HS256 tokens are accepted only in local mode (CAREPAY_ENV=local): "
                                          "production takes the identity provider's tokens (CAREPAY_OIDC_ISSUER)")


def test_an_unknown_environment_counts_as_production(oidc, agreements):
    oidc(ENV="staging")
    assert refused(agreements, mint_token(DEV_AUTH_SECRET, subject="dev", role="ops")).startswith("HS256 tokens")


def test_an_issuer_that_cannot_be_reached_is_503_not_a_token_accepted(oidc, agreements):
    with socket_closed() as url:
        oidc(OIDC_ISSUER=url)
        token = jwt.encode({"sub": "x"}, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
                           headers={"kid": "ec-1"})
        answer = agreements.get("/providers/PRV-AAAAAAAAAA", headers=bearer(token))
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["detail"] == ("cannot check the token now: the identity provider's discovery document could "
                                       "not be read (ConnectError)")


def test_an_issuer_that_failed_is_not_asked_again_at_once(oidc, oidc_issuer, agreements, monkeypatch):
    monkeypatch.setattr(oidc_issuer, "discovery_down", True)
    before = oidc_issuer.discovery_reads
    answers = [agreements.get("/providers/PRV-AAAAAAAAAA", headers=bearer(oidc_issuer.token(**PROVIDER)))
               for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert oidc_issuer.discovery_reads == before + 1  # the refusal is kept for RETRY_AFTER_S, not asked per request


def test_the_jwks_url_setting_is_used_without_discovery(oidc, oidc_issuer):
    oidc(OIDC_ISSUER="https://login.example/tenant", OIDC_JWKS_URL=f"{oidc_issuer.url}/jwks")
    token = oidc_issuer.token("ec-1", iss="https://login.example/tenant", roles="Carepay.Ops")
    assert principal(token) == Principal("alice", "ops")


class socket_closed:
    """The URL of a port on loopback that nothing listens on."""

    def __enter__(self) -> str:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc) -> None:
        self.sock.close()


def test_verify_for_refuses_with_invalid_token_outside_http(oidc, oidc_issuer):
    with pytest.raises(InvalidToken, match="^token audience"):
        principal(oidc_issuer.token(aud="x"))
