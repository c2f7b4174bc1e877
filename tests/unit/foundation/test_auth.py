"""Bearer tokens: PyJWT HS256 with sub, role, iss, aud, iat and exp; scoped roles must say who they are."""
from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Annotated

import jwt
import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient

from shared.auth import InvalidToken, Principal, current_principal, forbid_unless_provider, mint_token, verify_token
from shared.settings import DEV_AUTH_SECRET, Settings

SECRET = "unit-test-secret-of-at-least-32-bytes"
HOUR = 3600


@pytest.fixture(autouse=True)
def default_auth_env(monkeypatch):
    for name in ("CAREPAY_AUTH_SECRET", "CAREPAY_AUTH_ISSUER", "CAREPAY_AUTH_AUDIENCE", "CAREPAY_AUTH_MAX_TTL_S"):
        monkeypatch.delenv(name, raising=False)


def claims(**overrides) -> dict:
    """A valid ops token's claims, with `overrides` (a value of ... drops the claim)."""
    now = int(time.time())
    base = {"sub": "u1", "role": "ops", "iss": "carepay-local", "aud": "carepay", "iat": now, "exp": now + HOUR}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def forge(secret: str = SECRET, algorithm: str = "HS256", **overrides) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm=algorithm)


def client(settings=None) -> TestClient:
    """An app with one route behind current_principal, answering with the caller's scope."""
    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=settings or Settings(service="requests", port=0))

    @app.get("/mine")
    def mine(principal: Annotated[Principal, Depends(current_principal)]) -> dict:
        return {"role": principal.role, "provider_id": principal.provider_id, "person_ref": principal.person_ref}

    return TestClient(app, raise_server_exceptions=False)


def get(token: str, settings=None):
    return client(settings).get("/mine", headers={"Authorization": f"Bearer {token}"})


# --- minting and the signature ---------------------------------------------------------------------------

def test_a_minted_token_verifies_to_its_principal():
    token = mint_token(SECRET, subject="u1", role="provider", provider_id="PRV-1A2B3C4D5E")
    assert verify_token(SECRET, token) == Principal("u1", "provider", "PRV-1A2B3C4D5E", None)


@pytest.mark.parametrize("cqc", ["1-123456789", " 1-12345678901 "])
def test_a_provider_token_names_its_provider_id_never_a_cqc_id(cqc):
    with pytest.raises(ValueError, match=r"is a CQC ID; a provider is named by its provider_id \(PRV-…\) from the "
                                         r"agreements register: GET /providers\?cqc_provider_id=1-\d+ "):
        mint_token(SECRET, subject="u", role="provider", provider_id=cqc)


def test_a_minted_token_carries_issuer_audience_issued_at_and_expiry():
    before = int(time.time())
    token = mint_token(SECRET, subject="u1", role="ops", ttl_seconds=600)
    body = jwt.decode(token, options={"verify_signature": False})
    assert (body["iss"], body["aud"]) == ("carepay-local", "carepay")
    assert before <= body["iat"] <= int(time.time()) and body["exp"] - body["iat"] == 600


def test_a_token_signed_with_another_secret_is_refused():
    token = mint_token("another-secret-of-at-least-32-bytes", subject="u1", role="ops")
    with pytest.raises(InvalidToken, match="^bad signature$"):
        verify_token(SECRET, token)


def test_a_tampered_role_is_refused():
    head, body, sig = mint_token(SECRET, subject="u1", role="person", person_ref="P1").split(".")
    forged = mint_token("x" * 32, subject="u1", role="finance_approver").split(".")[1]
    with pytest.raises(InvalidToken, match="^bad signature$"):
        verify_token(SECRET, f"{head}.{forged}.{sig}")


@pytest.mark.parametrize("algorithm", ["HS512", "none"])
def test_only_hs256_is_accepted(algorithm):
    token = jwt.encode(claims(), None if algorithm == "none" else SECRET * 2, algorithm=algorithm)
    with pytest.raises(InvalidToken, match="^unsupported algorithm: only HS256$"):
        verify_token(SECRET, token)


def test_an_empty_secret_is_refused_by_mint_and_verify():
    with pytest.raises(ValueError, match="secret is empty"):
        mint_token("", subject="u1", role="ops")
    with pytest.raises(ValueError, match="secret is empty"):
        verify_token("", forge(secret="x" * 32))


def test_an_empty_secret_in_the_environment_means_the_development_secret(monkeypatch):
    monkeypatch.setenv("CAREPAY_AUTH_SECRET", "")
    assert Settings(service="requests", port=0).auth_secret == DEV_AUTH_SECRET


