"""The edge of identity/: login through the OpenID provider, logout, /api/me, and the
gate the other features ask who is logged in.

    GET /login?next=/path   to the provider (authorization code flow, PKCE S256, state,
                            nonce); `next` is a path on this server only
    GET /auth/callback      the redirect URI registered at the provider: checks state
                            (also against a cookie of this browser), exchanges the code,
                            checks the ID token, starts the login session, back to `next`
    GET /logout             ends the login (and the provider's, where it offers
                            RP-initiated logout), back to the home page
    GET /api/me             {logged_in, name, email, groups, can_create, login, guests}

The login cookie is HttpOnly, SameSite=Lax, Secure and named ``__Host-sprankel-login``
when the public URL is https (``sprankel-login`` on plain http, development only). A
state-changing request that carries it must come from this server's own pages
(Sec-Fetch-Site same-origin, or else an Origin of the public URL): 403 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..feature import Feature
from ..identity.logins import Account, Logins
from ..identity.policy import Policy, account_from
from ..identity.provider import LoginFailed, Provider, pkce_pair
from ..kernel.clock import SystemClock
from ..kernel.errors import Forbidden
from ..origins import STATE_CHANGING, parse_origin
from ..services import Services
from ._limits import per_address, refusal
from .endpoint import Call, Endpoint

log = logging.getLogger("sprankel.identity")

CALLBACK = "/auth/callback"
SWEEP_S = 600.0
HOUR_MS = 3_600_000


def safe_next(value: str | None) -> str:
    """A path on this server to go back to after login; anything else is the home page."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n\\") or len(value) > 2000:
        return "/"
    return value


class IdentityGate:
    """Who a request is logged in as, and the policy on it: what the other features ask."""

    def __init__(self, policy: Policy, logins: Logins | None, cookie_name: str,
                 public_origin: tuple[str, str, int] | None) -> None:
        self.policy = policy
        self.logins = logins
        self.cookie_name = cookie_name
        self.public_origin = public_origin

    async def account(self, request: Request) -> Account | None:
        if self.logins is None:
            return None
        cookie = request.cookies.get(self.cookie_name)
        if not cookie:
            return None
        if request.method in STATE_CHANGING and not self._same_site(request):
            raise Forbidden("a request with the login cookie must come from this server's "
                            "own pages", "cross_site")
        found = await self.logins.find(cookie)
        return found[0] if found else None

    def _same_site(self, request: Request) -> bool:
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site in ("same-origin", "none")
        origin = request.headers.get("origin")
        return origin is not None and parse_origin(origin) == self.public_origin

    async def creator(self, request: Request, what: str) -> Account | None:
        """The account creating a session or space; 401/403 as the policy says."""
        account = await self.account(request)
        self.policy.check_create(account, what)
        return account

    async def joiner(self, request: Request) -> Account | None:
        account = await self.account(request)
        self.policy.check_join(account)
        return account


