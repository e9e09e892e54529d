"""The in-process broker: the default when there is one server process.

Several MemoryBroker objects can share one MemoryHub; each then acts as its own
"process", which lets the shared broker tests run the same cases as for Redis.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import (
    AwarenessHandler,
    Broker,
    EventHandler,
    OwnAwareness,
    PresenceEntry,
    Resend,
    Subscription,
    UpdateHandler,
)

_SWEEP_LEASES_ABOVE = 256


@dataclass
class _DocSubscriber:
    process: str
    on_update: UpdateHandler
    on_awareness: AwarenessHandler
    own_awareness: OwnAwareness | None = None


@dataclass
class MemoryHub:
    documents: dict[str, list[_DocSubscriber]] = field(default_factory=lambda: defaultdict(list))
    channels: dict[str, list[EventHandler]] = field(default_factory=lambda: defaultdict(list))
    presence: dict[str, dict[str, PresenceEntry]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    leases: dict[str, float] = field(default_factory=dict)


class _Unsubscribe(Subscription):
    def __init__(self, remove: Callable[[], None]) -> None:
        self._remove: Callable[[], None] | None = remove

    async def close(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None


class MemoryBroker(Broker):
    def __init__(self, hub: MemoryHub | None = None) -> None:
        self.hub = hub or MemoryHub()
        self.process_id = uuid.uuid4().hex[:12]

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        # Like a process that goes away: its subscriptions and its connections vanish.
        for subscribers in self.hub.documents.values():
            subscribers[:] = [s for s in subscribers if s.process != self.process_id]
        for document, entries in list(self.hub.presence.items()):
            for connection_id in [c for c, e in entries.items() if e.process == self.process_id]:
                del entries[connection_id]
            if not entries:
                del self.hub.presence[document]

    async def subscribe(
        self, document: str, on_update: UpdateHandler, on_awareness: AwarenessHandler,
        own_awareness: OwnAwareness | None = None, resend: Resend | None = None,
    ) -> Subscription:
        # resend is never needed: nothing between the "processes" loses a message.
        subscriber = _DocSubscriber(self.process_id, on_update, on_awareness, own_awareness)
        # What the other "processes" hold reaches the newcomer, as with Redis.
        for other in self._others(document):
            payload = other.own_awareness() if other.own_awareness is not None else None
            if payload:
                _deliver(on_awareness, payload)
        subscribers = self.hub.documents[document]
        subscribers.append(subscriber)

        def remove() -> None:
            subscribers.remove(subscriber)
            if not subscribers:
                self.hub.documents.pop(document, None)

        return _Unsubscribe(remove)

    async def publish_update(self, document: str, update: bytes) -> None:
        for s in self._others(document):
            _deliver(s.on_update, update)

    async def publish_awareness(self, document: str, payload: bytes) -> None:
        for s in self._others(document):
            _deliver(s.on_awareness, payload)

    async def publish_event(self, channel: str, event: dict[str, Any]) -> None:
        for handler in list(self.hub.channels.get(channel, ())):
            _deliver(handler, event)

    async def subscribe_events(self, channel: str, handler: EventHandler) -> Subscription:
        handlers = self.hub.channels[channel]
        handlers.append(handler)
        return _Unsubscribe(lambda: handlers.remove(handler))

    async def presence_join(self, entry: PresenceEntry) -> None:
        self.hub.presence[entry.document][entry.connection_id] = entry

    async def presence_leave(self, document: str, connection_id: str) -> None:
        entries = self.hub.presence.get(document)
        if entries is not None:
            entries.pop(connection_id, None)
            if not entries:
                del self.hub.presence[document]

    async def presence(self, document: str) -> list[PresenceEntry]:
        now = time.time()
        # In one process a connection is live exactly as long as its entry exists.
        return [
            PresenceEntry(**{**e.to_json(), "last_seen": now})
            for e in self.hub.presence.get(document, {}).values()
        ]

    async def acquire_once(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        leases = self.hub.leases
        expires = leases.get(key)
        if expires is not None and expires > now:
            return False
        leases[key] = now + ttl_s
        if len(leases) > _SWEEP_LEASES_ABOVE:
            # Every round's deadline takes its own key: forget the expired ones, as Redis
            # does with its PX expiry, or they pile up for the life of the process.
            for stale in [k for k, until in leases.items() if until <= now]:
                del leases[stale]
        return True

    def _others(self, document: str) -> list[_DocSubscriber]:
        return [s for s in self.hub.documents.get(document, ()) if s.process != self.process_id]


def _deliver(handler: Callable[[Any], None], value: Any) -> None:
    # Deliver on a later turn, as a network would: the publisher never re-enters itself.
    asyncio.get_running_loop().call_soon(handler, value)