def test_provider_and_person_tokens_must_say_who_they_are():
    with pytest.raises(ValueError, match="provider token needs --provider"):
        mint_token(SECRET, subject="u", role="provider")
    with pytest.raises(ValueError, match="person token needs --person"):
        mint_token(SECRET, subject="u", role="person")


def test_a_provider_reaching_another_providers_data_is_told_both_provider_ids():
    mine = Principal("u", "provider", "PRV-A")
    forbid_unless_provider(mine, "PRV-A", "visits")  # its own: nothing to say
    forbid_unless_provider(Principal("u", "finance_officer"), "PRV-B", "visits")  # an officer: any provider
    with pytest.raises(HTTPException) as refused:
        forbid_unless_provider(mine, "PRV-B", "visits")
    assert refused.value.status_code == 403
    assert refused.value.detail == ("not permitted: this provider token is for PRV-A: it reaches only PRV-A's "
                                    "visits, not PRV-B's")
    with pytest.raises(HTTPException) as person:
        forbid_unless_provider(Principal("u", "person", person_ref="P-1"), "PRV-B", "invoices")
    assert person.value.detail == "not permitted: a person token does not reach provider PRV-B's invoices"


def test_minting_a_lifetime_longer_than_the_bound_is_refused():
    with pytest.raises(ValueError, match="ttl_seconds must be whole seconds between 1 and 43200"):
        mint_token(SECRET, subject="u", role="ops", ttl_seconds=12 * HOUR + 1)


# --- required claims, issuer and audience ----------------------------------------------------------------

@pytest.mark.parametrize("claim", ["sub", "role", "iss", "aud", "iat", "exp"])
def test_a_token_missing_a_required_claim_is_refused(claim):
    with pytest.raises(InvalidToken, match=f"^token has no {claim}$"):
        verify_token(SECRET, forge(**{claim: ...}))


def test_a_token_from_another_issuer_is_refused():
    with pytest.raises(InvalidToken, match="^token issuer \\(iss\\) is not carepay-local$"):
        verify_token(SECRET, forge(iss="someone-else"))


def test_a_token_for_another_audience_is_refused():
    with pytest.raises(InvalidToken, match="^token audience \\(aud\\) is not carepay$"):
        verify_token(SECRET, forge(aud="another-system"))


def test_issuer_and_audience_come_from_the_environment(monkeypatch):
    token = mint_token(SECRET, subject="u1", role="ops")
    monkeypatch.setenv("CAREPAY_AUTH_ISSUER", "council-idp")
    monkeypatch.setenv("CAREPAY_AUTH_AUDIENCE", "council-payments")
    settings = Settings(service="requests", port=0)
    assert (settings.auth_issuer, settings.auth_audience) == ("council-idp", "council-payments")
    with pytest.raises(InvalidToken, match="^token issuer \\(iss\\) is not council-idp$"):
        verify_token(SECRET, token)
    assert verify_token(SECRET, forge(iss="council-idp", aud="council-payments")).role == "ops"
    assert verify_token(SECRET, token, issuer="carepay-local", audience="carepay").role == "ops"


def test_the_service_checks_the_issuer_of_its_settings_with_401():
    settings = Settings(service="requests", port=0).model_copy(update={"auth_secret": SECRET,
                                                                       "auth_issuer": "council-idp"})
    answer = get(mint_token(SECRET, subject="u1", role="ops"), settings)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "invalid token: token issuer (iss) is not council-idp"}
    assert get(forge(iss="council-idp"), settings).status_code == 200


# --- time: expiry, issued-at, lifetime -------------------------------------------------------------------

def test_an_expired_token_is_refused():
    now = int(time.time())
    with pytest.raises(InvalidToken, match="^token expired$"):
        verify_token(SECRET, forge(iat=now - 2 * HOUR, exp=now - 61))


def test_an_expired_token_is_refused_on_the_verifiers_clock(monkeypatch):
    token = mint_token(SECRET, subject="u1", role="ops", ttl_seconds=1)
    monkeypatch.setattr(time, "time", lambda: 10**12)
    with pytest.raises(InvalidToken, match="^token expired$"):
        verify_token(SECRET, token)


def test_a_token_issued_more_than_a_minute_in_the_future_is_refused():
    now = int(time.time())
    with pytest.raises(InvalidToken, match="^token issued in the future \\(iat\\)$"):
        verify_token(SECRET, forge(iat=now + 120, exp=now + HOUR))
    assert verify_token(SECRET, forge(iat=now + 30, exp=now + HOUR)).role == "ops"  # within the 60 s leeway


