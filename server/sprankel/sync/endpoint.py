"""The WebSocket edge of the sync layer: one coroutine per connection.

Order matters: accept, check the name and access, wait for the document to be
loaded, and only then send anything. A refusal is sent as a close code after
accept(), because a close before accept becomes an HTTP 403 that the
y-websocket client retries forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial

from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import logs, status
from ..broker import PresenceEntry
from ..ratelimits import SocketLimits, TokenBucket, client_key, warn_now_and_then
from .access import Access, Refusal
from .awareness import AwarenessRefused
from .connection import FRAME_READER, Connection, FrameReader
from .names import is_valid_document_name
from .protocol import ProtocolError
from .room import InvalidPayload, Room
from .rooms import RoomManager

log = logging.getLogger("sprankel.sync")


async def serve_document(websocket: WebSocket, rooms: RoomManager, name: str,
                         limits: SocketLimits | None = None) -> None:
    limits = limits or SocketLimits.unlimited()
    await websocket.accept()
    if not is_valid_document_name(name):
        rooms.stats.closed[status.CLOSE_BAD_REQUEST] += 1
        await websocket.close(status.CLOSE_BAD_REQUEST, "invalid document name")
        return
    # Counted before the token is checked (that costs a store read), released on any exit.
    address = client_key(websocket.client.host if websocket.client else None)
    if not limits.per_address.acquire(address):
        await _over_limit(websocket, rooms, name, "too many connections from your address",
                          limits.per_address.limit)
        return
    try:
        await _authorized(websocket, rooms, name, limits)
    finally:
        limits.per_address.release(address)


async def _authorized(websocket: WebSocket, rooms: RoomManager, name: str,
                      limits: SocketLimits) -> None:
    access = await rooms.authorize(name, websocket.query_params, websocket.headers)
    # Read here only: an idle socket need not keep the handshake's headers (0.8 KiB).
    # The list is the one websocket.headers reads, so it is emptied, not replaced.
    raw_headers = websocket.scope.get("headers")
    if isinstance(raw_headers, list):
        raw_headers.clear()
    if isinstance(access, Refusal):
        log.info("ws refused doc=%s code=%d reason=%r", name, access.code, access.reason)
        rooms.stats.closed[access.code] += 1
        await websocket.close(access.code, access.reason)
        return
    # Only connections with access count towards a document: outsiders cannot fill it.
    if not limits.per_document.acquire(name):
        await _over_limit(websocket, rooms, name, "too many connections to this document",
                          limits.per_document.limit)
        return
    try:
        await _connected(websocket, rooms, name, access, limits)
    finally:
        limits.per_document.release(name)


async def _over_limit(websocket: WebSocket, rooms: RoomManager, name: str, reason: str,
                      limit: int) -> None:
    # 1013 (try again later): the y-websocket client reconnects with backoff.
    rooms.stats.closed[status.CLOSE_TRY_AGAIN_LATER] += 1
    warn_now_and_then(log, reason, "ws over limit doc=%s reason=%r limit=%d", name, reason,
                      limit)
    await websocket.close(status.CLOSE_TRY_AGAIN_LATER, f"{reason}; try again later")


async def _connected(websocket: WebSocket, rooms: RoomManager, name: str, access: Access,
                     limits: SocketLimits) -> None:
    try:
        room = await rooms.acquire(name)
    except Exception:
        log.exception("ws load failed doc=%s", name)
        rooms.stats.closed[status.CLOSE_INTERNAL_ERROR] += 1
        await websocket.close(status.CLOSE_INTERNAL_ERROR, "document could not be loaded")
        return
    conn = Connection(websocket, name, access, rooms.outbox_limit, rooms.stats)
    logs.connection_id.set(conn.id)  # this task's log lines carry it (logs.py)
    handle = partial(_handle, room, conn, limits.message_bucket())
    presence = PresenceEntry(
        conn.id, name, rooms.broker.process_id, conn.connected_at, conn.connected_at, access.user
    )
    log.info("ws open doc=%s conn=%s user=%s", name, conn.id, access.user.get("id", "-"))
    expiry: asyncio.TimerHandle | None = None
    if access.expires_at is not None:
        # One timer per connection, on the wall clock the token's expiry is written in.
        delay = max(0.0, access.expires_at / 1000 - time.time())
        expiry = asyncio.get_running_loop().call_later(
            delay, conn.close, status.CLOSE_UNAUTHORIZED, "the token has expired")
    try:
        room.add(conn)
        await _presence(rooms.broker.presence_join(presence), conn)
        await _receive_loop(websocket, handle, conn)
    finally:
        if expiry is not None:
            expiry.cancel()
        room.remove(conn)
        rooms.release(room)
        await _presence(rooms.broker.presence_leave(name, conn.id), conn)
        if not conn.closing:
            conn.peer_closed(status.CLOSE_GOING_AWAY)
        await conn.wait_closed(timeout=5)
        log.info("ws close doc=%s conn=%s code=%s", name, conn.id, conn.close_code)


async def _receive_loop(websocket: WebSocket, handle: Callable[[bytes], None],
                        conn: Connection) -> None:
    extensions = websocket.scope.get("extensions") or {}
    install_reader: FrameReader | None = extensions.get(FRAME_READER)
    while not conn.closing:
        # Where the server offers it, later messages are handled as they arrive (no
        # queue, task switch or ASGI call each); this loop then waits for the disconnect.
        if install_reader is not None and install_reader(handle):
            install_reader = None
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            conn.peer_closed(message.get("code", status.CLOSE_GOING_AWAY))
            return
        data = message.get("bytes")
        if data is None:
            _refuse(conn, status.CLOSE_UNSUPPORTED_DATA, "binary y-websocket messages only")
            return
        handle(data)


def _handle(room: Room, conn: Connection, bucket: TokenBucket | None, data: bytes) -> None:
    """One binary message; a bad one closes the connection (and nothing is applied)."""
    if conn.closing:
        return
    if bucket is not None and bucket.take():
        _refuse(conn, status.CLOSE_POLICY_VIOLATION,
                f"too many messages: at most {bucket.capacity:.0f} a second")
        return
    try:
        room.handle(conn, data)
    except ProtocolError as error:
        _refuse(conn, status.CLOSE_PROTOCOL_ERROR, f"malformed message: {error}")
    except InvalidPayload as error:
        _refuse(conn, error.code, str(error))
    except AwarenessRefused as refused:
        _refuse(conn, refused.code, refused.reason)


def _refuse(conn: Connection, code: int, reason: str) -> None:
    # Called from the socket's reader, outside the connection's task: the id goes explicitly.
    log.warning("ws bad input doc=%s conn=%s code=%d reason=%r", conn.document, conn.id, code,
                reason, extra={"connection_id": conn.id})
    conn.close(code, reason)


async def _presence(call: Awaitable[None], conn: Connection) -> None:
    # Presence is informative: a broker hiccup must not cost the user the connection.
    try:
        await call
    except Exception:
        log.exception("presence update failed conn=%s", conn.id)
