"""Which hosts and origins this server answers to: the Host and Origin checks.

Host (DNS rebinding, poisoned links): with ``--allowed-hosts`` a request whose Host
header is not on the list gets 400, so links built from the request and the CSP name
only hosts the operator chose. The health probes are exempt: a load balancer asks by
IP address.

Origin (cross-site request forgery, cross-site WebSocket hijacking): a browser says
where a request comes from. A state-changing request (POST, PUT, PATCH, DELETE) or a
WebSocket from another origin gets 403 JSON or close 4403. The allowed origins are
the public URL's, the allowed hosts' and ``--allowed-origins``; with none of those
set (local development) the Origin must match the Host header. Requests without an
Origin header (curl, scripts with bearer tokens) are not from a browser page and pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from . import status
from .responses import error
from .sync.access import Refusal

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROBES = frozenset({"/healthz", "/readyz"})  # asked by address, not by name
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Origin = tuple[str, str, int]  # scheme, host name, port


def parse_origin(text: str) -> Origin | None:
    """scheme, lower-case host name and port of an origin or URL; None when malformed."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _host_name(host: str) -> str | None:
    """The name in a Host header ("example.org:8000" -> "example.org")."""
    try:
        parts = urlsplit("//" + host.strip())
        parts.port  # noqa: B018 (validates the port)
    except ValueError:
        return None
    return parts.hostname.lower() if parts.hostname else None


def _split(listing: str | None) -> list[str]:
    return [item.strip() for item in (listing or "").split(",") if item.strip()]


@dataclass(frozen=True)
class RequestPolicy:
    """The checks, built once from the settings (see from_settings)."""

    public_host: str | None = None  # host[:port] of --public-url
    hosts: frozenset[str] = field(default_factory=frozenset)  # --allowed-hosts, names
    origins: frozenset[Origin] = field(default_factory=frozenset)

    @classmethod
    def build(cls, public_url: str | None, allowed_hosts: str | None,
              allowed_origins: str | None) -> RequestPolicy:
        origins: set[Origin] = set()
        public_host = None
        if public_url:
            public = parse_origin(public_url)
            if public is None:
                raise ValueError(f"--public-url {public_url!r} is not an http(s) URL")
            origins.add(public)
            public_host = urlsplit(public_url).netloc
        for item in _split(allowed_origins):
            parsed = parse_origin(item)
            if parsed is None:
                raise ValueError(f"--allowed-origins: {item!r} is not an origin "
                                 "like https://example.org")
            origins.add(parsed)
        hosts = frozenset(_host_name(h) or h.lower() for h in _split(allowed_hosts))
        return cls(public_host, hosts, frozenset(origins))

    @property
    def configured(self) -> bool:
        """False in local development: neither a public URL nor allowed hosts."""
        return self.public_host is not None or bool(self.hosts)

    def host_allowed(self, host: str) -> bool:
        if not self.hosts:
            return True
        name = _host_name(host)
        return name is not None and _matches(name, self.hosts)

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        parsed = parse_origin(origin)  # "null" (sandboxed pages, file:) is never allowed
        if parsed is None:
            return False
        if parsed in self.origins or (self.hosts and _matches(parsed[1], self.hosts)):
            return True
        if self.configured or host is None:
            return False
        # Local development: same origin as the Host the browser asked.
        asked = parse_origin(f"{parsed[0]}://{host}")
        return asked == parsed

    def websocket_refusal(self, headers: Mapping[str, str]) -> Refusal | None:
        """Why a WebSocket with these (lower-case) headers is refused, or None."""
        host = headers.get("host")
        if host is not None and not self.host_allowed(host):
            return Refusal(status.CLOSE_BAD_REQUEST, "this server does not answer to that host")
        origin = headers.get("origin")
        if origin is not None and not self.origin_allowed(origin, host):
            return Refusal(status.CLOSE_FORBIDDEN,
                           "connections from another site's pages are not allowed")
        return None


def _matches(name: str, hosts: Iterable[str]) -> bool:
    for allowed in hosts:
        if allowed == "*" or allowed == name:
            return True
        if allowed.startswith("*.") and name.endswith(allowed[1:]):
            return True
    return False


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


class RequestCheckMiddleware:
    """Refuses foreign hosts (400) and foreign origins (403, or close 4403 on sockets)."""

    def __init__(self, app: ASGIApp, policy: RequestPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            refusal = self.policy.websocket_refusal(_headers(scope))
            if refusal is not None:
                await _close(refusal, receive, send)
                return
        elif scope["type"] == "http":
            response = self._refusal(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        host = header(scope, b"host")
        if scope["path"] not in PROBES and host is not None and not self.policy.host_allowed(host):
            return error(400, "bad_host", "this server does not answer to that host name")
        origin = header(scope, b"origin")
        if (scope["method"] in STATE_CHANGING and origin is not None
                and not self.policy.origin_allowed(origin, host)):
            return error(403, "forbidden_origin", "requests from another site's pages are not "
                                                  "allowed; add its origin to --allowed-origins")
        return None


async def _close(refusal: Refusal, receive: Receive, send: Send) -> None:
    # Accept, then close with the code: a close before accept is an HTTP 403 that the
    # y-websocket client retries forever (see sync/endpoint.py).
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": refusal.code, "reason": refusal.reason})
