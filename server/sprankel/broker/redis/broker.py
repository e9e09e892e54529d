"""RedisBroker: the parts of this package put together behind the Broker interface.

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
from collections.abc import Awaitable, Callable
from typing import Any

from ..._redis import REDIS_ERRORS, STARTUP_WAIT_S
from ..base import (
    AwarenessHandler,
    Broker,
    EventHandler,
    PresenceEntry,
    Subscription,
    UpdateHandler,
)
from . import leases
from ._helpers import log
from .awareness import Awareness
from .connection import Connection
from .keys import Keys
from .outbox import Outbox
from .presence import Presence
from .streams import DocumentSubscriber, Recover, StreamReader

_FLUSH_ON_CLOSE_S = 2.0


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
        self._conn = Connection(url, Keys(key_prefix))
        self.process_id = self._conn.process_id
        self._startup_wait_s = startup_wait_s
        self._reader = StreamReader(self._conn, recover, stream_ttl_s)
        self._awareness = Awareness(self._conn, self._reader)
        self._outbox = Outbox(self._conn, stream_max_len, stream_ttl_s)
        self._presence = Presence(self._conn, heartbeat_s, presence_ttl_s)
        self._tasks: list[asyncio.Task[None]] = []

    # Life cycle

    async def start(self) -> None:
        """Connect, waiting up to startup_wait_s for Redis (then RedisUnavailable)."""
        await self._conn.open(self._startup_wait_s)
        self._outbox.started()
        self._tasks = [
            asyncio.create_task(self._reader.read_loop(), name="redis reader"),
            asyncio.create_task(self._awareness.listen_loop(), name="redis awareness"),
            asyncio.create_task(self._outbox.publish_loop(), name="redis publisher"),
            asyncio.create_task(self._presence.heartbeat_loop(), name="redis presence"),
        ]
        log.info("redis broker connected process=%s", self.process_id)

    async def close(self) -> None:
        if not self._conn.started:
            return
        # Hand over what is still queued, then say goodbye (briefly: Redis may be gone).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_FLUSH_ON_CLOSE_S):
                await self._outbox.wait_sent()
        self._tasks.extend(self._reader.background)
        await self._stop_tasks()
        with contextlib.suppress(*REDIS_ERRORS):
            async with asyncio.timeout(_FLUSH_ON_CLOSE_S):
                await self._presence.forget_own()
        await self._conn.close()

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

    # Documents

    async def subscribe(
        self, document: str, on_update: UpdateHandler, on_awareness: AwarenessHandler
    ) -> Subscription:
        subscriber = DocumentSubscriber(on_update, on_awareness)
        stream = await self._reader.open_document(document)
        stream.handlers.append(subscriber)
        await self._awareness.subscribe(document)

        async def close() -> None:
            if self._reader.release(stream, subscriber):
                await self._awareness.unsubscribe(document)

        return _Closer(close)

    async def publish_update(self, document: str, update: bytes) -> None:
        self._outbox.add_update(document, update)

    async def publish_awareness(self, document: str, payload: bytes) -> None:
        self._outbox.add_awareness(document, payload)

    async def forget(self, document: str) -> None:
        # The update stream holds the document's recent updates, i.e. its text.
        keys = self._conn.keys
        await self._conn.redis.delete(keys.updates(document), keys.presence(document))

    # Events

    async def publish_event(self, channel: str, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode()
        # This process's own subscribers hear it at once (and skip the copy in the stream).
        stream = self._reader.events(channel)
        if stream is not None:
            stream.deliver_own(data)
        self._outbox.add_event(channel, data)

    async def subscribe_events(self, channel: str, handler: EventHandler) -> Subscription:
        stream = await self._reader.open_events(channel)
        stream.handlers.append(handler)

        async def close() -> None:
            self._reader.release(stream, handler)

        return _Closer(close)

    # Presence

    async def presence_join(self, entry: PresenceEntry) -> None:
        await self._presence.join(entry)

    async def presence_leave(self, document: str, connection_id: str) -> None:
        await self._presence.leave(document, connection_id)

    async def presence(self, document: str) -> list[PresenceEntry]:
        return await self._presence.entries(document)

    # Once-only work

    async def acquire_once(self, key: str, ttl_s: float) -> bool:
        return await leases.acquire_once(self._conn, key, ttl_s)
