"""/.well-known/security.txt (RFC 9116): where to report a vulnerability.

Served only when the operator configured a contact (``--security-contact``); without
one it answers 404, and the server warns at start. Expires is always a fixed time
ahead of the answer (RFC 9116 asks for less than a year), so the file never goes
stale while the server runs. Canonical names the public URL only: a Host header is
not a source for it.
"""

from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .config import Settings
from .responses import error

PATH = "/.well-known/security.txt"
VALID_FOR = datetime.timedelta(days=180)


def security_txt(settings: Settings, now: datetime.datetime) -> str | None:
    if not settings.security_contact:
        return None
    expires = (now + VALID_FOR).replace(microsecond=0).astimezone(datetime.UTC)
    lines = [f"Contact: {settings.security_contact}",
             f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
             "Preferred-Languages: nl, en"]
    if settings.public_url:
        lines.append(f"Canonical: {settings.public_url.rstrip('/')}{PATH}")
    if settings.security_policy:
        lines.append(f"Policy: {settings.security_policy}")
    return "\n".join(lines) + "\n"


def route(settings: Settings) -> Route:
    async def serve(request: Request) -> Response:
        text = security_txt(settings, datetime.datetime.now(datetime.UTC))
        if text is None:
            return error(404, "not_found", "no security contact is configured")
        return PlainTextResponse(text, headers={"Cache-Control": "max-age=86400"})

    return Route(PATH, serve, methods=["GET"])
