"""The ICE servers a browser gets when it sits down: --ice-servers and --turn-secret.

TURN credentials follow the REST scheme coturn checks with ``use-auth-secret``: the
username is ``EXPIRY:MEMBER`` (a Unix time), the credential base64(HMAC-SHA1(secret,
username)). coturn recomputes the HMAC with its ``static-auth-secret`` and refuses an
expired username, so a credential is worth nothing after its time, and Sprankel and the
TURN server share nothing but the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

SCHEMES = ("stun:", "turn:", "turns:")
MAX_URL = 300


class IceConfigError(ValueError):
    """--ice-servers or --turn-secret that cannot work; the message tells what to change."""


@dataclass(frozen=True)
class IceServers:
    stun: tuple[str, ...] = ()
    turn: tuple[str, ...] = ()
    turn_secret: str | None = None
    ttl_s: int = 3600

    @classmethod
    def parse(cls, urls: str, turn_secret: str | None, ttl_s: int) -> IceServers:
        stun: list[str] = []
        turn: list[str] = []
        for url in (part.strip() for part in urls.split(",")):
            if not url:
                continue
            if not url.startswith(SCHEMES) or len(url) > MAX_URL or not url.isprintable() \
                    or " " in url:
                raise IceConfigError(
                    f"--ice-servers: {url[:80]!r} is not a stun:, turn: or turns: URL "
                    "(e.g. stun:stun.example.org:3478, turn:turn.example.org:3478)")
            (stun if url.startswith("stun:") else turn).append(url)
        if turn and not turn_secret:
            raise IceConfigError("--ice-servers names a TURN server: set --turn-secret to the "
                                 "static-auth-secret of its use-auth-secret configuration")
        if ttl_s < 60:
            raise IceConfigError("--turn-ttl-s must be at least 60 seconds")
        return cls(tuple(stun), tuple(turn), turn_secret or None, ttl_s)

    def for_member(self, member_id: str, now_s: float) -> list[dict[str, Any]]:
        """The RTCIceServer list for one seat; TURN with a credential that expires."""
        servers: list[dict[str, Any]] = []
        if self.stun:
            servers.append({"urls": list(self.stun)})
        if self.turn and self.turn_secret:
            username, credential = turn_credential(self.turn_secret, member_id,
                                                   int(now_s) + self.ttl_s)
            servers.append({"urls": list(self.turn), "username": username,
                            "credential": credential})
        return servers


def turn_credential(secret: str, member_id: str, expiry: int) -> tuple[str, str]:
    username = f"{expiry}:{member_id}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")
