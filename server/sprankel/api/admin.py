"""The operator's API of a running server, for `sprankel admin` on the same host.

A deletion must reach the process that holds the session's documents in memory (it
would write them back), and with the SQLite store and no Redis no other process can
tell it. So the command asks the server itself: it reads the admin token that the
server keeps in the data folder (``admin_token``, 0600: whoever can read it can read
the database anyway) and the address in ``admin.json``, and calls these endpoints.
They answer only requests from a loopback address that came through no proxy, with that
token; everything else gets 403 or 401.

    POST /api/admin/sessions/{sid}/delete   delete a session now (404: no such session)
    POST /api/admin/purge-expired           the retention sweep, now: {"deleted": [ids]}
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..datadir import ADMIN_TOKEN_FILE, remove_admin_file, write_admin_file
from ..facilitation import Engine
from ..facilitation.retention import OPERATOR as BY_OPERATOR
from ..feature import Feature
from ..kernel.errors import Forbidden, NotFound, Unauthorized
from ..kernel.tokens import load_or_create_secret
from ..services import Services
from ._http import bearer
from .endpoint import Call, Endpoint

OPERATOR = "operator"


def admin_url(host: str, port: int) -> str:
    """Where the command reaches this server: loopback when it listens everywhere."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AdminFeature(Feature):
    def __init__(self, services: Services, engine: Engine) -> None:
        self.services = services
        self.engine = engine
        self._token = b""

    async def start(self) -> None:
        settings = self.services.settings
        self._token = load_or_create_secret(settings.data_dir / ADMIN_TOKEN_FILE)
        write_admin_file(settings.data_dir, admin_url(settings.host, settings.port))

    async def stop(self) -> None:
        remove_admin_file(self.services.settings.data_dir)

    async def _operator(self, request: Request) -> tuple[None, str]:
        proxied = "x-forwarded-for" in request.headers or "forwarded" in request.headers
        if proxied or not _is_loopback(request.client.host if request.client else None):
            raise Forbidden("the admin API answers only on this host's loopback address")
        token = (bearer(request) or "").encode()
        if not self._token or not hmac.compare_digest(token, self._token):
            raise Unauthorized("the admin token of the data folder is required "
                               "(use `sprankel admin`)")
        return None, OPERATOR

    async def delete(self, request: Request, call: Call[None, str]) -> Response:
        sid = request.path_params["sid"]
        if not await self.engine.retention.delete_session(sid, BY_OPERATOR):
            raise NotFound("no such session")
        return Response(status_code=204)

    async def purge(self, request: Request, call: Call[None, str]) -> Response:
        return JSONResponse({"deleted": await self.engine.retention.sweep()})

    def endpoints(self) -> Sequence[Endpoint]:
        return [
            Endpoint("POST", "/api/admin/sessions/{sid}/delete", self.delete,
                     "Delete a session now (operator: loopback and the admin token)",
                     status=204, authenticate=self._operator),
            Endpoint("POST", "/api/admin/purge-expired", self.purge,
                     "Delete every session past its retention period now (operator)",
                     response="Purged", errors=(401, 403), authenticate=self._operator),
        ]
