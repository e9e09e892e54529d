"""The voice sockets: ``/voice/spaces/{space_id}?token=MEMBER_TOKEN`` (a space's tables)
and ``/voice/sessions/{sid}?token=SESSION_TOKEN`` (a session's hallway), JSON text frames.

A member's page opens it when it shows the space: from then on it receives who sits at
which table (``{"type": "tables", ...}``) whenever that changes, without hearing anyone.
Sitting down (``sit``) answers ``seated`` with the seat, the others at the table (the
newcomer calls each of them) and the ICE servers, TURN credentials included: those are
handed out here and nowhere else. The messages are voice/signals.py's; the rules of the
tables are voice/tables.py's; one socket's life is api/voice_socket.py's.

Refusals close the socket: 4401 (no valid member token, or it expired while the socket
was open: a timer per socket, as for the documents in sync/endpoint.py), 4404 (no such space), 4403
(signalling someone not at your table, a camera where the table has none, removed from
the space), 1007 (not a valid message), 1009 (too big), 1008 (too many messages), 1003
(a binary frame). A full table is an answer, not a refusal: ``{"type": "error",
"error": "table_full"}``.

A session's hallway ("gang") is one table, open before the facilitator starts the first
round and after the end, so people can linger as in a room; the facilitator opens or
closes it (``PUT /api/sessions/{sid}/hallway {open: true | false | null}``, null: back to
that rule; the choice lapses when the session starts or ends). Record ``voice-hallway`` SID
{open, phase}. Closing it stands everyone up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket

from .. import status
from ..broker import Subscription
from ..facilitation import Engine
from ..facilitation.core import EVENTS_CHANNEL
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR
from ..feature import Feature
from ..koffiehoek import groups
from ..koffiehoek.gatherings import Gatherings
from ..koffiehoek.spaces import Koffiehoek
from ..ratelimits import SocketLimits, client_key
from ..services import Services
from ..voice import hallway
from ..voice.ice import IceServers
from ..voice.tables import TableSpec, Voice
from . import bodies as b
from ._http import bearer
from .endpoint import Call, Endpoint
from .voice_socket import VoiceSocket, authenticated, serve


class VoiceFeature(Feature):
    """Voice tables in the Koffiehoek's spaces: the socket, and the tables' life cycle."""

    def __init__(self, services: Services, koffiehoek: Koffiehoek, gatherings: Gatherings,
                 engine: Engine) -> None:
        settings = services.settings
        self.services = services
        self.koffiehoek = koffiehoek
        self.gatherings = gatherings
        self.engine = engine
        self._sessions: Subscription | None = None
        ice = IceServers.parse(settings.ice_servers, settings.turn_secret, settings.turn_ttl_s)
        self.voice = Voice(services.broker, ice)
        self.messages_per_s = settings.voice_messages_per_s

    def routes(self) -> Sequence[BaseRoute]:
        return [WebSocketRoute("/voice/spaces/{space_id}", self.space_socket),
                WebSocketRoute("/voice/sessions/{sid}", self.session_socket)]

    def endpoints(self) -> Sequence[Endpoint]:
        async def caller(request: Request) -> tuple[Session, Participant]:
            return await self.engine.sessions.authenticate(request.path_params["sid"],
                                                           bearer(request))

        async def set_hallway(request: Request, call: Call[Session, Participant]) -> Response:
            session = call.session
            started, ended = session.started_at is not None, session.ended
            record = {**call.body, "phase": hallway.phase(started, ended)}
            await self.services.store.put_record(hallway.HALLWAY, session.id, record)
            await self.voice.tables_changed(session_place(session.id))
            return JSONResponse({"open": hallway.is_open(started, ended, record),
                                 "override": call.body["open"]})

        return [Endpoint("PUT", "/api/sessions/{sid}/hallway", set_hallway,
                         "Open or close the session's hallway table (null: the default)",
                         b.HALLWAY, "HallwayState", roles=(FACILITATOR,),
                         authenticate=caller)]

    async def session_socket(self, websocket: WebSocket) -> None:
        await self._limited(websocket, self._session_socket)

    async def _session_socket(self, websocket: WebSocket) -> None:
        found = await authenticated(websocket, self.engine.sessions.authenticate, "sid")
        if found is None:
            return
        session, who = found

        async def load() -> list[TableSpec]:
            current = await self.engine.sessions.get(session.id)
            record = await self.services.store.get_record(hallway.HALLWAY, session.id)
            open_now = hallway.is_open(current.started_at is not None, current.ended, record)
            return [hallway.TABLE] if open_now else []

        claims = self.engine.core.signer.verify(websocket.query_params.get("token") or "")
        expires_at = self.engine.sessions.expires_at(session, who,
                                                     claims.expires_at if claims else None)
        client = VoiceSocket(websocket, who.id, who.name)
        await serve(self.voice, session_place(session.id), client, load, self.messages_per_s,
                    expires_at)

    async def start(self) -> None:
        await self.voice.start()
        # A session that starts or ends opens or closes its hallway at once, on every
        # process: each hears the engine's event and reads its own hallway views again.
        self._sessions = await self.services.broker.subscribe_events(
            EVENTS_CHANNEL, self._session_changed)

    async def stop(self) -> None:
        if self._sessions is not None:
            await self._sessions.close()
        await self.voice.stop()

    def _session_changed(self, event: dict[str, Any]) -> None:
        sid = event.get("session_id")
        if event.get("type") == "session" and isinstance(sid, str):
            self.voice.refresh(session_place(sid))

    async def tables_changed(self, space_id: str) -> None:
        await self.voice.tables_changed(space_place(space_id))

    async def drop_member(self, space_id: str, member_id: str) -> None:
        """A member removed from a space leaves its tables and its voice sockets at once,
        on every process (the coordinator wires the member removal to this)."""
        await self.voice.drop_member(space_place(space_id), member_id,
                                     "you were removed from this space",
                                     status.CLOSE_FORBIDDEN)

    async def drop_participant(self, sid: str, participant_id: str) -> None:
        """The same for a participant removed from a session: out of its hallway at once."""
        await self.voice.drop_member(session_place(sid), participant_id,
                                     "you were removed from this session",
                                     status.CLOSE_FORBIDDEN)

    async def space_socket(self, websocket: WebSocket) -> None:
        await self._limited(websocket, self._space_socket)

    async def _limited(self, websocket: WebSocket, serve: Any) -> None:
        await websocket.accept()
        limits: SocketLimits = self.services.limits.sockets
        address = client_key(websocket.client.host if websocket.client else None)
        if not limits.per_address.acquire(address):
            await websocket.close(status.CLOSE_TRY_AGAIN_LATER,
                                  "too many connections from your address; try again later")
            return
        try:
            await serve(websocket)
        finally:
            limits.per_address.release(address)

    async def _space_socket(self, websocket: WebSocket) -> None:
        found_space = await authenticated(websocket, self.koffiehoek.authenticate, "space_id")
        if found_space is None:
            return
        space, member = found_space

        async def load() -> list[TableSpec]:
            return await space_tables(self.koffiehoek, self.gatherings, self.voice, space.id)

        claims = self.koffiehoek.signer.verify(websocket.query_params.get("token") or "")
        client = VoiceSocket(websocket, member.id, member.name)
        await serve(self.voice, space_place(space.id), client, load, self.messages_per_s,
                    claims.expires_at if claims else None)


def space_place(space_id: str) -> str:
    return f"spaces/{space_id}"


async def space_tables(koffiehoek: Koffiehoek, gatherings: Gatherings, voice: Voice,
                       space_id: str) -> list[TableSpec]:
    """A space's tables as its watchers see them: those of its record, and those of its
    coffee groups that stand now (through their moment, and after it while in use)."""
    current = await koffiehoek.space(space_id)
    now = koffiehoek.clock.now_ms()
    place = space_place(space_id)
    standing = [t for t in await gatherings.group_tables(space_id)
                if groups.standing(t, now, await voice.seated_count(place, t["id"]))]
    return [_spec(t) for t in [*current.tables, *standing]]


def session_place(sid: str) -> str:
    return f"sessions/{sid}"


def _spec(table: Any) -> TableSpec:
    return TableSpec(str(table["id"]), str(table["name"]), int(table["seats"]),
                     bool(table.get("muted_on_arrival")), bool(table.get("cameras")),
                     tuple(str(m) for m in table.get("members", ())))
