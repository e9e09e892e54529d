"""Reading the streams of document updates and of events, each from the last id seen.

Why streams for updates and events: a reader keeps the last id it has seen per
stream, so after a blip it re-reads what it missed instead of losing it. Events
use streams too (not pub/sub) so that a notification such as "session locked"
survives a blip as well. After a blip each open document is also re-read from the
store (``recover``), which covers entries a restarted Redis lost or a trim removed
(every update is stored before it is published).

One task reads every stream this process has open with one blocking XREAD; a
stream opened meanwhile wakes it through the process's own ``wake:`` stream. On a
Redis Cluster one XREAD may only name keys of one slot, so there each open stream
has its own reading task (one blocking connection per open document and event
channel, on the node of its slot).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from redis.asyncio.cluster import RedisCluster

from ..._redis import REDIS_ERRORS, Backoff
from ..base import AwarenessHandler, EventHandler, OwnAwareness, Resend, UpdateHandler
from ._helpers import as_bytes, call, log, merge
from .connection import BLOCK_MS, Connection

# Reads the stored state of a document: the store's load().
Recover = Callable[[str], Awaitable[list[bytes]]]

SUBSCRIBE_WAIT_S = 1.0  # how long subscribing waits for Redis before it carries on
_READ_COUNT = 200  # entries per stream per XREAD

H = TypeVar("H")


@dataclass
class DocumentSubscriber:
    on_update: UpdateHandler
    on_awareness: AwarenessHandler
    own_awareness: OwnAwareness | None = None
    resend: Resend | None = None


@dataclass
class _Stream(ABC, Generic[H]):
    """A stream this process reads, with the last id it has seen."""

    key: str
    name: str  # document name, or event channel
    last_id: bytes
    handlers: list[H] = field(default_factory=list)

    @abstractmethod
    def deliver(self, fields: dict[bytes, bytes]) -> None:
        """Hand one entry another process wrote to every handler."""


@dataclass
class DocumentStream(_Stream[DocumentSubscriber]):
    """The updates of one document (field ``u``)."""

    def deliver(self, fields: dict[bytes, bytes]) -> None:
        update = fields.get(b"u")
        if update is not None:
            for subscriber in list(self.handlers):
                call(subscriber.on_update, update, self.key)


@dataclass
class EventStream(_Stream[EventHandler]):
    """The events of one channel (field ``e``: JSON)."""

    def deliver(self, fields: dict[bytes, bytes]) -> None:
        try:
            event = json.loads(fields[b"e"])
        except (KeyError, ValueError):
            log.error("malformed event in %s: %r", self.key, fields)
            return
        for handler in list(self.handlers):
            call(handler, event, self.key)

    def deliver_own(self, data: bytes) -> None:
        """This process's own event: its subscribers hear it at once, Redis or not."""
        loop = asyncio.get_running_loop()
        for handler in list(self.handlers):
            # A fresh copy each, as from the stream.
            loop.call_soon(call, handler, json.loads(data), self.key)


S = TypeVar("S", bound=_Stream[Any])


def _run(resend: Resend) -> None:
    resend()