class IdentityFeature(Feature):
    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.services = services
        self.secure = (settings.public_url or "").startswith("https://")
        prefix = "__Host-" if self.secure else ""
        self.cookie_name = prefix + "sprankel-login"
        self.state_cookie = prefix + "sprankel-oidc"
        self.provider: Provider | None = None
        logins: Logins | None = None
        if settings.oidc_issuer and settings.oidc_client_id:
            self.provider = Provider(settings.oidc_issuer, settings.oidc_client_id,
                                     settings.oidc_client_secret, settings.oidc_scopes)
            logins = Logins(services.store, SystemClock(),
                            idle_ms=int(settings.login_idle_hours * HOUR_MS),
                            lifetime_ms=int(settings.login_hours * HOUR_MS))
        self.logins = logins
        policy = Policy(configured=self.provider is not None,
                        creator_group=settings.oidc_creator_group, guests=settings.guests)
        public = parse_origin(settings.public_url) if settings.public_url else None
        self.gate = IdentityGate(policy, logins, self.cookie_name, public)
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return (self.services.settings.public_url or "").rstrip("/")

    # Lifecycle

    async def start(self) -> None:
        if self.provider is not None:
            await self.provider.start()
            self._sweeper = asyncio.create_task(self._sweep(), name="login sweep")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self.provider is not None:
            await self.provider.close()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            if self.logins is not None and await self.services.broker.acquire_once(
                    "identity:sweep", SWEEP_S * 0.9):
                try:
                    await self.logins.sweep()
                except Exception:
                    log.exception("login sweep failed")

    # Routes

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/login", self.login), Route(CALLBACK, self.callback),
                Route("/logout", self.logout)]

    def endpoints(self) -> Sequence[Endpoint]:
        return [Endpoint("GET", "/api/me", self.me, "Who is logged in, and what they may do",
                         response="Me", auth=False, errors=())]

    async def me(self, request: Request, call: Call[None, None]) -> Response:
        gate = self.gate
        account = await gate.account(request)
        body: dict[str, Any] = {"logged_in": account is not None,
                                "login": gate.policy.configured,
                                "guests": gate.policy.guests or not gate.policy.configured,
                                "can_create": gate.policy.may_create(account)}
        if account is not None:
            body |= {"name": account.name, "email": account.email,
                     "groups": list(account.groups)}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def login(self, request: Request) -> Response:
        if self.provider is None or self.logins is None:
            return PlainTextResponse("login is not configured on this server", 404)
        refused = refusal(request, per_address(self.services.limits.logins, "logins started"))
        if refused is not None:
            return refused
        next_path = safe_next(request.query_params.get("next"))
        verifier, challenge = pkce_pair()
        nonce = secrets.token_urlsafe(24)
        state = await self.logins.begin(nonce, verifier, next_path)
        try:
            url = await self.provider.authorization_url(self.base + CALLBACK, state, nonce,
                                                        challenge)
        except LoginFailed as failure:
            return _failed(502, failure)
        response = RedirectResponse(url, 302, headers={"Cache-Control": "no-store"})
        # Binds the login to this browser: a callback with a state started elsewhere
        # (login CSRF, someone else's link) is refused.
        response.set_cookie(self.state_cookie, state, max_age=600, path="/", httponly=True,
                            secure=self.secure, samesite="lax")
        return response

    async def callback(self, request: Request) -> Response:
        if self.provider is None or self.logins is None:
            return PlainTextResponse("login is not configured on this server", 404)
        params = request.query_params
        refused = params.get("error")
        if refused:
            return _failed(400, LoginFailed(f"the provider refused the login: {refused[:100]}"))
        state, code = params.get("state") or "", params.get("code") or ""
        if not state or not secrets.compare_digest(
                state.encode(), (request.cookies.get(self.state_cookie) or "").encode()):
            return _failed(400, LoginFailed("this login was not started in this browser "
                                            "(state does not match)"))
        pending = await self.logins.take_pending(state)
        if pending is None or not code:
            return _failed(400, LoginFailed("this login has expired or was used already: "
                                            "log in again"))
        provider = self.provider
        settings = self.services.settings
        try:
            tokens = await provider.exchange(code, pending.verifier, self.base + CALLBACK)
            claims = await provider.check_id_token(tokens.id_token, pending.nonce)
            info: dict[str, Any] = {}
            wanted = ("name", "email", settings.oidc_groups_claim)
            if tokens.access_token and any(k not in claims for k in wanted):
                # Many providers put only sub in the ID token: the rest is in userinfo.
                info = await provider.userinfo(tokens.access_token, str(claims["sub"]))
        except LoginFailed as failure:
            return _failed(502, failure)
        account = account_from(provider.issuer, claims, info, settings.oidc_groups_claim)
        cookie = await self.logins.create(account, tokens.id_token)
        log.info("login sub=%s", account.sub)
        response = RedirectResponse(pending.next, 303, headers={"Cache-Control": "no-store"})
        response.delete_cookie(self.state_cookie, path="/", secure=self.secure, httponly=True,
                               samesite="lax")
        response.set_cookie(self.cookie_name, cookie, path="/", httponly=True,
                            secure=self.secure, samesite="lax",
                            max_age=int(settings.login_hours * 3600))
        return response

    async def logout(self, request: Request) -> Response:
        target = "/"
        if self.logins is not None and self.provider is not None:
            id_token = await self.logins.end(request.cookies.get(self.cookie_name))
            if id_token is not None:
                target = await self.provider.end_session_url(id_token, self.base + "/") or "/"
        response = RedirectResponse(target, 303, headers={"Cache-Control": "no-store"})
        response.delete_cookie(self.cookie_name, path="/", secure=self.secure, httponly=True,
                               samesite="lax")
        return response


def _failed(status: int, failure: LoginFailed) -> Response:
    log.warning("login failed: %s", failure)
    return PlainTextResponse(
        f"Inloggen is mislukt / Login failed: {failure}\n\n"
        "Probeer het opnieuw via /login / Try again at /login", status)
