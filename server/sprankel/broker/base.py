"""The broker interface: what one server process tells the others.

- Document updates: every process that has a document open receives the updates
  the others applied (reliable: the Redis broker re-reads a stream after a blip).
- Awareness (cursors, names): relayed best-effort.
- Events: small JSON notifications between processes (a session was locked, ...).
- Presence: who is connected to which document, across all processes.
- Once-only work: a lease that exactly one process holds at a time.

A subscriber never receives what its own process published.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

UpdateHandler = Callable[[bytes], None]
AwarenessHandler = Callable[[bytes], None]
EventHandler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class PresenceEntry:
    """One connection to one document, as the broker knows it."""

    connection_id: str
    document: str
    process: str
    connected_at: float  # seconds since the epoch
    last_seen: float
    user: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "connection_id": self.connection_id,
            "document": self.document,
            "process": self.process,
            "connected_at": self.connected_at,
            "last_seen": self.last_seen,
            "user": self.user,
        }


class Subscription(ABC):
    """A live subscription to one document; close it when the document leaves memory."""

    @abstractmethod
    async def close(self) -> None: ...


class Broker(ABC):
    process_id: str

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def subscribe(
        self, document: str, on_update: UpdateHandler, on_awareness: AwarenessHandler
    ) -> Subscription:
        """Receive other processes' updates and awareness for a document from now on."""

    @abstractmethod
    async def publish_update(self, document: str, update: bytes) -> None:
        """Tell the other processes about an update this process applied and stored."""

    @abstractmethod
    async def publish_awareness(self, document: str, payload: bytes) -> None:
        """Relay an awareness payload (the varUint8Array content) to the other processes."""

    @abstractmethod
    async def publish_event(self, channel: str, event: dict[str, Any]) -> None:
        """Send a small JSON notification to every process subscribed to channel."""

    @abstractmethod
    async def subscribe_events(self, channel: str, handler: EventHandler) -> Subscription:
        """Receive the events of a channel from now on, including this process's own."""

    async def forget(self, document: str) -> None:
        """Drop what the broker keeps of a deleted document (the Redis update stream)."""
        return None

    @abstractmethod
    async def presence_join(self, entry: PresenceEntry) -> None: ...

    @abstractmethod
    async def presence_leave(self, document: str, connection_id: str) -> None: ...

    @abstractmethod
    async def presence(self, document: str) -> list[PresenceEntry]:
        """Live connections to a document across all processes (expired ones dropped)."""

    @abstractmethod
    async def acquire_once(self, key: str, ttl_s: float) -> bool:
        """Take the lease `key` for ttl_s seconds; False if another holder has it.

        Use it for work that must happen once across processes (a round's timer
        firing): only the process that gets True does the work.
        """
