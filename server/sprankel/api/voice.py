"""The voice sockets: ``/voice/spaces/{space_id}?token=MEMBER_TOKEN`` (a space's tables)
and ``/voice/sessions/{sid}?token=SESSION_TOKEN`` (a session's hallway), JSON text frames.

A member's page opens it when it shows the space: from then on it receives who sits at
which table (``{"type": "tables", ...}``) whenever that changes, without hearing anyone.
Sitting down (``sit``) answers ``seated`` with the seat, the others at the table (the
newcomer calls each of them) and the ICE servers, TURN credentials included: those are
handed out here and nowhere else. The messages are voice/signals.py's; the rules of the
tables are voice/tables.py's.

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

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import status
from ..broker import Subscription
from ..facilitation import Engine
from ..facilitation.core import EVENTS_CHANNEL
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR
from ..feature import Feature
from ..kernel.errors import AppError, NotFound
from ..koffiehoek import groups
from ..koffiehoek.gatherings import Gatherings
from ..koffiehoek.spaces import Koffiehoek
from ..ratelimits import SocketLimits, TokenBucket, client_key
from ..services import Services
from ..voice import hallway, signals
from ..voice.ice import IceServers
from ..voice.tables import LoadTables, NotAtTable, NotYourTable, TableFull, TableSpec, Voice
from . import bodies as b
from ._http import bearer
from .endpoint import Call, Endpoint

T = TypeVar("T")
log = logging.getLogger("sprankel.voice")

OUTBOX_MESSAGES = 512  # a socket that falls this far behind is closed (1013) and reconnects


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
        found = await _authenticated(websocket, self.engine.sessions.authenticate, "sid")
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
        client = _Socket(websocket, who.id, who.name)
        await _serve(self.voice, session_place(session.id), client, load, self.messages_per_s,
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
        found_space = await _authenticated(websocket, self.koffiehoek.authenticate, "space_id")
        if found_space is None:
            return
        space, member = found_space

        async def load() -> list[TableSpec]:
            return await space_tables(self.koffiehoek, self.gatherings, self.voice, space.id)

        claims = self.koffiehoek.signer.verify(websocket.query_params.get("token") or "")
        client = _Socket(websocket, member.id, member.name)
        await _serve(self.voice, space_place(space.id), client, load, self.messages_per_s,
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


class _Socket:
    """One voice socket: a queue and one writer task, so the tables never wait on it."""

    def __init__(self, websocket: WebSocket, member_id: str, name: str) -> None:
        self.websocket = websocket
        self.member_id = member_id
        self.name = name
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self.disconnected = False

    def send(self, message: dict[str, Any]) -> None:
        if self.close_code is not None:
            return
        if self.outbox.qsize() >= OUTBOX_MESSAGES:
            self.close(status.CLOSE_TRY_AGAIN_LATER, "too far behind; reconnect")
            return
        self.outbox.put_nowait(message)

    def close(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            self.outbox.put_nowait(None)

    def gone(self, code: int) -> None:
        """The peer closed: the writer ends at once (it waited up to 5 s for a message that
        never came), and sends no close frame of its own."""
        self.disconnected = True
        self.close(code, "")
        self.outbox.put_nowait(None)  # also when close() had already queued its end

    async def write_loop(self) -> None:
        try:
            while (message := await self.outbox.get()) is not None:
                await self.websocket.send_json(message)
            if not self.disconnected:
                await self.websocket.close(self.close_code or status.CLOSE_GOING_AWAY,
                                           self.close_reason)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.closed.set()


async def _serve(voice: Voice, place: str, client: _Socket, load: LoadTables,
                 messages_per_s: int, expires_at: int | None) -> None:
    writer = asyncio.create_task(client.write_loop(), name="voice writer")
    bucket = (TokenBucket(3 * messages_per_s, messages_per_s) if messages_per_s > 0 else None)
    expiry: asyncio.TimerHandle | None = None
    if expires_at is not None:
        # One timer per socket, on the wall clock the token's expiry is written in.
        expiry = asyncio.get_running_loop().call_later(
            max(0.0, expires_at / 1000 - time.time()), client.close,
            status.CLOSE_UNAUTHORIZED, "the token has expired")
    try:
        await voice.watch(place, client, load)
        await _receive(voice, place, client, bucket, load)
    except Exception:
        log.exception("voice socket failed place=%s", place)
        client.close(status.CLOSE_INTERNAL_ERROR, "internal error")
    finally:
        if expiry is not None:
            expiry.cancel()
        await voice.unwatch(place, client)
        client.close(status.CLOSE_GOING_AWAY, "closed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await client.closed.wait()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer


async def _receive(voice: Voice, place: str, client: _Socket, bucket: TokenBucket | None,
                   load: LoadTables) -> None:
    receiving = asyncio.ensure_future(client.websocket.receive())
    closing = asyncio.ensure_future(client.closed.wait())
    try:
        while client.close_code is None:
            await asyncio.wait({receiving, closing}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                return  # closed by the server (a removal, an overflow)
            message = receiving.result()
            if message["type"] == "websocket.disconnect":
                client.gone(message.get("code", status.CLOSE_GOING_AWAY))
                return
            if bucket is not None and bucket.take():
                return _refuse(client, status.CLOSE_POLICY_VIOLATION,
                               f"too many messages: at most {bucket.per_second:.0f} a second")
            text = message.get("text")
            if text is None:
                return _refuse(client, status.CLOSE_UNSUPPORTED_DATA, "JSON text frames only")
            try:
                await _handle(voice, place, client, signals.parse(text), load)
            except signals.BadSignal as bad:
                code = status.CLOSE_MESSAGE_TOO_BIG if bad.too_big else \
                    status.CLOSE_INVALID_PAYLOAD
                return _refuse(client, code, str(bad))
            except NotAtTable as refused:
                return _refuse(client, status.CLOSE_FORBIDDEN, str(refused))
            receiving = asyncio.ensure_future(client.websocket.receive())
    except (WebSocketDisconnect, RuntimeError):
        return
    finally:
        for future in (receiving, closing):
            if not future.done():
                future.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await receiving


async def _handle(voice: Voice, place: str, client: _Socket, message: signals.Message,
                  load: LoadTables) -> None:
    if isinstance(message, signals.Signal):
        await voice.signal(client, message.to, message.payload)
    elif isinstance(message, signals.Sit):
        tables = {t.id: t for t in await load()}
        table = tables.get(message.table)
        if table is None:
            client.send({"type": "error", "error": "not_found",
                         "message": "no such table (or it is closed)"})
            return
        try:
            seat = await voice.sit(place, client, table)
        except TableFull:
            client.send({"type": "error", "error": "table_full", "table": table.id,
                         "message": f"this table is full: {table.seats} seats"})
            return
        except NotYourTable:
            client.send({"type": "error", "error": "not_your_table", "table": table.id,
                         "message": "this table is kept for another coffee group"})
            return
        peers = await voice.peers(seat)
        client.send({"type": "seated", "table": table.id, "seat": seat.id,
                     "muted": seat.muted, "cameras": table.cameras,
                     "ice_servers": voice.ice_servers(client),
                     "peers": [{"seat": p.connection_id, "member": p.user.get("member"),
                                "name": p.user.get("name")} for p in peers]})
    elif isinstance(message, signals.Leave):
        if await voice.leave(client) is not None:
            client.send({"type": "left"})
    else:
        current = voice.seat_of(client)
        if current is not None and message.camera:
            allowed = {t.id for t in await load() if t.cameras}
            if current.table not in allowed:
                raise NotAtTable("this table does not allow cameras")
        await voice.set_state(client, message.muted, message.camera)


def _refuse(client: _Socket, code: int, reason: str) -> None:
    log.warning("voice refused member=%s code=%d reason=%r", client.member_id, code, reason)
    client.close(code, reason)


async def _authenticated(websocket: WebSocket,
                         authenticate: Callable[[str, str | None], Awaitable[T]],
                         param: str) -> T | None:
    """The caller of a voice socket, or None once the socket is closed with the refusal
    (4404 for an unknown session or space, else 4401)."""
    try:
        return await authenticate(websocket.path_params[param],
                                  websocket.query_params.get("token"))
    except NotFound as refusal:
        await websocket.close(status.CLOSE_NOT_FOUND, refusal.message)
    except AppError as refusal:
        await websocket.close(status.CLOSE_UNAUTHORIZED, refusal.message)
    return None
