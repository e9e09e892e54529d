"""Running the app under uvicorn, with a shutdown that lets clients reconnect at once.

uvicorn's own shutdown closes WebSockets with 1012; Sprankel first closes them
with 1001 and flushes every open document, so clients reconnect (to another
process, or to this one once it is back) with nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

from . import logs, metrics, redact
from ._redis import stop_waiting
from .app import create_app
from .config import Settings, trusted_proxy_networks
from .lean_waits import Flag, ReceiveQueue
from .services import Services
from .sync.connection import FRAME_READER, FRAME_WRITER
from .sync.endpoint import serve_document
from .transport import (
    ConnectionGuard,
    GuardedH11Protocol,
    SprankelConfig,
    guard_of,
)

# The app's WebSocket route for documents: /ws/{name:path} (see app.py).
DOCUMENT_SOCKETS = "/ws/"

log = logging.getLogger("sprankel")

def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logs.formatter(settings.log_format))  # text or JSON lines
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    redact.install()  # no token, join code or Authorization value reaches the log


def uvicorn_config(settings: Settings, app: object) -> uvicorn.Config:
    proxies = trusted_proxy_networks(settings.trusted_proxies)
    return SprankelConfig(
        DocumentSocketsFirst(app),
        guard=ConnectionGuard(settings.connections_per_address, settings.header_timeout_s,
                              proxies),
        host=settings.host,
        port=settings.port,
        http=GuardedH11Protocol,
        ws=FrameWriterProtocol,
        # X-Forwarded-For only from --trusted-proxies (uvicorn trusts 127.0.0.1 by
        # default). Its middleware wraps the whole app, document sockets included.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=[str(network) for network in proxies],
        ws_max_size=settings.max_message_size,
        ws_per_message_deflate=settings.per_message_deflate,
        lifespan="on",
        log_config=None,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
    )


class DocumentSocketsFirst:
    """Hands the document WebSockets (``/ws/{name}``) straight to the sync endpoint.

    Starlette's middleware and router stay on the stack of a WebSocket for as long as
    it is open: a chain of coroutine frames of about 5 KiB per connection, for
    middleware that only touches HTTP responses. The app's own ``/ws/{name}`` route
    calls the same ``serve_document``; everything else (HTTP, lifespan, other
    sockets) goes to the app. Measured: 25.7 -> 21 KiB per idle connection.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.services = _find_services(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.services is not None:
            path: str = scope["path"]
            root: str = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            if path.startswith(DOCUMENT_SOCKETS):
                name = path[len(DOCUMENT_SOCKETS):]
                await serve_document(WebSocket(scope, receive, send), self.services.rooms, name,
                                     self.services.limits.sockets)
                return
        await self.app(scope, receive, send)


class FrameWriterProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, plus a frame writer for the rooms.

    Through ASGI, every message to every socket is its own chain of coroutines; a
    room sends the same message to all its sockets, so it encodes the frame once
    and hands it to this writer, which puts it on the socket at once. The writer
    declines (returns False, and the message takes the ASGI path) whenever the
    bytes or the moment are not the plain case: before the handshake or after a
    close, while the transport is paused for a slow reader, or when an extension
    (permessage-deflate) makes the bytes differ per socket.
    """

    _handshake_timer: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same waits without their idle deques (lean_waits.py: 3.7 KiB a socket).
        self.queue = ReceiveQueue()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        guard = guard_of(self.config)
        if guard is not None:  # the app must accept (or refuse) within the header timeout
            self._handshake_timer = self.loop.call_later(guard.header_timeout_s,
                                                         self._handshake_too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_handshake_timer()
        guard = guard_of(self.config)
        if guard is not None:  # the slot the HTTP protocol took before the upgrade
            guard.release(self.transport)
        super().connection_lost(exc)

    def _handshake_too_slow(self) -> None:
        self._handshake_timer = None
        if not self.handshake_complete and not self.transport.is_closing():
            self.transport.close()

    def _cancel_handshake_timer(self) -> None:
        if self._handshake_timer is not None:
            self._handshake_timer.cancel()
            self._handshake_timer = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:
            extensions: dict[str, Any] = self.scope["extensions"]
            extensions[FRAME_WRITER] = self.write_frame
            extensions[FRAME_READER] = self.install_reader

    def start_keepalive(self) -> None:
        # Called once the handshake response is out. The handshake's request and response
        # (their parsed headers, about 3 KiB) are never read again: let them go, for
        # the memory of every idle connection. The parser of websockets still holds the
        # request in its frame: its headers are emptied (about 2 KiB).
        super().start_keepalive()
        self._cancel_handshake_timer()
        self.request.headers.clear()
        del self.request, self.response

    _reader: Callable[[bytes], None] | None = None

    def install_reader(self, reader: Callable[[bytes], None]) -> bool:
        if not self.queue.empty():
            return False  # what is queued for receive() comes first, in order
        self._reader = reader
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        return True

    def send_receive_event_to_app(self) -> None:
        # Binary messages go to the installed reader at once: no queue, and no pausing
        # of the socket until the app has read them. Text (refused by the sync
        # endpoint) and everything after a close take uvicorn's own path.
        reader = self._reader
        if reader is None or self.close_sent or self.curr_msg_data_type != "bytes":
            super().send_receive_event_to_app()
            return
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        try:
            reader(data)
        except Exception:
            # A bug, not bad input (the reader refuses bad input itself): drop the
            # socket; the app then sees the disconnect and cleans up.
            log.exception("message handler failed")
            self._reader = None
            self.transport.close()

    def write_frame(self, frame: bytes) -> bool:
        if (
            not self.handshake_complete
            or self.close_sent
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True


class SprankelServer(uvicorn.Server):
    """uvicorn.Server that closes Sprankel's sockets with 1001 before uvicorn's own shutdown."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stop_waiting()  # a start-up still waiting for Redis gives up now
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # stop accepting first: nobody new joins a closing process
        app = getattr(self.config.loaded_app, "app", self.config.loaded_app)
        services = _find_services(app)
        if services is not None:
            await services.rooms.shutdown()
            for _ in range(20):  # up to 2 s for close handshakes to finish
                if not self.server_state.connections:
                    break
                await asyncio.sleep(0.1)
        await super().shutdown(sockets)


def _find_services(app: object) -> Services | None:
    # uvicorn wraps the app in middleware; walk down to the Starlette app.
    for _ in range(10):
        state = getattr(app, "state", None)
        services = getattr(state, "services", None)
        if isinstance(services, Services):
            return services
        app = getattr(app, "app", None)
        if app is None:
            return None
    return None


def serve(settings: Settings) -> None:
    """Serve in this one process (`--workers 1`); cli.py starts the supervisor otherwise."""
    app = create_app(settings)
    serve_metrics(settings, app)
    SprankelServer(uvicorn_config(settings, app)).run()


def serve_metrics(settings: Settings, app: Any, slot: int = 0) -> None:
    """The metrics on their own loopback address (--metrics-address), if asked for."""
    registry = getattr(app.state, "metrics", None)
    if registry is not None:
        metrics.serve_separately(settings, registry, slot)
