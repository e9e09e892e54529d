"""Tokens are HMAC-signed: a changed byte, another key or another format is refused,
and the key the server generates is kept in the data folder and reused."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest

from sprankel.kernel.tokens import Claims, TokenSigner, load_or_create_key

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
