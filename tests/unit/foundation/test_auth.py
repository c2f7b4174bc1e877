import time

import pytest

from shared.auth import InvalidToken, Principal, mint_token, verify_token

SECRET = "s3cret"


def test_a_minted_token_verifies_to_its_principal():
    token = mint_token(SECRET, subject="u1", role="provider", provider_id="1-123456789")
    assert verify_token(SECRET, token) == Principal("u1", "provider", "1-123456789", None)


def test_a_token_signed_with_another_secret_is_refused():
    token = mint_token("other", subject="u1", role="ops")
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(SECRET, token)


def test_a_tampered_role_is_refused():
    head, body, sig = mint_token(SECRET, subject="u1", role="person", person_ref="P1").split(".")
    forged = mint_token("x", subject="u1", role="finance_approver").split(".")[1]
    with pytest.raises(InvalidToken):
        verify_token(SECRET, f"{head}.{forged}.{sig}")


def test_an_expired_token_is_refused(monkeypatch):
    token = mint_token(SECRET, subject="u1", role="ops", ttl_seconds=1)
    monkeypatch.setattr(time, "time", lambda: 10**12)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(SECRET, token)


def test_provider_and_person_tokens_must_say_who_they_are():
    with pytest.raises(ValueError):
        mint_token(SECRET, subject="u", role="provider")
    with pytest.raises(ValueError):
        mint_token(SECRET, subject="u", role="person")


def test_scope_a_provider_sees_only_itself_and_officers_see_all():
    provider = Principal("u", "provider", provider_id="1-111111111")
    assert provider.may_see_provider("1-111111111")
    assert not provider.may_see_provider("1-222222222")
    assert not provider.may_see_person("P1")
    assert Principal("o", "finance_officer").may_see_provider("1-222222222")
    assert Principal("p", "person", person_ref="P1").may_see_person("P1")
    assert not Principal("p", "person", person_ref="P1").may_see_person("P2")