class StreamReader:
    def __init__(self, conn: Connection, recover: Recover | None, stream_ttl_s: int) -> None:
        self._conn = conn
        self._recover = recover
        self._stream_ttl_s = stream_ttl_s
        self._streams: dict[str, _Stream[Any]] = {}
        self._wake_key = conn.keys.wake(conn.process_id)
        self._wake_id = b"0-0"
        self.background: set[asyncio.Task[None]] = set()  # wake-ups, cluster readers
        self._cluster_readers: set[asyncio.Task[None]] = set()  # also released ones, until done

    def document(self, document: str) -> DocumentStream | None:
        stream = self._streams.get(self._conn.keys.updates(document))
        return stream if isinstance(stream, DocumentStream) else None

    def events(self, channel: str) -> EventStream | None:
        stream = self._streams.get(self._conn.keys.events(channel))
        return stream if isinstance(stream, EventStream) else None

    async def open_document(self, document: str) -> DocumentStream:
        return await self._open(self._conn.keys.updates(document), document, DocumentStream)

    async def open_events(self, channel: str) -> EventStream:
        return await self._open(self._conn.keys.events(channel), channel, EventStream)

    def release(self, stream: _Stream[H], handler: H) -> bool:
        """Remove a handler; True when that left the stream unread, and it is forgotten."""
        if handler in stream.handlers:
            stream.handlers.remove(handler)
        if stream.handlers or self._streams.get(stream.key) is not stream:
            return False
        # A cluster reader ends after its current XREAD (cancelling it mid-read would
        # leave its connection half-read): see _read_one.
        del self._streams[stream.key]
        return True

    async def stop_cluster_readers(self) -> None:
        """Let every cluster reader finish its XREAD and end (closing the broker)."""
        readers = list(self._cluster_readers)
        self._streams.clear()
        if readers:
            await asyncio.wait(readers, timeout=BLOCK_MS / 1000 + 2)

    async def _open(self, key: str, name: str, kind: type[S]) -> S:
        stream = self._streams.get(key)
        if stream is None:
            position = await self._current_position(key)
            stream = self._streams.get(key)  # another subscriber may have opened it meanwhile
            if stream is None:
                stream = kind(key, name, position)
                self._streams[key] = stream
                if self._conn.cluster:
                    self._start_cluster_reader(stream)
                else:
                    # In the background: a slow Redis must not hold up the caller longer.
                    wake = asyncio.create_task(self._wake_reader(), name="wake redis reader")
                    self.background.add(wake)
                    wake.add_done_callback(self.background.discard)
        assert isinstance(stream, kind)  # the keys of the two kinds never meet
        return stream

    async def _current_position(self, key: str) -> bytes:
        """The id of the stream's newest entry: reading starts after it."""
        try:
            async with asyncio.timeout(SUBSCRIBE_WAIT_S):
                newest = await self._conn.redis.xrevrange(key, "+", "-", count=1)
        except REDIS_ERRORS as error:
            # Reading the whole retained stream instead repeats updates, which is harmless;
            # what it could miss was stored before the caller loads the document.
            log.warning("redis slow or gone while subscribing to %s (%s): reading from the "
                        "start of its stream", key, error or type(error).__name__)
            return b"0-0"
        return as_bytes(newest[0][0]) if newest else b"0-0"

    async def _recover_document(self, stream: DocumentStream) -> None:
        if self._recover is None or not stream.handlers:
            return
        try:
            parts = await self._recover(stream.name)
        except Exception as error:
            log.warning("could not re-read %s from the store after a Redis blip: %s",
                        stream.name, error)
            return
        if not parts:
            return
        state = await merge(parts)
        for subscriber in list(stream.handlers):
            call(subscriber.on_update, state, stream.key)

    def _resend(self, stream: DocumentStream) -> None:
        """After a failover: a promoted replica may lack the newest writes of its master
        (replication is asynchronous), in the stream and in a Redis store alike. Each
        process then publishes and stores its whole state of the document once more."""
        for subscriber in list(stream.handlers):
            if subscriber.resend is not None:
                call(_run, subscriber.resend, stream.key)

    async def _wake_reader(self) -> None:
        with contextlib.suppress(*REDIS_ERRORS):
            async with asyncio.timeout(SUBSCRIBE_WAIT_S), self._conn.redis.pipeline(
                transaction=False
            ) as pipe:
                pipe.xadd(self._wake_key, {"w": b"1"}, maxlen=1, approximate=False)
                pipe.expire(self._wake_key, self._stream_ttl_s)  # gone after the process
                await pipe.execute()

    def _start_cluster_reader(self, stream: _Stream[Any]) -> None:
        task = asyncio.create_task(self._read_one(stream), name=f"redis reader {stream.key}")
        for tasks in (self._cluster_readers, self.background):
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def _read_one(self, stream: _Stream[Any]) -> None:
        """A cluster's reader of one stream: XREAD on its slot's node, then the next.

        The cluster client follows a failover by itself (it retries on the promoted
        replica), so a failover shows as a new node for the stream's slot, often
        without an error: either one makes this process catch up and resend.
        """
        reader = self._conn.reader
        backoff = Backoff()
        missed = False
        node = self._node_of(stream.key)
        while self._streams.get(stream.key) is stream:
            try:
                reply = await reader.xread({stream.key: stream.last_id}, count=_READ_COUNT,
                                           block=BLOCK_MS)
            except REDIS_ERRORS as error:
                self._conn.link.failed("reading updates", error)
                missed = True
                await backoff.sleep()
                continue
            self._conn.link.ok()
            backoff.reset()
            if self._streams.get(stream.key) is not stream:
                return  # released meanwhile (a new subscriber has its own reader)
            for _, entries in cast(list[Any], reply or []):
                self._deliver(stream, entries)
            now = self._node_of(stream.key)
            if missed or now != node:
                missed, node = False, now
                if isinstance(stream, DocumentStream):
                    log.info("redis cluster: %s is on %s now: catching up", stream.name, now)
                    await self._recover_document(stream)
                    self._resend(stream)

    def _node_of(self, key: str) -> str | None:
        """The cluster node that holds a key's slot, as the client knows it now."""
        reader = self._conn.reader
        if not isinstance(reader, RedisCluster):
            return None
        try:
            node = reader.get_node_from_key(key)
        except REDIS_ERRORS:
            return None  # the slot map is being read again
        return None if node is None else str(node.name)

    async def read_loop(self) -> None:
        if self._conn.cluster:
            return  # each stream has its own reader (_read_one)
        reader = self._conn.reader
        backoff = Backoff()
        missed = False
        while True:
            streams: dict[Any, Any] = {s.key: s.last_id for s in self._streams.values()}
            streams[self._wake_key] = self._wake_id
            try:
                reply = await reader.xread(streams, count=_READ_COUNT, block=BLOCK_MS)
            except REDIS_ERRORS as error:
                self._conn.link.failed("reading updates", error)
                missed = True
                await backoff.sleep()
                continue
            self._conn.link.ok()
            backoff.reset()
            for key, entries in cast(list[Any], reply or []):
                self._dispatch(as_bytes(key).decode(), entries)
            if missed:
                missed = False
                await self._recover_documents()

    def _dispatch(self, key: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        if key == self._wake_key:
            self._wake_id = entries[-1][0]
            return
        stream = self._streams.get(key)
        if stream is None:
            return  # unsubscribed meanwhile
        self._deliver(stream, entries)

    def _deliver(self, stream: _Stream[Any],
                 entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        for entry_id, fields in entries:
            stream.last_id = entry_id
            if fields.get(b"p", b"").decode() == self._conn.process_id:
                # Its own updates this process has; its own events it delivered when
                # they were published.
                continue
            stream.deliver(fields)

    async def _recover_documents(self) -> None:
        """After a blip, hand each open document its stored state: it fills any gap."""
        if self._recover is None:
            return
        for stream in list(self._streams.values()):
            if isinstance(stream, DocumentStream):
                await self._recover_document(stream)
        log.info("caught up with the store after a Redis blip documents=%d",
                 sum(1 for s in self._streams.values() if isinstance(s, DocumentStream)))
