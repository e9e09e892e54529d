"""The rooms of one process: loading once, eviction after a grace period, shutdown.

A room is loaded by its first user (a connection, or the server reading or
changing a document) and everyone else waits for that one load, so nobody is
ever answered from a half-loaded document. When the last user leaves, the room
stays for a grace period, then writes a compacted snapshot and leaves memory.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pycrdt import Doc

from .. import status
from ..broker import Broker
from ..store import Store
from . import protocol
from .access import Access, Admission, Authorizer, Refusal
from .awareness import SERVER_CLIENT_IDS, AwarenessLimits
from .guard import UpdateLimits
from .room import Room
from .stats import SyncStats

T = TypeVar("T")

log = logging.getLogger("sprankel.sync")


async def refuse_all(name: str, params: object) -> Access | Refusal:
    return Refusal(status.CLOSE_NOT_FOUND, "no such document")


class RoomManager:
    def __init__(
        self, store: Store, broker: Broker, grace_s: float, outbox_limit: int,
        limits: UpdateLimits | None = None,
    ) -> None:
        self.store = store
        self.limits = limits or UpdateLimits()
        self.broker = broker
        self.grace_s = grace_s
        self.outbox_limit = outbox_limit
        self.awareness_limits = AwarenessLimits()  # app.py sets them from the settings
        self.stats = SyncStats()  # shared by every room and connection (metrics.py reads it)
        self._default_authorizer: Authorizer = refuse_all
        self._authorizers: dict[str, Authorizer] = {}  # by document name prefix
        self._admission: Admission | None = None
        self._rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Task[Room]] = {}
        self._closing: dict[str, asyncio.Task[None]] = {}
        self._evictions: dict[str, asyncio.TimerHandle] = {}
        self._stopping = False
        # This process's awareness client id for the states it publishes itself, and
        # their clock: one counter for every document, so it only grows in each.
        self.server_client_id = SERVER_CLIENT_IDS + secrets.randbelow(2**24)
        self._server_clock = itertools.count(1)

    def set_authorizer(self, authorizer: Authorizer) -> None:
        """The authorizer of every document no prefix-specific one claims."""
        self._default_authorizer = authorizer

    def add_authorizer(self, prefix: str, authorizer: Authorizer) -> None:
        """The authorizer of documents whose name starts with prefix (e.g. "spaces/")."""
        self._authorizers[prefix] = authorizer

    def set_admission(self, admission: Admission) -> None:
        """A check of every connection's handshake headers (Host, Origin) before any
        authorizer: the document sockets bypass the app's middleware."""
        self._admission = admission

    async def authorize(self, name: str, params: Mapping[str, str],
                        headers: Mapping[str, str] | None = None) -> Access | Refusal:
        if self._admission is not None and headers is not None:
            refusal = self._admission(headers)
            if refusal is not None:
                return refusal
        authorizer = next((a for prefix, a in self._authorizers.items()
                           if name.startswith(prefix)), self._default_authorizer)
        try:
            return await authorizer(name, params)
        except Exception:
            # A bug or a store failure: a refusal with a reason, not a dropped socket.
            log.exception("authorizer failed doc=%s", name)
            return Refusal(status.CLOSE_INTERNAL_ERROR, "access could not be checked")

    @property
    def stopping(self) -> bool:
        """True once shutdown() began: no room is loaded or changed any more."""
        return self._stopping

    @property
    def open_rooms(self) -> list[str]:
        return list(self._rooms)

    @property
    def open_connections(self) -> int:
        return sum(len(room.connections) for room in self._rooms.values())

    # Using rooms

    async def acquire(self, name: str) -> Room:
        """The loaded room of a document, counted as used until release()."""
        if self._stopping:
            raise RuntimeError("server is shutting down")
        while True:
            closing = self._closing.get(name)
            if closing is not None:
                await asyncio.shield(closing)
                continue
            room = self._rooms.get(name)
            if room is not None and room.failed is not None:
                # Its store refused a write: its memory may hold unstored edits. Load afresh;
                # the old room's clients are closing and will resend their edits.
                del self._rooms[name]
                self._closing[name] = asyncio.create_task(self._evict(room))
                continue
            if room is not None:
                break
            loading = self._loading.get(name)
            if loading is None:
                loading = asyncio.create_task(self._load(name), name=f"load {name}")
                self._loading[name] = loading
            room = await asyncio.shield(loading)
            if self._rooms.get(name) is room:
                break
        room.users += 1
        timer = self._evictions.pop(name, None)
        if timer is not None:
            timer.cancel()
        return room

    def release(self, room: Room) -> None:
        room.users -= 1
        if room.users > 0 or self._rooms.get(room.name) is not room:
            return
        if room.failed is not None:
            self._start_closing(room)  # the next user loads afresh from the store
            return
        loop = asyncio.get_running_loop()
        self._evictions[room.name] = loop.call_later(self.grace_s, self._start_closing, room)

    @asynccontextmanager
    async def using(self, name: str) -> AsyncIterator[Room]:
        room = await self.acquire(name)
        try:
            yield room
        finally:
            self.release(room)

    async def read(self, name: str, fn: Callable[[Doc[Any]], T]) -> T:
        """Read a document's current state (loading it if needed)."""
        async with self.using(name) as room:
            return fn(room.doc)

    async def apply_server_change(self, name: str, change: Callable[[Doc[Any]], None]) -> None:
        """Change a document as the server: stored, then sent to every client and process."""
        async with self.using(name) as room:
            before = room.doc.get_state()
            with room.doc.transaction(origin="sprankel-server"):
                change(room.doc)
            update = room.doc.get_update(before)
            if update == b"\x00\x00":
                return
            await room.wait_stored(room.apply_local_update(update))

    async def publish_server_state(self, name: str, state: dict[str, Any]) -> None:
        """Publish an awareness state of the server's own on a document: to its connections
        here and, through the broker, in every other process. Ephemeral: never stored,
        never in the snapshot a newcomer gets. A document not open here is not loaded."""
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        entry = protocol.encode_awareness_entry(self.server_client_id,
                                                next(self._server_clock), text)
        room = self._rooms.get(name)
        if room is not None and room.failed is None:
            room.relay_server_state(entry)
            return
        await self.broker.publish_awareness(name, protocol.write_var_uint(1) + entry)

    async def close_connections(self, prefix: str, code: int, reason: str) -> None:
        """Close every connection to documents whose name starts with prefix."""
        await self.close_where(prefix, lambda access: True, code, reason)

    async def close_where(self, prefix: str, match: Callable[[Access], bool], code: int,
                          reason: str) -> int:
        """Close the connections to documents under prefix whose access matches (one
        user's, one role's); returns how many were closed."""
        closed = 0
        for room in list(self._rooms.values()):
            if room.name.startswith(prefix):
                for conn in list(room.connections):
                    if not conn.closing and match(conn.access):
                        conn.close(code, reason)
                        closed += 1
        return closed

    async def drop(self, prefix: str, code: int, reason: str) -> None:
        """Forget the documents whose name starts with prefix (they are being deleted):
        close their connections and leave memory without writing anything back."""
        for name in [n for n in self._rooms if n.startswith(prefix)]:
            room = self._rooms.pop(name)
            timer = self._evictions.pop(name, None)
            if timer is not None:
                timer.cancel()
            for conn in list(room.connections):
                conn.close(code, reason)
            await room.discard()
            log.info("room dropped doc=%s", name)

    # Loading and eviction

    async def _load(self, name: str) -> Room:
        room = Room(name, self.store, self.broker, self.limits, self.stats)
        room.awareness.limits = self.awareness_limits
        try:
            await room.load()
        except BaseException:
            await room.close()
            raise
        finally:
            self._loading.pop(name, None)
        self._rooms[name] = room
        return room

    def _start_closing(self, room: Room) -> None:
        self._evictions.pop(room.name, None)
        if room.users > 0 or self._rooms.get(room.name) is not room:
            return
        del self._rooms[room.name]
        task = asyncio.create_task(self._evict(room), name=f"evict {room.name}")
        self._closing[room.name] = task

    async def _evict(self, room: Room) -> None:
        try:
            await room.close()
            if room.failed is None:
                await self.store.compact(room.name)
            log.info("room evicted doc=%s", room.name)
        except Exception:
            log.exception("room eviction failed doc=%s", room.name)
        finally:
            self._closing.pop(room.name, None)

    async def shutdown(self) -> None:
        """Close every socket with 1001 (clients reconnect elsewhere), flush every room."""
        self._stopping = True
        for timer in self._evictions.values():
            timer.cancel()
        self._evictions.clear()
        rooms = list(self._rooms.values())
        for room in rooms:
            for conn in list(room.connections):
                conn.close(status.CLOSE_GOING_AWAY, "server shutting down")
        for room in rooms:
            try:
                await room.close()
                if room.failed is None:
                    await self.store.compact(room.name)
            except Exception:
                log.exception("flush on shutdown failed doc=%s", room.name)
        self._rooms.clear()
        if self._closing:
            await asyncio.gather(*self._closing.values(), return_exceptions=True)
