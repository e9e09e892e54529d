"""Access tokens: who a request or connection is, signed with the server's secret key.

A token is ``v1.<payload>.<signature>``: the payload is base64url JSON
``{"s": session id, "p": participant id, "r": role, "e": expiry}`` (the expiry in ms
since the epoch) and the signature an HMAC-SHA256 of ``v1.<payload>`` under the secret
key. The token says nothing secret; the signature makes it unforgeable. The participant
record is still checked on use, so removing a participant revokes their token.

Key rotation: the signer holds several keys, newest first. It signs with the first and
accepts a signature of any of them, so a new key can be rolled out to every host before
it signs anything, and an old one dropped once the tokens it signed have expired.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import Unauthorized

ROLES = ("facilitator", "participant", "observer")
_VERSION = "v1"
MAX_TOKEN_LENGTH = 1024
KEY_FILE = "secret_key"


@dataclass(frozen=True)
class Claims:
    session_id: str
    participant_id: str
    role: str
    expires_at: int | None = None  # ms since the epoch; None: a token of an older version


class TokenRefused(Unauthorized):
    """A token that does not verify; the message says why (malformed, forged, expired)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Lifetimes:
    """How long tokens live (ms): config.py's --token-* options."""

    session_ms: int = 30 * 86_400_000  # from issue
    after_end_ms: int = 12 * 3_600_000  # participants and observers, after the session ended
    member_ms: int = 30 * 86_400_000  # Koffiehoek members, renewed on every visit


def _wall_ms() -> int:
    return int(time.time() * 1000)


class TokenSigner:
    def __init__(self, keys: bytes | Sequence[bytes],
                 now_ms: Callable[[], int] = _wall_ms,
                 lifetimes: Lifetimes | None = None) -> None:
        self.lifetimes = lifetimes or Lifetimes()
        self._keys = [keys] if isinstance(keys, bytes) else list(keys)
        if not self._keys:
            raise ValueError("at least one secret key is needed")
        if any(len(key) < 16 for key in self._keys):
            raise ValueError("the secret key must be at least 16 bytes")
        self.now_ms = now_ms

    def expiry(self, lifetime_ms: int) -> int:
        """The expiry of a token issued now that lives lifetime_ms."""
        return self.now_ms() + lifetime_ms

    def sign(self, claims: Claims) -> str:
        fields: dict[str, object] = {"s": claims.session_id, "p": claims.participant_id,
                                     "r": claims.role}
        if claims.expires_at is not None:
            fields["e"] = claims.expires_at
        payload = json.dumps(fields, separators=(",", ":")).encode("utf-8")
        body = f"{_VERSION}.{_b64(payload)}"
        return f"{body}.{self._signature(self._keys[0], body)}"

    def verify(self, token: str) -> Claims | None:
        """The claims of a well-formed, unexpired token with a valid signature, else None."""
        try:
            return self.check(token)
        except TokenRefused:
            return None

    def check(self, token: str) -> Claims:
        """The claims of a valid token; TokenRefused (401) says what is wrong."""
        # A token is ASCII by construction; anything else (a byte >127 in a header or a
        # query) is a malformed token, not a reason to fail in the HMAC below.
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise TokenRefused("the token is malformed")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise TokenRefused("the token is malformed")
        body = f"{parts[0]}.{parts[1]}"
        # Every key is tried (no early exit): which key matched is not told by timing.
        matches = [hmac.compare_digest(self._signature(key, body), parts[2])
                   for key in self._keys]
        if not any(matches):
            raise TokenRefused("the token's signature is not valid (forged, or signed with "
                               "a key this server no longer has)")
        try:
            data = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error):
            raise TokenRefused("the token is malformed") from None
        if not isinstance(data, dict):
            raise TokenRefused("the token is malformed")
        sid, pid, role, exp = data.get("s"), data.get("p"), data.get("r"), data.get("e")
        if not (isinstance(sid, str) and isinstance(pid, str) and role in ROLES):
            raise TokenRefused("the token is malformed")
        if exp is not None and (not isinstance(exp, int) or isinstance(exp, bool)):
            raise TokenRefused("the token is malformed")
        if exp is not None and exp <= self.now_ms():
            raise TokenRefused("the token has expired: join again with the link",
                               "token_expired")
        return Claims(sid, pid, str(role), exp)

    @staticmethod
    def _signature(key: bytes, body: str) -> str:
        return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def parse_keys(configured: str) -> list[bytes]:
    """The keys of --secret-key: comma-separated, newest first (spaces around are dropped)."""
    keys = [part.strip().encode("utf-8") for part in configured.split(",")]
    if not all(keys):
        raise ValueError("--secret-key has an empty key between its commas")
    if any(len(key) < 16 for key in keys):
        raise ValueError("every key in --secret-key must be at least 16 characters")
    return keys


def load_or_create_keys(configured: str | None, data_dir: Path) -> list[bytes]:
    """The configured keys (newest first), or the one kept in the data folder."""
    if configured:
        return parse_keys(configured)
    return [load_or_create_key(None, data_dir)]


def load_or_create_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured secret key, or the one kept in the data folder (created once)."""
    if configured:
        return configured.encode("utf-8")
    return load_or_create_secret(data_dir / KEY_FILE)


def load_or_create_secret(path: Path) -> bytes:
    """A random secret kept in a 0600 file of the data folder, created once.

    Several worker processes may start at the same moment: the secret is written to a
    temporary file and linked into place, so every process ends up with the same one.
    """
    data_dir = path.parent
    for _ in range(50):
        try:
            key = path.read_bytes().strip()
        except FileNotFoundError:
            key = b""
        if key:
            os.chmod(path, 0o600)  # a key file of an older version may be world-readable
            return key
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = data_dir / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_urlsafe(48).encode("ascii"))
        try:
            os.link(tmp, path)  # fails when another process got there first
        except FileExistsError:
            time.sleep(0.01)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    raise RuntimeError(f"could not read or create the secret in {path}")
