"""The board's version history as the facilitator reaches it: the list, a read-only
preview, a restore; and deleting a session at once. Thin: the engine decides
(facilitation/versions.py, facilitation/retention.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..facilitation import Engine
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR
from .endpoint import Authenticate, Call, Endpoint

Caller = Call[Session, Participant]


class VersionsApi:
    def __init__(self, engine: Engine, authenticate: Authenticate) -> None:
        self.engine = engine
        self.authenticate = authenticate

    async def history(self, request: Request, call: Caller) -> Response:
        versions = await self.engine.versions.history(call.session, call.who)
        return JSONResponse({"versions": versions})

    async def preview(self, request: Request, call: Caller) -> Response:
        return JSONResponse(await self.engine.versions.preview(call.session, call.who,
                                                               request.path_params["vid"]))

    async def restore(self, request: Request, call: Caller) -> Response:
        restored, before = await self.engine.versions.restore(call.session, call.who,
                                                              request.path_params["vid"])
        return JSONResponse({"restored": restored, "before": before})

    async def delete_session(self, request: Request, call: Caller) -> Response:
        await self.engine.retention.delete(call.session, call.who)
        return Response(status_code=204)

    def endpoints(self) -> list[Endpoint]:
        s = "/api/sessions/{sid}"
        f = (FACILITATOR,)
        auth = self.authenticate
        return [
            Endpoint("GET", s + "/versions", self.history,
                     "The board's versions, newest first (facilitator)", response="Versions",
                     roles=f, authenticate=auth),
            Endpoint("GET", s + "/versions/{vid}", self.preview,
                     "One version of the board, read-only: ideas, clusters, notes and the "
                     "whiteboard as they were (facilitator)", response="VersionPreview",
                     roles=f, authenticate=auth),
            Endpoint("POST", s + "/versions/{vid}/restore", self.restore,
                     "Bring the board back to a version, for everyone at once; the board "
                     "as it was is kept as a version first (facilitator)",
                     response="Restored", roles=f,
                     authenticate=auth),
            Endpoint("DELETE", s, self.delete_session,
                     "Delete the session and everything stored for it, now (facilitator)",
                     status=204, roles=f, authenticate=auth),
        ]
