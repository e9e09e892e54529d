"""Access tokens: who a request or connection is, signed with the server's secret key.

A token is ``v1.<payload>.<signature>``: the payload is base64url JSON
``{"s": session id, "p": participant id, "r": role}`` and the signature an HMAC-SHA256
of ``v1.<payload>`` under the secret key. The token says nothing secret; the
signature makes it unforgeable. The participant record is still checked on use, so
removing a participant revokes their token.
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
from dataclasses import dataclass
from pathlib import Path

ROLES = ("facilitator", "participant", "observer")
_VERSION = "v1"
MAX_TOKEN_LENGTH = 1024
KEY_FILE = "secret_key"


@dataclass(frozen=True)
class Claims:
    session_id: str
    participant_id: str
    role: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the secret key must be at least 16 bytes")
        self._key = key

    def sign(self, claims: Claims) -> str:
        payload = json.dumps(
            {"s": claims.session_id, "p": claims.participant_id, "r": claims.role},
            separators=(",", ":"),
        ).encode("utf-8")
        body = f"{_VERSION}.{_b64(payload)}"
        return f"{body}.{self._signature(body)}"

    def verify(self, token: str) -> Claims | None:
        """The claims of a well-formed token with a valid signature, else None."""
        # A token is ASCII by construction; anything else (a byte >127 in a header or a
        # query) is a malformed token, not a reason to fail in the HMAC below.
        if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            return None
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            return None
        body = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(self._signature(body), parts[2]):
            return None
        try:
            data = json.loads(_unb64(parts[1]))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(data, dict):
            return None
        sid, pid, role = data.get("s"), data.get("p"), data.get("r")
        if not (isinstance(sid, str) and isinstance(pid, str) and role in ROLES):
            return None
        return Claims(sid, pid, str(role))

    def _signature(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())


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