def test_a_lifetime_longer_than_the_bound_is_refused_and_the_bound_itself_accepted():
    now = int(time.time())
    with pytest.raises(InvalidToken, match="^token lifetime \\(exp - iat\\) of 43201 s is longer than 43200 s$"):
        verify_token(SECRET, forge(iat=now, exp=now + 12 * HOUR + 1))
    with pytest.raises(InvalidToken, match="lifetime"):
        verify_token(SECRET, forge(iat=now, exp=now + 10 * 365 * 24 * HOUR))
    assert verify_token(SECRET, forge(iat=now, exp=now + 12 * HOUR)).role == "ops"


def test_the_lifetime_bound_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CAREPAY_AUTH_MAX_TTL_S", "600")
    now = int(time.time())
    with pytest.raises(InvalidToken, match="longer than 600 s"):
        verify_token(SECRET, forge(iat=now, exp=now + 601))


@pytest.mark.parametrize("exp", ["9999999999", "1.5e10", 1.5e10, True, None, [1]],
                         ids=["digits-text", "float-text", "float", "bool", "null", "list"])
def test_a_malformed_expiry_is_401_not_500(exp):
    answer = get(forge(secret=DEV_AUTH_SECRET, exp=exp))
    assert answer.status_code == 401
    reason = "token has no exp" if exp is None else "token claim exp must be an integer number of seconds"
    assert answer.json() == {"detail": f"invalid token: {reason}"}


def test_a_missing_expiry_is_401_naming_it():
    answer = get(forge(secret=DEV_AUTH_SECRET, exp=...))
    assert answer.status_code == 401
    assert answer.json() == {"detail": "invalid token: token has no exp"}


@pytest.mark.parametrize("iat", ["1700000000", "1.7e9", 1.7e9])
def test_a_malformed_issued_at_is_refused(iat):
    with pytest.raises(InvalidToken, match="^token claim iat must be an integer number of seconds$"):
        verify_token(SECRET, forge(iat=iat))


# --- scoped roles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role,claim", [("provider", "provider_id"), ("person", "person_ref"),
                                        ("personal_assistant", "pa_id")])
@pytest.mark.parametrize("value", [..., None, ""], ids=["missing", "null", "empty"])
def test_a_scoped_token_without_its_identity_is_401(role, claim, value):
    overrides = {"role": role}
    if value is not ...:
        overrides[claim] = value
    answer = get(forge(secret=DEV_AUTH_SECRET, **overrides))
    assert answer.status_code == 401
    if value == "":
        assert answer.json() == {"detail": f"invalid token: token claim {claim} must be a non-empty string"}
    else:
        assert answer.json() == {"detail": f"invalid token: token for role {role} has no {claim}"}
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_scoped_token_with_its_identity_reaches_the_route():
    answer = get(forge(secret=DEV_AUTH_SECRET, role="provider", provider_id="PRV-111111111"))
    assert answer.status_code == 200
    assert answer.json() == {"role": "provider", "provider_id": "PRV-111111111", "person_ref": None}


def test_a_scope_claim_that_is_not_a_string_is_refused():
    with pytest.raises(InvalidToken, match="^token claim provider_id must be a non-empty string$"):
        verify_token(SECRET, forge(role="provider", provider_id=["PRV-111111111", "PRV-222222222"]))


def test_scope_a_provider_sees_only_itself_and_officers_see_all():
    provider = Principal("u", "provider", provider_id="PRV-111111111")
    assert provider.may_see_provider("PRV-111111111")
    assert not provider.may_see_provider("PRV-222222222")
    assert not provider.may_see_person("P1")
    assert Principal("o", "finance_officer").may_see_provider("PRV-222222222")
    assert Principal("p", "person", person_ref="P1").may_see_person("P1")
    assert not Principal("p", "person", person_ref="P1").may_see_person("P2")


def test_a_principal_scoped_to_nobody_sees_nobody():
    assert not Principal("u", "provider").may_see_provider(None)
    assert not Principal("p", "person").may_see_person(None)


# --- the personal assistant role -------------------------------------------------------------------------

def test_a_personal_assistant_token_must_name_its_pa():
    with pytest.raises(ValueError, match="personal_assistant token needs --pa"):
        mint_token(SECRET, subject="u", role="personal_assistant")
    with pytest.raises(ValueError, match="personal_assistant token needs --pa"):
        mint_token(SECRET, subject="u", role="personal_assistant", person_ref="P1")  # another scope is not its own


