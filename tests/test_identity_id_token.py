"""Every check of the ID token, against a real provider's discovery and key set
(tests/oidc): tokens signed with the provider's own keys but wrong in one claim, and
tokens signed otherwise (alg none, an algorithm the provider does not advertise, a
tampered signature, an unknown kid, a foreign key), are all refused (issue 13)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, new_keys
from sprankel.identity.provider import LoginFailed, Provider

NONCE = "the-nonce-of-this-login"


@pytest.fixture
def real_provider(tmp_path: Path) -> Iterator[OidcProvider]:
    with OidcProvider(tmp_path / "oidc", "http://127.0.0.1:9/auth/callback",
                      "http://127.0.0.1:9/") as provider:
        yield provider


@pytest.fixture
async def checker(real_provider: OidcProvider) -> AsyncIterator[Provider]:
    client = Provider(real_provider.issuer, CLIENT_ID, CLIENT_SECRET)
    await client.start()
    yield client
    await client.close()


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_good_token_passes(real_provider: OidcProvider, checker: Provider) -> None:
    claims = await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE)), NONCE)
    assert claims["sub"] == "anna"


@pytest.mark.parametrize(("changes", "why"), [
    ({"aud": "another-client"}, "aud"),
    ({"aud": [CLIENT_ID, "another-client"]}, "azp"),  # several audiences need azp
    ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "azp"),
    ({"azp": "another-client"}, "azp"),
    ({"iss": "https://evil.example.org"}, "iss"),
    ({"nonce": "another-nonce"}, "nonce"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "exp"),
    ({"exp": None}, "exp"),
    ({"iat": None}, "iat"),
    ({"nonce": None}, "nonce"),
    ({"sub": None}, "sub"),
])
async def test_a_wrong_claim_is_refused(real_provider: OidcProvider, checker: Provider,
                                        changes: dict[str, Any], why: str) -> None:
    claims = {k: v for k, v in real_provider.claims(NONCE, **changes).items() if v is not None}
    with pytest.raises(LoginFailed) as refused:
        await checker.check_id_token(real_provider.sign(claims), NONCE)
    assert why in str(refused.value) or "not valid" in str(refused.value)


async def test_several_audiences_with_our_azp_pass(real_provider: OidcProvider,
                                                   checker: Provider) -> None:
    claims = real_provider.claims(NONCE, aud=[CLIENT_ID, "api"], azp=CLIENT_ID)
    assert (await checker.check_id_token(real_provider.sign(claims), NONCE))["azp"] == CLIENT_ID


async def test_alg_none_is_refused(real_provider: OidcProvider, checker: Provider) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(real_provider.claims(NONCE))}."
    with pytest.raises(LoginFailed, match="'none'"):
        await checker.check_id_token(token, NONCE)


async def test_an_unadvertised_algorithm_is_refused(real_provider: OidcProvider,
                                                    checker: Provider) -> None:
    # HS256 with the client secret: anyone who knows the secret could sign it.
    key = OctKey.import_key(CLIENT_SECRET.encode())
    token = jwt.encode({"alg": "HS256"}, real_provider.claims(NONCE), key)
    with pytest.raises(LoginFailed, match="HS256"):
        await checker.check_id_token(token, NONCE)


async def test_a_tampered_signature_is_refused(real_provider: OidcProvider,
                                               checker: Provider) -> None:
    head, payload, signature = real_provider.sign(real_provider.claims(NONCE)).split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(LoginFailed, match="signature"):
        await checker.check_id_token(f"{head}.{payload}.{flipped}", NONCE)
    # And a changed payload under the provider's signature.
    other = _b64(real_provider.claims(NONCE, sub="mallory"))
    with pytest.raises(LoginFailed, match="signature"):
        await checker.check_id_token(f"{head}.{other}.{signature}", NONCE)


async def test_an_unknown_kid_is_refused(real_provider: OidcProvider, checker: Provider
                                         ) -> None:
    foreign = new_keys("not-the-providers")
    with pytest.raises(LoginFailed, match="does not publish"):
        await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE),
                                                        key=foreign), NONCE)


async def test_a_foreign_key_under_the_providers_kid_is_refused(
        real_provider: OidcProvider, checker: Provider) -> None:
    foreign = new_keys("key-1")  # the provider's kid, another key
    with pytest.raises(LoginFailed, match="signature"):
        await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE),
                                                        key=foreign), NONCE)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b", "a.b.c", "é.b.c"])
async def test_a_malformed_token_is_refused(checker: Provider, token: str) -> None:
    with pytest.raises(LoginFailed):
        await checker.check_id_token(token, NONCE)


async def test_key_rotation_is_followed_by_kid(real_provider: OidcProvider,
                                               checker: Provider) -> None:
    await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE)), NONCE)
    old_keys = real_provider.keys
    new_kid = real_provider.rotate()
    # The checker has the old set; a token with the new kid makes it read the set again.
    claims = await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE)),
                                          NONCE)
    assert claims["sub"] == "anna" and new_kid == "key-2"
    # The old key is gone from the provider's set: what it signs is refused now.
    with pytest.raises(LoginFailed, match="does not publish"):
        await checker.check_id_token(real_provider.sign(real_provider.claims(NONCE),
                                                        key=old_keys), NONCE)
