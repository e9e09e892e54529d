"""One WebSocket of one document: a bounded outbox drained by a single writer task.

Rooms hand every connection the same encoded bytes; a connection never encodes.
A client that cannot keep up is closed with 1013 once its outbox holds more than
the limit: it reconnects and resyncs, so nothing is lost and nothing is dropped
silently.

When the server offers a frame writer (server.py does, as the ASGI extension
FRAME_WRITER) and nothing is queued, a message goes straight to the socket as a
WebSocket frame that the room encoded once for all its connections: the ASGI
send chain per socket and message costs more than the system call itself (in
the big-room benchmark the server's CPU went from 0.45 to 0.2 cores).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import status
from .access import Access

log = logging.getLogger("sprankel.sync")

# ASGI scope extension: a callable that writes one encoded frame to the socket at once
# and returns True, or returns False when the message must take the ordinary ASGI path.
FRAME_WRITER = "sprankel.frame_writer"

FrameWriter = Callable[[bytes], bool]


def binary_frame(message: bytes) -> bytes:
    """The frame a server sends for one binary message: final, unmasked (RFC 6455, 5.2)."""
    length = len(message)
    if length < 126:
        return bytes((0x82, length)) + message
    if length < 65536:
        return b"\x82\x7e" + length.to_bytes(2, "big") + message
    return b"\x82\x7f" + length.to_bytes(8, "big") + message


class Connection:
    def __init__(self, websocket: WebSocket, document: str, access: Access, outbox_limit: int):
        self.id = uuid.uuid4().hex[:16]
        self.document = document
        self.access = access
        self.connected_at = time.time()
        # Awareness client ids whose states this socket sent: removed when it closes.
        self.client_ids: set[int] = set()
        self._websocket = websocket
        self._outbox: deque[bytes] = deque()
        self._queued_bytes = 0
        self._outbox_limit = outbox_limit
        self._wakeup = asyncio.Event()
        self._close: tuple[int, str] | None = None
        extensions = websocket.scope.get("extensions") or {}
        self._write_frame: FrameWriter | None = extensions.get(FRAME_WRITER)
        self._writing = False  # the writer task is inside a send: nothing may overtake it

    @property
    def closing(self) -> bool:
        return self._close is not None

    @property
    def close_code(self) -> int | None:
        return None if self._close is None else self._close[0]

    def send(self, data: bytes, frame: bytes | None = None) -> None:
        """Queue one message; ``frame`` is ``binary_frame(data)`` when the caller has it."""
        if self._close is not None:
            return
        # Straight to the socket only in order: nothing queued or in flight. The writer
        # declines while the socket is paused, so a slow client fills the outbox below.
        if (
            self._write_frame is not None
            and not self._outbox
            and not self._writing
            and self._write_frame(binary_frame(data) if frame is None else frame)
        ):
            return
        if self._queued_bytes + len(data) > self._outbox_limit:
            log.warning("slow client closed conn=%s doc=%s queued=%d", self.id, self.document,
                        self._queued_bytes)
            self.close(status.CLOSE_TRY_AGAIN_LATER, "too far behind: reconnect to resync")
            return
        self._outbox.append(data)
        self._queued_bytes += len(data)
        self._wakeup.set()

    def close(self, code: int, reason: str) -> None:
        """Ask the writer to close the socket; what is still queued is dropped."""
        if self._close is not None:
            return
        self._close = (code, reason)
        self._outbox.clear()
        self._queued_bytes = 0
        self._wakeup.set()

    async def run_writer(self) -> None:
        """Send queued messages in order until closed; the only task that writes."""
        ws = self._websocket
        try:
            while self._close is None:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._outbox and self._close is None:
                    data = self._outbox.popleft()
                    self._queued_bytes -= len(data)
                    self._writing = True
                    try:
                        await ws.send_bytes(data)
                    finally:
                        self._writing = False
            code, reason = self._close
            await ws.close(code, reason)
        except (WebSocketDisconnect, RuntimeError, OSError):
            # The peer went away (Starlette raises RuntimeError after a failed send).
            self._close = self._close or (status.CLOSE_GOING_AWAY, "peer gone")
