"""One simulated y-websocket user: cheap enough that one process runs hundreds.

It speaks the protocol like the stock y-websocket provider does (its own sync
step 1 and awareness on open, step 2 in answer to the server's step 1, awareness
renewed every 15 s) on top of the sans-I/O WebSocket protocol of ``websockets``
inside a plain ``asyncio.Protocol``: no task and no queue per message. Received
updates are never applied; the client only looks for the timestamp markers of
other senders (see ``ywire.MARKER``) to count deliveries and latency. Cursor
moves (``send_cursor``) carry the same marker in the awareness state: a receiver
takes their relay latency and keeps the newest one it got from each sender.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pycrdt import Doc, Map, TransactionEvent
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from . import ywire
from .histogram import Histogram

# A sender id and a sequence number in one int, for the sets of seen markers.
SEQ_BITS = 24


def marker_key(sender: int, seq: int) -> int:
    return (sender << SEQ_BITS) | seq


class LoadClient(asyncio.Protocol):
    """A y-websocket client; ``await open()``, then ``send_idea()`` and read the counters."""

    def __init__(
        self,
        url: str,
        sender_id: int,
        *,
        latency: Histogram | None = None,
        deflate: bool = True,
        awareness: bool = True,
        keep_sync_payload: bool = False,
        apply_sync: bool = False,
        cursor_latency: Histogram | None = None,
    ) -> None:
        self.url = url
        self.sender_id = sender_id
        self.latency = latency
        # Browsers offer permessage-deflate; the server decides whether to use it.
        self.deflate = deflate
        self.awareness = awareness
        self.keep_sync_payload = keep_sync_payload
        # Ready only once the step 2 is applied into the doc, as a browser's provider is.
        self.apply_sync = apply_sync
        self.cursor_latency = cursor_latency
        self.cursor_seq = 0
        self.cursor_newest: dict[int, int] = {}  # sender -> newest cursor seq received
        self.doc: Doc[Any] = Doc()
        self._ideas = self.doc.get("ideas", type=Map)
        self._last_update = b""
        self.doc.observe(self._on_local_update)
        self.seq = 0
        self.awareness_clock = 0
        # Counters and outcomes.
        self.seen: set[int] = set()
        self.updates_received = 0
        self.duplicates = 0
        self.awareness_received = 0
        self.bytes_received = 0
        self.started_ns = 0
        self.ready_ns = 0
        self.arrived_ns = 0  # the step 2 arrived (ready_ns: and applied, with apply_sync)
        self.sync_payload = b""
        self.close_code: int | None = None
        self.close_reason = ""
        self.error: str | None = None
        self._protocol: ClientProtocol | None = None
        self._transport: asyncio.Transport | None = None
        self._fragments: list[bytes] = []
        self._opened: asyncio.Future[None] | None = None
        self.ready: asyncio.Future[None] | None = None
        self.closed: asyncio.Future[None] | None = None

    # ---- connecting -------------------------------------------------------------------

    async def open(self, timeout: float = 30.0) -> None:
        """Connect, send step 1 and awareness, and wait for the server's step 2."""
        loop = asyncio.get_running_loop()
        self._opened = loop.create_future()
        self.ready = loop.create_future()
        self.closed = loop.create_future()
        self.started_ns = time.perf_counter_ns()
        parts = urlsplit(self.url)
        extensions = enable_client_permessage_deflate(None) if self.deflate else None
        self._protocol = ClientProtocol(
            parse_uri(self.url), extensions=extensions, max_size=256 * 1024 * 1024
        )
        try:
            async with asyncio.timeout(timeout):
                await loop.create_connection(
                    lambda: self, parts.hostname or "127.0.0.1", parts.port or 80
                )
                await self._opened
                self.send(ywire.sync_message(ywire.SYNC_STEP1, self.doc.get_state()))
                if self.awareness:
                    self.send_awareness()
                await self.ready
        except (TimeoutError, OSError, ConnectionError) as error:
            self.error = self.error or f"{type(error).__name__}: {error}"
            self.abort()
            raise

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert self._protocol is not None
        self._transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self._protocol.send_request(self._protocol.connect())
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._protocol is not None and self._protocol.close_code is not None:
            self.close_code = self.close_code or self._protocol.close_code
        error = ConnectionError(f"connection lost (close code {self.close_code})")
        for future in (self._opened, self.ready):
            if future is not None and not future.done():
                future.set_exception(error)
                future.exception()  # mark retrieved: the caller may not wait any more
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)

    # ---- receiving --------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        protocol = self._protocol
        assert protocol is not None
        protocol.receive_data(data)
        for event in protocol.events_received():
            if isinstance(event, Response):
                self._on_handshake(protocol)
            elif isinstance(event, Frame):
                self._on_frame(event)
        self._flush()

    def eof_received(self) -> bool | None:
        if self._protocol is not None:
            self._protocol.receive_eof()
        return None

    def _on_handshake(self, protocol: ClientProtocol) -> None:
        assert self._opened is not None
        if protocol.handshake_exc is not None:
            self.error = f"handshake failed: {protocol.handshake_exc}"
            if not self._opened.done():
                self._opened.set_exception(ConnectionError(self.error))
            return
        if not self._opened.done():
            self._opened.set_result(None)

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.CLOSE:
            protocol = self._protocol
            assert protocol is not None
            self.close_code = protocol.close_rcvd.code if protocol.close_rcvd else None
            self.close_reason = protocol.close_rcvd.reason if protocol.close_rcvd else ""
            return
        if frame.opcode not in (Opcode.BINARY, Opcode.CONT):
            return
        if not frame.fin:
            self._fragments.append(bytes(frame.data))
            return
        message = bytes(frame.data)
        if self._fragments:
            message = b"".join([*self._fragments, message])
            self._fragments.clear()
        self._on_message(message)

    def _on_message(self, message: bytes) -> None:
        self.bytes_received += len(message)
        kind = message[0]
        if kind == ywire.MESSAGE_AWARENESS:
            self.awareness_received += 1
            if self.cursor_latency is not None:
                self._count_cursors(message)
            return
        if kind != ywire.MESSAGE_SYNC:
            return
        step = message[1]
        if step == ywire.SYNC_STEP1:
            state_vector, _ = ywire.read_var_bytes(message, 2)
            self.send(ywire.sync_message(ywire.SYNC_STEP2, self.doc.get_update(state_vector)))
        elif step == ywire.SYNC_STEP2:
            if not self.arrived_ns:
                self.arrived_ns = time.perf_counter_ns()
            if self.keep_sync_payload or self.apply_sync:
                self.sync_payload, _ = ywire.read_var_bytes(message, 2)
            if self.apply_sync and self.ready is not None and not self.ready.done():
                self.doc.apply_update(self.sync_payload)
            if self.ready is not None and not self.ready.done():
                self.ready_ns = time.perf_counter_ns()
                self.ready.set_result(None)
        elif step == ywire.SYNC_UPDATE:
            self.updates_received += 1
            self._count_markers(message)

    def _count_markers(self, message: bytes) -> None:
        now = time.time_ns()
        own = self.sender_id
        for match in ywire.MARKER.finditer(message):
            sender = int(match[1])
            if sender == own:
                continue
            key = marker_key(sender, int(match[2]))
            if key in self.seen:
                self.duplicates += 1
                continue
            self.seen.add(key)
            if self.latency is not None:
                self.latency.add((now - int(match[3])) / 1000.0)

    def _count_cursors(self, message: bytes) -> None:
        now = time.time_ns()
        newest = self.cursor_newest
        assert self.cursor_latency is not None
        for match in ywire.MARKER.finditer(message):
            sender = int(match[1])
            seq = int(match[2])
            if sender == self.sender_id or seq <= newest.get(sender, 0):
                continue  # the echo of our own, or a renewal of a state we hold
            newest[sender] = seq
            self.cursor_latency.add((now - int(match[3])) / 1000.0)

    # ---- sending ----------------------------------------------------------------------

    def _on_local_update(self, event: TransactionEvent) -> None:
        self._last_update = event.update

    def send(self, message: bytes) -> None:
        protocol = self._protocol
        if protocol is None or protocol.state is not State.OPEN:
            return
        protocol.send_binary(message)
        self._flush()

    def send_idea(self, author: str = "") -> None:
        """Create one idea card whose text is a timestamp marker, and send the update."""
        self.seq += 1
        text = ywire.marker(self.sender_id, self.seq, time.time_ns())
        self._ideas[f"{self.sender_id}-{self.seq}"] = Map(
            {"text": text, "author": author or f"bench-{self.sender_id}", "votes": 0}
        )
        self.send(ywire.sync_message(ywire.SYNC_UPDATE, self._last_update))

    def send_update(self, change: Callable[[Doc[Any]], None]) -> None:
        """Apply ``change`` to the local document and send the resulting update."""
        with self.doc.transaction():
            change(self.doc)
        self.send(ywire.sync_message(ywire.SYNC_UPDATE, self._last_update))

    def send_awareness(self) -> None:
        self.awareness_clock += 1
        state = {"user": {"name": f"bench-{self.sender_id}", "color": "#1f6feb"}, "cursor": None}
        self.send(ywire.awareness_message(self.doc.client_id, self.awareness_clock, state))

    def send_cursor(self) -> None:
        """One pointer move on the whiteboard: an awareness state with a marker."""
        self.cursor_seq += 1
        self.awareness_clock += 1
        seq = self.cursor_seq
        state = {"user": {"name": f"bench-{self.sender_id}", "color": "#1f6feb"},
                 "pointer": {"x": seq % 1000, "y": seq % 700, "tool": "pointer"},
                 "m": ywire.marker(self.sender_id, seq, time.time_ns())}
        self.send(ywire.awareness_message(self.doc.client_id, self.awareness_clock, state))

    def _flush(self) -> None:
        protocol = self._protocol
        transport = self._transport
        if protocol is None or transport is None:
            return
        for data in protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()

    # ---- closing ----------------------------------------------------------------------

    async def close(self, timeout: float = 5.0) -> None:
        protocol = self._protocol
        if protocol is None or self._transport is None:
            return
        if protocol.state is State.OPEN:
            protocol.send_close(1000)
            self._flush()
        if self.closed is not None:
            try:
                async with asyncio.timeout(timeout):
                    await self.closed
            except TimeoutError:
                self.abort()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    @property
    def is_open(self) -> bool:
        return self._protocol is not None and self._protocol.state is State.OPEN
