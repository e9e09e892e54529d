"""A real OpenID provider for the login tests: tests/oidc/provider.mjs (npm oidc-provider)
on a free loopback port, with a client registered for a Sprankel server's callback.

The provider's signing keys are made here (joserfc), so a test can sign ID tokens with
the provider's own keys for the negative checks, and rotate() restarts the provider
with a new key set (a new kid) on the same port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from server_process import free_port

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "sprankel"
CLIENT_SECRET = "a-client-secret-for-the-tests"


def require_provider() -> str:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the OpenID provider needs Node.js and `npm ci --prefix tests/oidc` "
                           "(scripts/test runs it)")
    return node


def new_keys(kid: str) -> KeySet:
    return KeySet([RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig",
                                                         "alg": "RS256"})])


class OidcProvider:
    def __init__(self, workdir: Path, redirect_uri: str, logout_uri: str,
                 groups: dict[str, list[str]] | None = None) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.redirect_uri = redirect_uri
        self.logout_uri = logout_uri
        self.groups = groups or {}
        self.keys = new_keys("key-1")
        self._generation = 1
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> OidcProvider:
        node = require_provider()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "port": self.port, "issuer": self.issuer, "groups": self.groups,
            "jwks": self.keys.as_dict(private=True),
            "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                       "redirect_uris": [self.redirect_uri],
                       "post_logout_redirect_uris": [self.logout_uri]},
        }
        log = open(self.workdir / f"provider-{self._generation}.log", "wb")  # noqa: SIM115
        self._process = subprocess.Popen(
            [node, str(HERE / "provider.mjs")], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "OIDC_CONFIG": json.dumps(config), "NODE_ENV": "test"})
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the OpenID provider stopped:\n{self.log()}")
            try:
                if httpx.get(self.issuer + "/.well-known/openid-configuration",
                             timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling the provider's start, not measuring anything
        raise RuntimeError(f"the OpenID provider did not start:\n{self.log()}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._process = None

    def rotate(self) -> str:
        """A new signing key (a new kid) and the old one dropped; returns the new kid."""
        self.stop()
        self._generation += 1
        kid = f"key-{self._generation}"
        self.keys = new_keys(kid)
        self.start()
        return kid

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.workdir.glob("*.log")))

    def sign(self, claims: dict[str, Any], *, key: KeySet | None = None,
             header: dict[str, Any] | None = None) -> str:
        """An ID token signed with the provider's key (or another), for negative tests."""
        keys = key or self.keys
        first = keys.keys[0]
        return jwt.encode({"alg": "RS256", "kid": first.kid, **(header or {})}, claims, first)

    def claims(self, for_nonce: str, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.issuer, "aud": CLIENT_ID, "sub": "anna", "nonce": for_nonce,
                "iat": now, "exp": now + 300, **changes}

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
