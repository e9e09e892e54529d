"""Tokens are HMAC-signed: a changed byte, another key or another format is refused,
and the key the server generates is kept in the data folder and reused."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest

from sprankel.kernel.tokens import (
    Claims,
    TokenRefused,
    TokenSigner,
    load_or_create_key,
    load_or_create_keys,
    parse_keys,
)

KEY = b"0123456789abcdef0123456789abcdef"


def test_a_signed_token_verifies() -> None:
    signer = TokenSigner(KEY)
    claims = Claims("s1", "p1", "participant")
    assert signer.verify(signer.sign(claims)) == claims


def test_a_token_signed_with_another_key_is_refused() -> None:
    other = TokenSigner(b"another-key-of-sixteen-bytes-or-more")
    token = other.sign(Claims("s", "p", "facilitator"))
    assert TokenSigner(KEY).verify(token) is None


def test_a_participant_cannot_promote_their_token() -> None:
    signer = TokenSigner(KEY)
    version, _payload, signature = signer.sign(Claims("s", "p", "participant")).split(".")
    forged = base64.urlsafe_b64encode(
        json.dumps({"s": "s", "p": "p", "r": "facilitator"}).encode()).rstrip(b"=").decode()
    assert signer.verify(f"{version}.{forged}.{signature}") is None


@pytest.mark.parametrize("token", ["", "x", "v1.a.b", "v2.e30.abc", "v1..", "a" * 5000,
                                   "v1.bm90LWpzb24.sig"])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert TokenSigner(KEY).verify(token) is None


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenSigner(b"short")


def test_the_configured_key_wins(tmp_path: Path) -> None:
    assert load_or_create_key("configured-secret", tmp_path) == b"configured-secret"
    assert not (tmp_path / "secret_key").exists()


def test_a_generated_key_is_kept_and_reused(tmp_path: Path) -> None:
    first = load_or_create_key(None, tmp_path / "data")
    assert len(first) >= 32
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
    assert load_or_create_key(None, tmp_path / "data") == first


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(load_or_create_key(None, tmp_path)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


# Key rotation and expiry (issue 13)

NEW = b"the-new-key-of-sixteen-bytes-or-more"


def test_new_tokens_are_signed_with_the_first_key_and_every_listed_key_verifies() -> None:
    old_token = TokenSigner(KEY).sign(Claims("s", "p", "participant"))
    rotated = TokenSigner([NEW, KEY])
    assert rotated.verify(old_token) == Claims("s", "p", "participant")
    new_token = rotated.sign(Claims("s", "p", "participant"))
    assert TokenSigner(NEW).verify(new_token) is not None  # signed with the first
    assert TokenSigner(KEY).verify(new_token) is None


def test_a_key_left_out_of_the_list_no_longer_verifies() -> None:
    old_token = TokenSigner(KEY).sign(Claims("s", "p", "participant"))
    with pytest.raises(TokenRefused, match="signature"):
        TokenSigner([NEW]).check(old_token)


def test_a_token_carries_its_expiry_and_is_refused_after_it() -> None:
    now = [1_000_000]
    signer = TokenSigner(KEY, now_ms=lambda: now[0])
    token = signer.sign(Claims("s", "p", "participant", signer.expiry(60_000)))
    assert signer.check(token).expires_at == 1_060_000
    now[0] = 1_059_999
    assert signer.verify(token) is not None
    now[0] = 1_060_000
    with pytest.raises(TokenRefused, match="expired") as refused:
        signer.check(token)
    assert refused.value.status == 401 and refused.value.error == "token_expired"


def test_the_expiry_is_signed() -> None:
    signer = TokenSigner(KEY, now_ms=lambda: 1_000)
    version, _payload, signature = signer.sign(Claims("s", "p", "participant", 2_000)).split(".")
    longer = base64.urlsafe_b64encode(json.dumps(
        {"s": "s", "p": "p", "r": "participant", "e": 10**15}).encode()).rstrip(b"=").decode()
    assert signer.verify(f"{version}.{longer}.{signature}") is None


@pytest.mark.parametrize("expiry", ["soon", 1.5, True, None])
def test_a_malformed_expiry_is_refused(expiry: object) -> None:
    payload = {"s": "s", "p": "p", "r": "participant", "e": expiry}
    body = "v1." + base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    token = f"{body}.{TokenSigner._signature(KEY, body)}"
    assert (TokenSigner(KEY).verify(token) is None) == (expiry is not None)


def test_secret_key_lists_are_parsed_newest_first() -> None:
    assert parse_keys(" first-key-of-16-bytes , second-key-16-bytes") == [
        b"first-key-of-16-bytes", b"second-key-16-bytes"]
    with pytest.raises(ValueError, match="empty"):
        parse_keys("first-key-of-16-bytes,,second-key-16-bytes")
    with pytest.raises(ValueError, match="16"):
        parse_keys("first-key-of-16-bytes,short")
    assert load_or_create_keys("a-key-of-sixteen-bytes,another-key-16-bytes", Path("/none")) \
        == [b"a-key-of-sixteen-bytes", b"another-key-16-bytes"]


def test_a_short_key_in_the_list_is_a_configuration_error() -> None:
    from sprankel.config import ConfigError, Settings, validate

    with pytest.raises(ConfigError, match="16"):
        validate(Settings(secret_key="a-key-of-sixteen-bytes,short"))