def test_a_minted_personal_assistant_token_verifies_to_its_pa():
    token = mint_token(SECRET, subject="u-pa", role="personal_assistant", pa_id="PA-0123456789AB")
    assert jwt.decode(token, options={"verify_signature": False})["pa_id"] == "PA-0123456789AB"
    assert verify_token(SECRET, token) == Principal("u-pa", "personal_assistant", pa_id="PA-0123456789AB")


def test_a_personal_assistant_token_with_its_pa_reaches_the_route_and_is_no_officer():
    answer = get(forge(secret=DEV_AUTH_SECRET, role="personal_assistant", pa_id="PA-0123456789AB"))
    assert answer.status_code == 200
    assert answer.json() == {"role": "personal_assistant", "provider_id": None, "person_ref": None}
    assert not Principal("u", "personal_assistant", pa_id="PA-1").is_officer


def test_a_pa_claim_that_is_not_a_string_is_refused():
    with pytest.raises(InvalidToken, match="^token claim pa_id must be a non-empty string$"):
        verify_token(SECRET, forge(role="personal_assistant", pa_id=["PA-1", "PA-2"]))


def test_a_pa_claim_on_another_role_scopes_nothing():
    principal = verify_token(SECRET, forge(role="person", person_ref="P1", pa_id="PA-1"))
    assert principal.pa_id == "PA-1" and not principal.is_personal_assistant("PA-1")


def test_scope_a_personal_assistant_is_only_themself():
    pa = Principal("u", "personal_assistant", pa_id="PA-1")
    assert pa.is_personal_assistant("PA-1")
    assert not pa.is_personal_assistant("PA-2")
    assert not pa.may_see_person("P1") and not pa.may_see_provider("PRV-111111111")
    assert not Principal("o", "finance_officer").is_personal_assistant("PA-1")  # officers read PAs by their own rule
    assert not Principal("u", "personal_assistant").is_personal_assistant("PA-1")
    assert not Principal("u", "personal_assistant").is_personal_assistant(None)


def test_carepay_token_mints_a_personal_assistant_token_with_pa(monkeypatch):
    from typer.testing import CliRunner

    from shared.cli import app

    monkeypatch.setenv("CAREPAY_AUTH_SECRET", SECRET)
    minted = CliRunner().invoke(app, ["token", "--role", "personal_assistant", "--pa", "PA-0123456789AB"])
    assert minted.exit_code == 0, minted.output
    principal = verify_token(SECRET, minted.output.strip())
    assert (principal.role, principal.pa_id, principal.subject) == ("personal_assistant", "PA-0123456789AB",
                                                                    "local-personal_assistant")
    refused = CliRunner().invoke(app, ["token", "--role", "personal_assistant"])
    assert refused.exit_code != 0 and "needs --pa" in refused.output


def _roles_let_in(call) -> tuple[str, ...] | None:
    """The roles a `require(...)` dependency lets in (None: not a role gate)."""
    code = getattr(call, "__code__", None)
    if code is None or "roles" not in code.co_freevars:
        return None
    return call.__closure__[code.co_freevars.index("roles")].cell_contents


def _gates(dependant) -> list[tuple[str, ...]]:
    found = []
    for dep in dependant.dependencies:
        roles = _roles_let_in(dep.call)
        if roles is not None:
            found.append(roles)
        found.extend(_gates(dep))
    return found


def test_a_personal_assistant_reaches_only_its_own_record_in_every_service():
    """Every route's role gate in every service: a personal_assistant token passes only those about its own
    record and timesheets (where the route checks the pa_id), and is never let in as if it were an officer."""
    import importlib

    from fastapi.routing import APIRoute

    from shared.settings import SERVICE_PORTS

    open_to_pa, gated = set(), 0
    for service in SERVICE_PORTS:
        for router in importlib.import_module(f"services.{service}.api").ROUTERS:
            for route in router.routes:
                gates = _gates(route.dependant) if isinstance(route, APIRoute) else []
                gated += bool(gates)
                if any("personal_assistant" in g for g in gates):
                    open_to_pa |= {(service, m, route.path) for m in route.methods}
    assert gated > 100  # the gates were found at all
    assert open_to_pa == {("agreements", "GET", "/personal-assistants/{pa_id}"),
                          ("payments", "GET", "/personal-assistants/{pa_id}/timesheets"),
                          ("payments", "POST", "/personal-assistants/{pa_id}/timesheets"),
                          ("payments", "GET", "/timesheets/{timesheet_id}")}
