"""The OpenID provider as Sprankel's login sees it: discovery, the authorization code
flow with PKCE (S256), and a complete check of the ID token.

The JOSE parts (JWS signatures, JWK sets, the registered claims) are joserfc's: no JWT
code of our own. What this module adds is the OpenID Connect rules on top of it
(OpenID Connect Core 1.0, 3.1.3.7):

- the signing algorithm must be one the provider advertises in its discovery document
  (``id_token_signing_alg_values_supported``) and an asymmetric one; ``none`` never;
- the key is the provider's, found by ``kid`` in its JWK set; an unknown ``kid`` reads
  the set again (the provider rotated its keys), at most once a second;
- ``iss`` is the issuer exactly, ``aud`` contains the client id, ``azp`` (required when
  there are several audiences) is the client id, ``exp`` and ``iat`` are present and
  ``exp`` lies ahead (a minute of leeway for clock skew), ``nonce`` is the one this login
  sent, ``sub`` is present.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger("sprankel.identity")

# Asymmetric algorithms only: an HS256 ID token would be signed with the client secret,
# which proves nothing about the provider.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                      "ES256", "ES384", "ES512", "EdDSA")
LEEWAY_S = 60
JWKS_REFRESH_S = 1.0  # an unknown kid reads the key set again, at most this often
TIMEOUT_S = 10.0


class LoginFailed(Exception):
    """A login that cannot go on; the message says why (shown to the user, logged)."""


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str | None


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issuer_allowed(issuer: str) -> bool:
    """https, or http on the loopback address (a provider on the same machine, tests)."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


class Provider:
    def __init__(self, issuer: str, client_id: str, client_secret: str | None,
                 scopes: str = "openid profile email") -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self._http: httpx.AsyncClient | None = None
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._keys_read = 0.0
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # Discovery (read when first needed, so a provider that is down at start is no
    # reason for Sprankel not to start)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            data = await self._get_json(url, "the provider's discovery document")
            if data.get("issuer") != self.issuer:
                raise LoginFailed(f"the discovery document names issuer {data.get('issuer')!r},"
                                  f" not {self.issuer!r}")
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(data.get(name), str):
                    raise LoginFailed(f"the discovery document has no {name}")
            if "S256" not in data.get("code_challenge_methods_supported", ["S256"]):
                raise LoginFailed("the provider does not offer PKCE with S256")
            self._metadata = data
        return self._metadata

    def algorithms(self, metadata: dict[str, Any]) -> list[str]:
        advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        return [alg for alg in advertised if alg in SIGNING_ALGORITHMS]

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str,
                                challenge: str) -> str:
        metadata = await self.metadata()
        query = urlencode({
            "response_type": "code", "client_id": self.client_id,
            "redirect_uri": redirect_uri, "scope": self.scopes, "state": state,
            "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256",
        })
        endpoint = str(metadata["authorization_endpoint"])
        return endpoint + ("&" if "?" in endpoint else "?") + query

    async def end_session_url(self, id_token: str | None, after: str) -> str | None:
        """RP-initiated logout, where the provider offers it."""
        try:
            endpoint = (await self.metadata()).get("end_session_endpoint")
        except LoginFailed:
            return None
        if not isinstance(endpoint, str):
            return None
        query: dict[str, str] = {"post_logout_redirect_uri": after, "client_id": self.client_id}
        if id_token:
            query["id_token_hint"] = id_token
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)

    # The code flow

    async def exchange(self, code: str, verifier: str, redirect_uri: str) -> Tokens:
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": verifier}
        auth: httpx.BasicAuth | None = None
        methods = metadata.get("token_endpoint_auth_methods_supported",
                               ["client_secret_basic"])
        if self.client_secret and "client_secret_basic" in methods:
            auth = httpx.BasicAuth(_form(self.client_id), _form(self.client_secret))
        elif self.client_secret:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        else:
            form["client_id"] = self.client_id  # a public client: PKCE alone
        response = await self._http_client().post(str(metadata["token_endpoint"]),
                                                  data=form, auth=auth or httpx.USE_CLIENT_DEFAULT)
        data = _json(response, "the token endpoint")
        if response.status_code != 200 or not isinstance(data.get("id_token"), str):
            raise LoginFailed("the provider did not hand out an ID token: "
                              f"{data.get('error', response.status_code)}")
        access = data.get("access_token")
        return Tokens(data["id_token"], access if isinstance(access, str) else None)

    async def check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of a valid ID token for this client and login, else LoginFailed."""
        metadata = await self.metadata()
        try:
            header = jws.extract_compact(id_token.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeError):
            raise LoginFailed("the ID token is malformed") from None
        alg = header.get("alg")
        allowed = self.algorithms(metadata)
        if alg not in allowed:
            raise LoginFailed(f"the ID token is signed with {alg!r}, which the provider does "
                              f"not advertise (allowed: {', '.join(allowed)})")
        kid = header.get("kid")
        keys = await self._keys_for(kid if isinstance(kid, str) else None, metadata)
        try:
            token = jwt.decode(id_token, keys, algorithms=[str(alg)])
        except JoseError as error:
            raise LoginFailed(f"the ID token's signature is not valid ({error.error})") from None
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_S,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise LoginFailed(f"the ID token is not valid for this login: {error.description}"
                              ) from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.client_id:
            raise LoginFailed("the ID token was issued to another party (azp)")
        return claims

    async def userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        """The userinfo endpoint's claims for sub; {} where there is none."""
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        response = await self._http_client().get(
            endpoint, headers={"Authorization": f"Bearer {access_token}",
                               "Accept": "application/json"})
        data = _json(response, "the userinfo endpoint")
        if response.status_code != 200:
            raise LoginFailed(f"the userinfo endpoint answered {response.status_code}")
        if data.get("sub") != sub:
            # OpenID Connect Core 5.3.2: a different sub must not be used.
            raise LoginFailed("the userinfo endpoint speaks of another user (sub)")
        return data

    # Keys

    async def _keys_for(self, kid: str | None, metadata: dict[str, Any]) -> KeySet:
        async with self._lock:
            if self._keys is None or (kid is not None and not _has_kid(self._keys, kid)):
                # The provider rotated its keys (or this is the first login): read them
                # again, but not more than once a second however many tokens arrive.
                wait = self._keys_read + JWKS_REFRESH_S - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                data = await self._get_json(str(metadata["jwks_uri"]), "the provider's keys")
                try:
                    self._keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
                except (JoseError, ValueError, TypeError, KeyError):
                    raise LoginFailed("the provider's key set cannot be read") from None
                self._keys_read = time.monotonic()
            if kid is not None and not _has_kid(self._keys, kid):
                raise LoginFailed(f"the ID token is signed with a key the provider does not "
                                  f"publish (kid {kid!r})")
            return self._keys

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http_client().get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise LoginFailed(f"{what} could not be read: {error}") from None
        if response.status_code != 200:
            raise LoginFailed(f"{what} answered {response.status_code}")
        return _json(response, what)

    def _http_client(self) -> httpx.AsyncClient:
        if self._http is None:
            raise LoginFailed("the login is not started")
        return self._http


def _has_kid(keys: KeySet, kid: str) -> bool:
    try:
        keys.get_by_kid(kid)
    except (ValueError, KeyError, JoseError):
        return False
    return True


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise LoginFailed(f"{what} did not answer JSON") from None
    if not isinstance(data, dict):
        raise LoginFailed(f"{what} did not answer a JSON object")
    return data


def _form(value: str) -> str:
    # RFC 6749 2.3.1: the client id and secret are form-encoded before Basic encoding.
    return urlencode({"v": value})[2:]
