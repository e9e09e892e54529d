"""The Redis broker: fan-out, presence and leases between processes and hosts.

Keys and channels, under a prefix (``sprankel:`` by default):

- ``upd:{name}``      a stream of document updates (fields ``p``: publishing process,
                      ``u``: update), trimmed to about ``stream_max_len`` entries and
                      expiring ``stream_ttl_s`` after its last update
- ``aw:{name}``       a pub/sub channel of awareness: the process id, a space, the payload
- ``ev:{channel}``    a stream of events (fields ``p``: publishing process, ``e``: JSON);
                      a process's own subscribers get its events directly
- ``presence:{name}`` a hash: connection id -> presence entry as JSON
- ``process:{id}``    a live process's heartbeat (its time), expiring after ``presence_ttl_s``
- ``lease:{key}``     an acquire_once lease (SET NX PX)
- ``wake:{id}``       a stream that wakes this process's reader when it subscribes anew

Why streams for updates and events: a reader keeps the last id it has seen per
stream, so after a blip it re-reads what it missed instead of losing it. Events
use streams too (not pub/sub) so that a notification such as "session locked"
survives a blip as well. Awareness uses pub/sub: a lost cursor position is
replaced by the next one.

How it survives Redis faults. Publishing never waits for Redis: it puts the
update in an outbox that one task sends (merged per document) and keeps until
Redis has taken it. Presence changes are written by a heartbeat task (a join waits
for it half a second at most), reading presence waits a second at most, and
subscribing about two. So local clients are served at full speed while Redis is
slow or gone, and every process catches up when it returns: its outbox is sent, its reader
continues from its last ids, and each open document is also re-read from the store
(``recover``), which covers entries a restarted Redis lost or a trim removed
(every update is stored before it is published).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from pycrdt import merge_updates
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from .._redis import (
    REDIS_ERRORS,
    STARTUP_WAIT_S,
    Backoff,
    Link,
    RedisUnavailable,
    connect,
    wait_until_reachable,
)
from .base import (
    AwarenessHandler,
    Broker,
    EventHandler,
    PresenceEntry,
    Subscription,
    UpdateHandler,
)

log = logging.getLogger("sprankel.redis")

# Reads the stored state of a document: the store's load().
Recover = Callable[[str], Awaitable[list[bytes]]]

_BLOCK_MS = 1000  # a blocking XREAD returns at least this often
_READ_COUNT = 200  # entries per stream per XREAD
_SUBSCRIBE_WAIT_S = 1.0  # how long subscribing waits for Redis before it carries on
_JOIN_WAIT_S = 0.5  # how long presence_join waits to see its entry written
_AWARENESS_BACKLOG = 2000  # awareness messages queued for a slow Redis at most
_PRESENCE_READ_WAIT_S = 1.0  # then presence() answers with this process's connections
_FLUSH_ON_CLOSE_S = 2.0
_HASH_REFRESH_BEATS = 10  # presence hashes get a new expiry every this many heartbeats


@dataclass
class _DocSubscriber:
    on_update: UpdateHandler
    on_awareness: AwarenessHandler


@dataclass
class _Stream:
    """A stream this process reads, with the last id it has seen."""

    key: str
    name: str  # document name, or event channel
    is_document: bool
    last_id: bytes
    handlers: list[Any] = field(default_factory=list)  # _DocSubscriber or EventHandler


class _Closer(Subscription):
    def __init__(self, close: Callable[[], Awaitable[None]]) -> None:
        self._close: Callable[[], Awaitable[None]] | None = close

    async def close(self) -> None:
        if self._close is not None:
            close, self._close = self._close, None
            await close()


class RedisBroker(Broker):
    def __init__(
        self,
        url: str,
        *,
        recover: Recover | None = None,
        key_prefix: str = "sprankel:",
        stream_max_len: int = 1000,
        stream_ttl_s: int = 3600,
        heartbeat_s: float = 3.0,
        presence_ttl_s: float = 10.0,
        startup_wait_s: float = STARTUP_WAIT_S,
    ) -> None:
        self.process_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._url = url
        self._recover = recover
        self._prefix = key_prefix
        self._stream_max_len = stream_max_len
        self._stream_ttl_s = stream_ttl_s
        self._heartbeat_s = heartbeat_s
        self._presence_ttl_s = presence_ttl_s
        self._startup_wait_s = startup_wait_s
        # One for all loops: one log line when Redis goes away, one when it is back.
        self._link = Link("redis broker", url)
        self._client: Redis | None = None
        self._reader_client: Redis | None = None  # its own connection for blocking reads
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        # Reading
        self._streams: dict[str, _Stream] = {}
        self._wake_key = f"{key_prefix}wake:{self.process_id}"
        self._wake_id = b"0-0"
        # Awareness (pub/sub)
        self._pubsub: PubSub | None = None
        self._aw_confirmed: dict[str, asyncio.Event] = {}
        # Publishing
        self._outbox_updates: dict[str, list[bytes]] = {}
        self._outbox_events: list[tuple[str, bytes]] = []
        self._outbox_awareness: list[tuple[str, bytes]] = []
        self._outbox_wakeup = asyncio.Event()
        self._outbox_idle = asyncio.Event()
        # Presence
        self._local_presence: dict[str, dict[str, PresenceEntry]] = {}
        self._presence_gone: dict[str, set[str]] = {}
        self._presence_dirty: set[str] = set()
        self._presence_wakeup = asyncio.Event()
        self._presence_requested = 0
        self._presence_written = 0
        self._presence_progress = asyncio.Condition()
        self._beats = 0

    # Life cycle

    async def start(self) -> None:
        """Connect, waiting up to startup_wait_s for Redis (then RedisUnavailable)."""
        self._client = connect(self._url)
        self._reader_client = connect(self._url, socket_timeout=_BLOCK_MS / 1000 + 5)
        try:
            await wait_until_reachable(self._client, self._url, "redis broker",
                                       self._startup_wait_s)
        except RedisUnavailable:
            await self._close_clients()
            raise
        self._outbox_idle.set()
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="redis reader"),
            asyncio.create_task(self._listen_loop(), name="redis awareness"),
            asyncio.create_task(self._publish_loop(), name="redis publisher"),
            asyncio.create_task(self._presence_loop(), name="redis presence"),
        ]
        log.info("redis broker connected process=%s", self.process_id)

    async def close(self) -> None:
        if self._client is None:
            return
        # Hand over what is still queued, then say goodbye (briefly: Redis may be gone).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_FLUSH_ON_CLOSE_S):
                await self._outbox_idle.wait()
        self._tasks.extend(self._background)
        await self._stop_tasks()
        with contextlib.suppress(*REDIS_ERRORS):
            async with asyncio.timeout(_FLUSH_ON_CLOSE_S):
                await self._forget_own_presence()
        await self._close_clients()

    async def _stop_tasks(self) -> None:
        # Cancel again while any task is left: a cancellation that races with a timeout
        # inside a library can be lost (seen with redis-py on Python 3.11).
        for _ in range(50):
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                break
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=0.1)
        self._tasks = []

    async def _close_clients(self) -> None:
        for client in (self._client, self._reader_client):
            if client is not None:
                with contextlib.suppress(*REDIS_ERRORS):
                    await client.aclose()
        self._client = self._reader_client = None

    # Documents

    async def subscribe(
        self, document: str, on_update: UpdateHandler, on_awareness: AwarenessHandler
    ) -> Subscription:
        subscriber = _DocSubscriber(on_update, on_awareness)
        stream = await self._open_stream(self._doc_key(document), document, True)
        stream.handlers.append(subscriber)
        await self._subscribe_awareness(document)

        async def close() -> None:
            if subscriber in stream.handlers:
                stream.handlers.remove(subscriber)
            if not stream.handlers and self._streams.get(stream.key) is stream:
                del self._streams[stream.key]
                await self._unsubscribe_awareness(document)

        return _Closer(close)

    async def publish_update(self, document: str, update: bytes) -> None:
        self._outbox_updates.setdefault(document, []).append(update)
        self._wake_publisher()

    async def publish_awareness(self, document: str, payload: bytes) -> None:
        if len(self._outbox_awareness) >= _AWARENESS_BACKLOG:
            # Redis is slow: older cursor positions are stale anyway, keep the newest.
            del self._outbox_awareness[: _AWARENESS_BACKLOG // 2]
        self._outbox_awareness.append((document, payload))
        self._wake_publisher()

    # Events

    async def publish_event(self, channel: str, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode()
        # This process's own subscribers hear it at once, Redis or not (and skip the
        # copy in the stream); a fresh copy each, as from the stream.
        stream = self._streams.get(self._event_key(channel))
        if stream is not None:
            loop = asyncio.get_running_loop()
            for handler in list(stream.handlers):
                loop.call_soon(_call, handler, json.loads(data), stream.key)
        self._outbox_events.append((channel, data))
        self._wake_publisher()

    async def subscribe_events(self, channel: str, handler: EventHandler) -> Subscription:
        stream = await self._open_stream(self._event_key(channel), channel, False)
        stream.handlers.append(handler)

        async def close() -> None:
            if handler in stream.handlers:
                stream.handlers.remove(handler)
            if not stream.handlers and self._streams.get(stream.key) is stream:
                del self._streams[stream.key]

        return _Closer(close)

    # Presence

    async def presence_join(self, entry: PresenceEntry) -> None:
        self._local_presence.setdefault(entry.document, {})[entry.connection_id] = entry
        self._presence_gone.get(entry.document, set()).discard(entry.connection_id)
        await self._presence_changed(entry.document)

    async def presence_leave(self, document: str, connection_id: str) -> None:
        entries = self._local_presence.get(document, {})
        if entries.pop(connection_id, None) is None:
            return
        if not entries:
            self._local_presence.pop(document, None)
        self._presence_gone.setdefault(document, set()).add(connection_id)
        await self._presence_changed(document)

    async def presence(self, document: str) -> list[PresenceEntry]:
        now = time.time()
        local = [replace(e, last_seen=now) for e in self._local_presence.get(document, {}).values()]
        try:
            # A slow Redis must not hold up the page that shows who is here.
            async with asyncio.timeout(_PRESENCE_READ_WAIT_S):
                others = await self._remote_presence(document)
        except REDIS_ERRORS as error:
            self._link.failed("reading presence", error)  # one line per outage, not per call
            others = []
        return sorted(local + others, key=lambda e: (e.connected_at, e.connection_id))

    async def _remote_presence(self, document: str) -> list[PresenceEntry]:
        key = self._presence_key(document)
        raw = await self._redis.hgetall(key)
        entries: list[PresenceEntry] = []
        for value in raw.values():
            try:
                entries.append(PresenceEntry(**json.loads(value)))
            except (ValueError, TypeError):
                continue
        processes = sorted({e.process for e in entries} - {self.process_id})
        beats: list[Any] = []
        if processes:
            beats = await self._redis.mget([self._process_key(p) for p in processes])
        alive = {p: float(b) for p, b in zip(processes, beats, strict=True) if b is not None}
        live, dead = [], []
        for e in entries:
            if e.process == self.process_id:
                continue  # this process's own entries come from memory
            if e.process in alive:
                live.append(replace(e, last_seen=alive[e.process]))
            else:
                dead.append(e.connection_id)
        if dead:
            # The process stopped beating (crashed): its connections are gone.
            await self._redis.hdel(key, *dead)
        return live

    # Once-only work

    async def acquire_once(self, key: str, ttl_s: float) -> bool:
        """Take the lease; while Redis does not answer, retry briefly, then say False.

        False when Redis is unreachable is the safe answer: nobody does the work twice,
        and a caller that must see it done tries again later (the round timer does).
        """
        lease = f"{self._prefix}lease:{key}"
        token = f"{self.process_id}:{uuid.uuid4().hex}"
        backoff = Backoff()
        deadline = time.monotonic() + min(ttl_s, 5.0)
        while True:
            try:
                if await self._redis.set(lease, token, nx=True, px=max(1, int(ttl_s * 1000))):
                    return True
                # A retry after a lost reply finds our own token: we hold the lease.
                holder = await self._redis.get(lease)
                return holder is not None and _bytes(holder).decode() == token
            except REDIS_ERRORS as error:
                if time.monotonic() >= deadline:
                    log.warning("lease %r not taken: Redis does not answer (%s)", key, error)
                    return False
                await backoff.sleep()

    # Reading streams

    async def _open_stream(self, key: str, name: str, is_document: bool) -> _Stream:
        stream = self._streams.get(key)
        if stream is not None:
            return stream
        position = await self._current_position(key)
        stream = self._streams.get(key)  # another subscriber may have opened it meanwhile
        if stream is None:
            stream = _Stream(key, name, is_document, position)
            self._streams[key] = stream
            # In the background: a slow Redis must not hold up the caller any longer.
            wake = asyncio.create_task(self._wake_reader(), name="wake redis reader")
            self._background.add(wake)
            wake.add_done_callback(self._background.discard)
        return stream

    async def _current_position(self, key: str) -> bytes:
        """The id of the stream's newest entry: reading starts after it."""
        try:
            async with asyncio.timeout(_SUBSCRIBE_WAIT_S):
                newest = await self._redis.xrevrange(key, "+", "-", count=1)
        except REDIS_ERRORS as error:
            # Reading the whole retained stream instead repeats updates, which is harmless;
            # what it could miss was stored before the caller loads the document.
            log.warning("redis slow or gone while subscribing to %s (%s): reading from the "
                        "start of its stream", key, error or type(error).__name__)
            return b"0-0"
        return _bytes(newest[0][0]) if newest else b"0-0"

    async def _wake_reader(self) -> None:
        with contextlib.suppress(*REDIS_ERRORS):
            async with asyncio.timeout(_SUBSCRIBE_WAIT_S), self._redis.pipeline(
                transaction=False
            ) as pipe:
                pipe.xadd(self._wake_key, {"w": b"1"}, maxlen=1, approximate=False)
                pipe.expire(self._wake_key, self._stream_ttl_s)  # gone after the process
                await pipe.execute()

    async def _read_loop(self) -> None:
        assert self._reader_client is not None
        reader = self._reader_client
        backoff = Backoff()
        missed = False
        while True:
            streams: dict[Any, Any] = {s.key: s.last_id for s in self._streams.values()}
            streams[self._wake_key] = self._wake_id
            try:
                reply = await reader.xread(streams, count=_READ_COUNT, block=_BLOCK_MS)
            except REDIS_ERRORS as error:
                self._link.failed("reading updates", error)
                missed = True
                await backoff.sleep()
                continue
            self._link.ok()
            backoff.reset()
            for key, entries in cast(list[Any], reply or []):
                self._dispatch(_bytes(key).decode(), entries)
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
        for entry_id, fields in entries:
            stream.last_id = entry_id
            if stream.is_document:
                if fields.get(b"p", b"").decode() == self.process_id:
                    continue
                update = fields.get(b"u")
                if update is not None:
                    for subscriber in list(stream.handlers):
                        _call(subscriber.on_update, update, key)
            else:
                if fields.get(b"p", b"").decode() == self.process_id:
                    continue  # delivered locally when it was published
                try:
                    event = json.loads(fields[b"e"])
                except (KeyError, ValueError):
                    log.error("malformed event in %s: %r", key, fields)
                    continue
                for handler in list(stream.handlers):
                    _call(handler, event, key)

    async def _recover_documents(self) -> None:
        """After a blip, hand each open document its stored state: it fills any gap."""
        if self._recover is None:
            return
        for stream in list(self._streams.values()):
            if not stream.is_document or not stream.handlers:
                continue
            try:
                parts = await self._recover(stream.name)
            except Exception as error:
                log.warning("could not re-read %s from the store after a Redis blip: %s",
                            stream.name, error)
                continue
            if not parts:
                continue
            state = parts[0] if len(parts) == 1 else await asyncio.to_thread(
                merge_updates, *parts
            )
            for subscriber in list(stream.handlers):
                _call(subscriber.on_update, state, stream.key)
        log.info("caught up with the store after a Redis blip documents=%d",
                 sum(1 for s in self._streams.values() if s.is_document))

    # Awareness through pub/sub

    async def _subscribe_awareness(self, document: str) -> None:
        channel = self._aw_channel(document)
        confirmed = self._aw_confirmed.setdefault(channel, asyncio.Event())
        pubsub = self._pubsub
        if pubsub is None:
            return  # the listener subscribes to every open document when it reconnects
        try:
            async with asyncio.timeout(_SUBSCRIBE_WAIT_S):
                await pubsub.subscribe(channel)
                # Wait for Redis to confirm, so awareness sent right after this call arrives.
                await confirmed.wait()
        except REDIS_ERRORS as error:
            self._link.failed("subscribing to awareness", error)

    async def _unsubscribe_awareness(self, document: str) -> None:
        channel = self._aw_channel(document)
        self._aw_confirmed.pop(channel, None)
        if self._pubsub is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                async with asyncio.timeout(_SUBSCRIBE_WAIT_S):
                    await self._pubsub.unsubscribe(channel)

    async def _listen_loop(self) -> None:
        backoff = Backoff()
        own_channel = f"{self._prefix}ctl:{self.process_id}"  # keeps the connection subscribed
        while True:
            pubsub = self._redis.pubsub()
            try:
                for event in self._aw_confirmed.values():
                    event.clear()
                await pubsub.subscribe(own_channel, *self._aw_confirmed)
                self._pubsub = pubsub
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._on_pubsub_message(message)
                        self._link.ok()
                        backoff.reset()
            except REDIS_ERRORS as error:
                self._link.failed("receiving awareness", error)
            finally:
                self._pubsub = None
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await backoff.sleep()

    def _on_pubsub_message(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if message["type"] == "subscribe":
            confirmed = self._aw_confirmed.get(channel)
            if confirmed is not None:
                confirmed.set()
            return
        if message["type"] != "message":
            return
        sender, _, payload = bytes(message["data"]).partition(b" ")
        if sender.decode() == self.process_id:
            return
        prefix = f"{self._prefix}aw:"
        stream = self._streams.get(self._doc_key(channel[len(prefix):]))
        if stream is None:
            return
        for subscriber in list(stream.handlers):
            _call(subscriber.on_awareness, payload, channel)

    # Publishing

    def _wake_publisher(self) -> None:
        self._outbox_idle.clear()
        self._outbox_wakeup.set()

    async def _publish_loop(self) -> None:
        backoff = Backoff()
        while True:
            await self._outbox_wakeup.wait()
            self._outbox_wakeup.clear()
            updates, self._outbox_updates = self._outbox_updates, {}
            events, self._outbox_events = self._outbox_events, []
            awareness, self._outbox_awareness = self._outbox_awareness, []
            merged = {doc: await _merge(parts) for doc, parts in updates.items()}
            try:
                await self._send(merged, events, awareness)
            except REDIS_ERRORS as error:
                self._link.failed("publishing updates", error)
                # Keep updates and events for the next attempt (merged, so memory stays
                # about one document's size); awareness is stale by then anyway.
                for doc, update in merged.items():
                    self._outbox_updates.setdefault(doc, []).insert(0, update)
                for doc, parts in self._outbox_updates.items():
                    if len(parts) > 1:
                        self._outbox_updates[doc] = [await _merge(parts)]
                self._outbox_events[:0] = events
                await backoff.sleep()
                self._outbox_wakeup.set()
                continue
            self._link.ok()
            backoff.reset()
            if not (self._outbox_updates or self._outbox_events or self._outbox_awareness):
                self._outbox_idle.set()

    async def _send(
        self,
        updates: dict[str, bytes],
        events: list[tuple[str, bytes]],
        awareness: list[tuple[str, bytes]],
    ) -> None:
        if not (updates or events or awareness):
            return
        pid = self.process_id.encode()
        async with self._redis.pipeline(transaction=False) as pipe:
            for doc, update in updates.items():
                key = self._doc_key(doc)
                pipe.xadd(key, {"p": pid, "u": update}, maxlen=self._stream_max_len)
                pipe.expire(key, self._stream_ttl_s)
            for channel, data in events:
                key = self._event_key(channel)
                pipe.xadd(key, {"p": pid, "e": data}, maxlen=self._stream_max_len)
                pipe.expire(key, self._stream_ttl_s)
            for doc, payload in awareness:
                pipe.publish(self._aw_channel(doc), pid + b" " + payload)
            await pipe.execute()

    # Presence writing and heartbeats

    async def _presence_changed(self, document: str) -> None:
        """Have the presence task write a change; wait briefly for it (never for long)."""
        self._presence_dirty.add(document)
        self._presence_requested += 1
        wanted = self._presence_requested
        self._presence_wakeup.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_JOIN_WAIT_S), self._presence_progress:
                await self._presence_progress.wait_for(
                    lambda: self._presence_written >= wanted
                )

    async def _presence_loop(self) -> None:
        backoff = Backoff()
        next_beat = 0.0
        rewrite_all = True  # after start and after a blip: Redis may have lost our entries
        while True:
            delay = next_beat - time.monotonic()
            if delay > 0 and not self._presence_wakeup.is_set():
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
                # cancellation that coincides with its timeout, and close() would hang.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._presence_wakeup.wait()
            self._presence_wakeup.clear()
            requested = self._presence_requested
            dirty, self._presence_dirty = self._presence_dirty, set()
            beat = time.monotonic() >= next_beat
            if rewrite_all:
                dirty |= set(self._local_presence)
            try:
                await self._write_presence(dirty, beat)
            except REDIS_ERRORS as error:
                self._link.failed("writing presence", error)
                self._presence_dirty |= dirty
                rewrite_all = True
                await backoff.sleep()
                next_beat = 0.0
                continue
            self._link.ok()
            backoff.reset()
            rewrite_all = False
            if beat:
                next_beat = time.monotonic() + self._heartbeat_s
                self._beats += 1
            async with self._presence_progress:
                self._presence_written = requested
                self._presence_progress.notify_all()

    async def _write_presence(self, dirty: set[str], beat: bool) -> None:
        ttl_ms = int(self._presence_ttl_s * 1000)
        hash_ttl = max(60, int(self._heartbeat_s * _HASH_REFRESH_BEATS * 3))
        gone = {doc: self._presence_gone.pop(doc) for doc in dirty if doc in self._presence_gone}
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                # The heartbeat goes first: entries are only trusted while it is alive.
                if beat or dirty:
                    pipe.set(self._process_key(self.process_id), str(time.time()), px=ttl_ms)
                for doc in dirty:
                    key = self._presence_key(doc)
                    if gone.get(doc):
                        pipe.hdel(key, *gone[doc])
                    entries = self._local_presence.get(doc)
                    if entries:
                        pipe.hset(key, mapping={
                            cid: json.dumps(e.to_json()) for cid, e in entries.items()
                        })
                        pipe.expire(key, hash_ttl)
                # The hashes outlive a crashed process by hash_ttl at most; refreshing
                # them every few beats (not every beat) is enough for live ones.
                if beat and self._beats % _HASH_REFRESH_BEATS == 0:
                    for doc in self._local_presence.keys() - dirty:
                        pipe.expire(self._presence_key(doc), hash_ttl)
                await pipe.execute()
        except BaseException:
            for doc, ids in gone.items():
                self._presence_gone.setdefault(doc, set()).update(ids)
            raise

    async def _forget_own_presence(self) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for doc, entries in self._local_presence.items():
                pipe.hdel(self._presence_key(doc), *entries)
            pipe.delete(self._process_key(self.process_id))
            await pipe.execute()

    # Keys

    @property
    def _redis(self) -> Redis:
        if self._client is None:
            raise RuntimeError("the broker is not started")
        return self._client

    def _doc_key(self, document: str) -> str:
        return f"{self._prefix}upd:{document}"

    def _event_key(self, channel: str) -> str:
        return f"{self._prefix}ev:{channel}"

    def _aw_channel(self, document: str) -> str:
        return f"{self._prefix}aw:{document}"

    def _presence_key(self, document: str) -> str:
        return f"{self._prefix}presence:{document}"

    def _process_key(self, process: str) -> str:
        return f"{self._prefix}process:{process}"


async def _merge(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    # Merging large updates takes a while: keep the event loop free.
    return await asyncio.to_thread(merge_updates, *parts)


def _bytes(value: object) -> bytes:
    # redis-py's types allow str too, but without decode_responses Redis hands us bytes.
    assert isinstance(value, bytes), value
    return value


def _call(handler: Callable[[Any], None], value: Any, source: str) -> None:
    try:
        handler(value)
    except Exception:
        log.exception("subscriber failed on a message from %s", source)
