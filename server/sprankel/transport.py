"""Connections before the app sees them: a header timeout, a cap per address, open files.

uvicorn has no timeout on incomplete request headers: a client that sends half a
request line and then nothing (slowloris) holds its socket, and a file descriptor,
for as long as it likes. ``GuardedH11Protocol`` closes a connection whose request
headers are not complete within ``--header-timeout-s`` (408), on the first request
and on every later one of a keep-alive connection, and refuses connections beyond
``--connections-per-address`` from one peer (429) at once. The WebSocket protocol
(server.py) releases the slot of an upgraded connection and times out its handshake.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
from collections.abc import Sequence
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .ratelimits import ConcurrencyLimit, client_key, warn_now_and_then
from .responses import error_body

log = logging.getLogger("sprankel")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LINGER_S = 1.0  # how long a refused connection is read (and ignored) before it is closed


def _response(status: bytes, body: bytes, content_type: bytes, extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 " + status + b"\r\nconnection: close\r\n" + extra
            + b"content-type: " + content_type + b"\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


_TIMEOUT_RESPONSE = _response(b"408 Request Timeout",
                              b"the request headers did not arrive in time\n",
                              b"text/plain; charset=utf-8")
_BUSY_BODY = error_body("too_many_connections",
                        "too many connections from your address; close some and try again")
_BUSY_RESPONSE = _response(b"429 Too Many Requests", _BUSY_BODY, b"application/json",
                           b"retry-after: 10\r\n")


class ConnectionGuard:
    """Open TCP connections by peer address, and the time allowed for request headers."""

    def __init__(self, per_address: int, header_timeout_s: float,
                 trusted_proxies: Sequence[Network] = ()) -> None:
        self.header_timeout_s = header_timeout_s
        self.trusted_proxies = tuple(trusted_proxies)
        self._counts = ConcurrencyLimit(per_address)
        self._open: dict[int, str] = {}  # id(transport) -> its key, while it counts

    def admit(self, transport: asyncio.BaseTransport, host: str | None) -> bool:
        if host is None or self._is_proxy(host):
            return True  # a proxy carries many clients; the app limits them one by one
        key = client_key(host)
        if not self._counts.acquire(key):
            warn_now_and_then(log, "connections per address",
                              "refused a connection: %d already open from %s",
                              self._counts.limit, key)
            return False
        self._open[id(transport)] = key
        return True

    def release(self, transport: asyncio.BaseTransport) -> None:
        key = self._open.pop(id(transport), None)  # idempotent: HTTP or WebSocket side
        if key is not None:
            self._counts.release(key)

    def _is_proxy(self, host: str) -> bool:
        if not self.trusted_proxies:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted_proxies)


class SprankelConfig(uvicorn.Config):
    """uvicorn's Config, carrying the connection guard to the protocols it creates."""

    def __init__(self, app: Any, *, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.guard = guard


def guard_of(config: object) -> ConnectionGuard | None:
    guard = getattr(config, "guard", None)
    return guard if isinstance(guard, ConnectionGuard) else None


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol (the one it picks here: httptools is not installed), with
    the header timeout and the per-address cap of ConnectionGuard."""

    _header_timer: asyncio.TimerHandle | None = None
    _refused = False  # answered (408 or 429) and closing
    guard: ConnectionGuard | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard = guard_of(self.config)
        if self.guard is None:
            return
        if not self.guard.admit(transport, self.client[0] if self.client else None):
            self._answer_and_close(_BUSY_RESPONSE)
            return
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already; read and dropped, so that closing sends no reset
        # A new request on a keep-alive connection gets its own time for its headers.
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self.guard is not None:
            self.guard.release(self.transport)
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self.guard is not None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.guard.header_timeout_s,
                                                      self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        warn_now_and_then(log, "header timeout", "closed a connection from %s: no complete "
                          "request headers in %.0f s (a slow or half-open client)",
                          self.client[0] if self.client else "-",
                          self.guard.header_timeout_s if self.guard else 0)
        self._answer_and_close(_TIMEOUT_RESPONSE)

    def _answer_and_close(self, response: bytes) -> None:
        # Closing a socket with unread bytes sends a reset, and the client may lose the
        # answer: send it, end our side, and close a moment later.
        self._refused = True
        self.transport.write(response)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_S, self.transport.close)


def raise_open_files_limit() -> None:
    """Raise the soft limit on open files to the hard one: each connection is a file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        log.info("open files limit %s", soft)
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as refused:
        log.warning("open files limit stays %d: raising it to %d failed: %s", soft, target,
                    refused)
        return
    log.info("open files limit raised from %d to %d", soft, target)
