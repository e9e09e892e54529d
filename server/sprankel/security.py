"""Security headers on every HTTP response, as an ASGI middleware.

The Content-Security-Policy allows no inline or foreign scripts (the pages pass their data
as a JSON block, not as code), images only from this server or data:/blob: URLs (a peer
cannot make others fetch a URL of their choice through a whiteboard image or an avatar),
connections only back to this server (HTTP and its WebSockets, the voice socket among
them), and no framing. Voice tables need nothing more: WebRTC media and ICE are outside
the CSP's reach, and the Permissions-Policy lets this origin alone (no frame, no other
site) ask for the microphone and the camera.

The host the policy names comes from ``--public-url``, or from a Host header that is on
``--allowed-hosts`` (see origins.py); only when neither is set, as in local development,
from whatever Host header the request brings.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .origins import RequestPolicy, header

# Host headers we are willing to echo into connect-src; anything else gets 'self' only.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    connect = ["'self'", "data:", "blob:"]
    if host and _HOST.match(host):
        # 'self' covers ws(s) to this origin in current browsers; older ones need it spelled out.
        connect += [f"ws://{host}", f"wss://{host}"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # No inline styles either: React and Excalidraw set styles through the CSSOM, which
        # the policy allows (checked with the whiteboard in Chromium: no violation).
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "worker-src": ["'self'", "blob:"],
        "media-src": ["'self'", "data:", "blob:"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


STATIC_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy",
     b"camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"),
]


class SecurityHeadersMiddleware:
    """Adds the CSP and the other security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, policy: RequestPolicy | None = None) -> None:
        self.app = app
        self.policy = policy or RequestPolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = self.policy.public_host or header(scope, b"host")
        if host is not None and not self.policy.host_allowed(host):
            host = None  # refused by RequestCheckMiddleware; never echoed
        csp = content_security_policy(host).encode("latin-1")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(b"content-security-policy", csp), *STATIC_HEADERS]
                if https:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
