"""One voice socket's life (api/voice.py serves the routes): its outbox and the one writer
task, so the tables never wait on a slow socket; the receive loop with its rate limit and
refusals; and what each signalling message does at the tables (voice/tables.py's rules)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import status
from ..kernel.errors import AppError, NotFound
from ..ratelimits import TokenBucket
from ..voice import signals
from ..voice.tables import LoadTables, NotAtTable, NotYourTable, TableFull, Voice

T = TypeVar("T")
log = logging.getLogger("sprankel.voice")

OUTBOX_MESSAGES = 512  # a socket that falls this far behind is closed (1013) and reconnects


class VoiceSocket:
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


async def serve(voice: Voice, place: str, client: VoiceSocket, load: LoadTables,
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


async def _receive(voice: Voice, place: str, client: VoiceSocket, bucket: TokenBucket | None,
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


async def _handle(voice: Voice, place: str, client: VoiceSocket, message: signals.Message,
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


def _refuse(client: VoiceSocket, code: int, reason: str) -> None:
    log.warning("voice refused member=%s code=%d reason=%r", client.member_id, code, reason)
    client.close(code, reason)


async def authenticated(websocket: WebSocket,
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
