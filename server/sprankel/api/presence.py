"""GET /api/presence/{document}: who is connected to a document, across all processes.

The same rules as opening the document decide who may ask: the token comes as
``?token=`` (as on the WebSocket) or as ``Authorization: Bearer``. Each entry says
which connection, on which process, since when, and last seen when (the process's
latest heartbeat). Who the users are (names) is shown to facilitators only, and in
documents without users (open documents): participants see how many are there, not
who, which keeps anonymous sessions anonymous. The session view of the sessions
API lists the people present as the session's rules allow.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import status
from ..facilitation.roles import FACILITATOR
from ..feature import Feature
from ..services import Services
from ..sync.access import Refusal
from ..sync.names import MAX_NAME_LENGTH, is_valid_document_name
from ._http import bearer, error
from .endpoint import Call, Endpoint

# WebSocket refusals as HTTP statuses.
_HTTP_STATUS = {
    status.CLOSE_BAD_REQUEST: 400,
    status.CLOSE_UNAUTHORIZED: 401,
    status.CLOSE_FORBIDDEN: 403,
    status.CLOSE_NOT_FOUND: 404,
    status.CLOSE_GONE: 410,
}
_ERROR_CODE = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               410: "gone"}


_DOCUMENT = {"name": "document", "in": "path", "required": True,
             "schema": {"type": "string", "maxLength": MAX_NAME_LENGTH,
                        "pattern": "^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"},
             "description": "a document name, e.g. sessions/SID/board"}
_TOKEN = {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
          "description": "the token, as on the WebSocket (or Authorization: Bearer)"}


class PresenceFeature(Feature):
    """Who is connected where: asks the rooms' authorizers, then the broker."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def presence(self, request: Request, call: Call[None, None]) -> Response:
        # Public as an endpoint: the document's own authorizer decides, as on the socket.
        services = self.services
        name = request.path_params["document"]
        if not is_valid_document_name(name):
            return error(400, "invalid", f"{name!r} is not a valid document name")
        params = dict(request.query_params)
        token = bearer(request)
        if token is not None:
            params["token"] = token
        access = await services.rooms.authorize(name, params)
        if isinstance(access, Refusal):
            code = _HTTP_STATUS.get(access.code, 403)
            return error(code, _ERROR_CODE.get(code, "forbidden"), access.reason)
        entries = [entry.to_json() for entry in await services.broker.presence(name)]
        if access.user and access.user.get("role") != FACILITATOR:
            for entry in entries:
                del entry["user"]
        return JSONResponse({"document": name, "count": len(entries), "connections": entries})

    def endpoints(self) -> Sequence[Endpoint]:
        return [Endpoint("GET", "/api/presence/{document:path}", self.presence,
                         "Who is connected to a document, across all processes",
                         response="Presence", auth=False, errors=(400, 401, 403, 404, 410),
                         parameters=(_DOCUMENT, _TOKEN))]
