"""Publishing without waiting for Redis: an outbox that one task sends.

Publishing puts an update (or event, or awareness) in the outbox and returns; the
publisher task sends what has gathered in one pipeline, updates merged per
document, and keeps updates and events until Redis has taken them. So local
clients are served at full speed while Redis is slow or gone, and the queue is
sent when it returns.
"""

from __future__ import annotations

import asyncio

from ..._redis import REDIS_ERRORS, Backoff
from ._helpers import merge
from .connection import Connection

_AWARENESS_BACKLOG = 2000  # awareness messages queued for a slow Redis at most


class Outbox:
    def __init__(self, conn: Connection, stream_max_len: int, stream_ttl_s: int) -> None:
        self._conn = conn
        self._stream_max_len = stream_max_len
        self._stream_ttl_s = stream_ttl_s
        self._updates: dict[str, list[bytes]] = {}
        self._events: list[tuple[str, bytes]] = []
        self._awareness: list[tuple[str, bytes]] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()

    def add_update(self, document: str, update: bytes) -> None:
        self._updates.setdefault(document, []).append(update)
        self._wake()

    def add_awareness(self, document: str, payload: bytes) -> None:
        if len(self._awareness) >= _AWARENESS_BACKLOG:
            # Redis is slow: older cursor positions are stale anyway, keep the newest.
            del self._awareness[: _AWARENESS_BACKLOG // 2]
        self._awareness.append((document, payload))
        self._wake()

    def add_event(self, channel: str, data: bytes) -> None:
        self._events.append((channel, data))
        self._wake()

    def started(self) -> None:
        """The publisher is about to run: nothing is in flight yet."""
        self._idle.set()

    async def wait_sent(self) -> None:
        """Until Redis has taken everything queued."""
        await self._idle.wait()

    def _wake(self) -> None:
        self._idle.clear()
        self._wakeup.set()

    async def publish_loop(self) -> None:
        backoff = Backoff()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            updates, self._updates = self._updates, {}
            events, self._events = self._events, []
            awareness, self._awareness = self._awareness, []
            merged = {doc: await merge(parts) for doc, parts in updates.items()}
            try:
                await self._send(merged, events, awareness)
            except REDIS_ERRORS as error:
                self._conn.link.failed("publishing updates", error)
                # Keep updates and events for the next attempt (merged, so memory stays
                # about one document's size); awareness is stale by then anyway.
                for doc, update in merged.items():
                    self._updates.setdefault(doc, []).insert(0, update)
                for doc, parts in self._updates.items():
                    if len(parts) > 1:
                        self._updates[doc] = [await merge(parts)]
                self._events[:0] = events
                await backoff.sleep()
                self._wakeup.set()
                continue
            self._conn.link.ok()
            backoff.reset()
            if not (self._updates or self._events or self._awareness):
                self._idle.set()

    async def _send(
        self,
        updates: dict[str, bytes],
        events: list[tuple[str, bytes]],
        awareness: list[tuple[str, bytes]],
    ) -> None:
        if not (updates or events or awareness):
            return
        keys = self._conn.keys
        pid = self._conn.process_id.encode()
        async with self._conn.redis.pipeline(transaction=False) as pipe:
            for doc, update in updates.items():
                key = keys.updates(doc)
                pipe.xadd(key, {"p": pid, "u": update}, maxlen=self._stream_max_len)
                pipe.expire(key, self._stream_ttl_s)
            for channel, data in events:
                key = keys.events(channel)
                pipe.xadd(key, {"p": pid, "e": data}, maxlen=self._stream_max_len)
                pipe.expire(key, self._stream_ttl_s)
            # Sharded on a cluster: only the node of the document's slot hears it.
            publish = pipe.spublish if self._conn.cluster else pipe.publish
            for doc, payload in awareness:
                publish(keys.awareness(doc), pid + b" " + payload)
            await pipe.execute()
