"""One WebSocket of one document: a bounded outbox drained by one writer task at a time.

Rooms hand every connection the same encoded bytes; a connection never encodes.
A client that cannot keep up is closed with 1013 once its outbox holds more than
the limit: it reconnects and resyncs, so nothing is lost and nothing is dropped
silently.

When the server offers a frame writer (server.py does, as the ASGI extension
FRAME_WRITER) and nothing is queued, a message goes straight to the socket as a
WebSocket frame that the room encoded once for all its connections: the ASGI
send chain per socket and message costs more than the system call itself (in
the big-room benchmark the server's CPU went from 0.45 to 0.27 cores).
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
from .stats import SyncStats

log = logging.getLogger("sprankel.sync")

# ASGI scope extension: a callable that writes one encoded frame to the socket at once
# and returns True, or returns False when the message must take the ordinary ASGI path.
FRAME_WRITER = "sprankel.frame_writer"

FrameWriter = Callable[[bytes], bool]

# ASGI scope extension: install a callable that receives each following binary message
# at once, instead of through receive(); returns False while messages are still queued
# for receive() (they must be read first, in order). Disconnects still come through
# receive().
FRAME_READER = "sprankel.frame_reader"

FrameReader = Callable[[Callable[[bytes], None]], bool]


def binary_frame(message: bytes | memoryview) -> bytes:
    """The frame a server sends for one binary message: final, unmasked (RFC 6455, 5.2)."""
    length = len(message)
    if length < 126:
        return bytes((0x82, length)) + message
    if length < 65536:
        return b"\x82\x7e" + length.to_bytes(2, "big") + message
    return b"\x82\x7f" + length.to_bytes(8, "big") + message


class Connection:
    def __init__(self, websocket: WebSocket, document: str, access: Access, outbox_limit: int,
                 stats: SyncStats | None = None):
        self.id = uuid.uuid4().hex[:16]
        self.document = document
        self.access = access
        self.connected_at = time.time()
        # Awareness client ids whose states this socket sent: removed when it closes.
        self.client_ids: set[int] = set()
        self._websocket = websocket
        # Made when first needed: most messages go straight to the socket, and an idle
        # connection should cost little (no task, queue or event while nothing waits).
        self._outbox: deque[bytes] | None = None
        self._queued_bytes = 0
        self._outbox_limit = outbox_limit
        self._writer: asyncio.Task[None] | None = None
        self._close: tuple[int, str] | None = None
        self._stats = stats
        extensions = websocket.scope.get("extensions") or {}
        self._write_frame: FrameWriter | None = extensions.get(FRAME_WRITER)
        self._writing = False  # the writer task is inside a send: nothing may overtake it

    @property
    def closing(self) -> bool:
        return self._close is not None

    @property
    def close_code(self) -> int | None:
        return None if self._close is None else self._close[0]

    def send(self, data: bytes | memoryview, frame: bytes | None = None) -> None:
        """Queue one message; ``frame`` is ``binary_frame(data)`` when the caller has it
        (``data`` is then often a view of the frame's tail: kept_reply.py)."""
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
                        self._queued_bytes, extra={"connection_id": self.id})
            self.close(status.CLOSE_TRY_AGAIN_LATER, "too far behind: reconnect to resync")
            return
        if self._outbox is None:
            self._outbox = deque()
        # A copy only for a socket that is behind: the ASGI path takes bytes.
        self._outbox.append(data if isinstance(data, bytes) else bytes(data))
        self._queued_bytes += len(data)
        self._start_writer()

    def close(self, code: int, reason: str) -> None:
        """Ask the writer to close the socket; what is still queued is dropped."""
        if self._close is not None:
            return
        if self._stats is not None:
            self._stats.closed[code] += 1
        self._close = (code, reason)
        if self._outbox:
            self._outbox.clear()
        self._queued_bytes = 0
        self._start_writer()

    def peer_closed(self, code: int) -> None:
        """The client went away (not counted as closed by the server)."""
        stats, self._stats = self._stats, None
        self.close(code, "peer closed")
        self._stats = stats

    async def wait_closed(self, timeout: float) -> None:
        """Wait until the writer has sent what it had and the close frame (cancel it after
        ``timeout``)."""
        if self._writer is None:
            return
        try:
            await asyncio.wait_for(self._writer, timeout=timeout)
        except (TimeoutError, asyncio.CancelledError):
            self._writer.cancel()

    def _start_writer(self) -> None:
        # At most one writer at a time: a running one sees the new message or the close.
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write(), name=f"writer {self.id}"
            )

    async def _write(self) -> None:
        """Send the queued messages in order, then the close frame if one was asked for.

        The task ends when the outbox is empty; the next queued message starts another.
        """
        ws = self._websocket
        try:
            while self._outbox and self._close is None:
                data = self._outbox.popleft()
                self._queued_bytes -= len(data)
                self._writing = True
                try:
                    await ws.send_bytes(data)
                finally:
                    self._writing = False
            if self._close is not None:
                code, reason = self._close
                await ws.close(code, reason)
        except (WebSocketDisconnect, RuntimeError, OSError):
            # The peer went away (Starlette raises RuntimeError after a failed send).
            self._close = self._close or (status.CLOSE_GOING_AWAY, "peer gone")
