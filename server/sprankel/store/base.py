"""The storage interface every store implements (SQLite by default, Redis for several hosts).

A document is kept as a snapshot (one merged Yjs update) plus a log of the updates
appended since. Loading returns both; compaction merges the log into the snapshot.
Records are small JSON objects that the facilitation layer keeps (sessions,
participants, rounds, votes), addressed by a kind and a key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from pycrdt import Doc

JSON = dict[str, Any]

# Receives the current record (None when absent) and returns the new one (None deletes).
# It may run more than once when another process changed the record meanwhile, so it
# must be a pure function of its argument.
RecordUpdate = Callable[[JSON | None], JSON | None]


def compact_updates(updates: list[bytes]) -> bytes:
    """One update equal to all of them, without the content of deleted items.

    ``pycrdt.merge_updates`` would keep deleted text in the merged bytes; applying
    the updates to a document and encoding it lets Yrs drop that content, so a
    deleted idea or an expired chat message is gone from storage after compaction.
    """
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return doc.get_update()


class Store(ABC):
    """Durable update log, snapshots and records. Implementations never block the event loop."""

    @abstractmethod
    async def start(self) -> None:
        """Open connections and create what is missing."""

    @abstractmethod
    async def close(self) -> None:
        """Flush and release everything."""

    @abstractmethod
    async def healthy(self) -> bool:
        """True when the store answers; for readiness probes."""

    # Documents

    @abstractmethod
    async def load(self, name: str) -> list[bytes]:
        """The snapshot (if any) followed by every logged update, oldest first."""

    @abstractmethod
    async def append(self, name: str, update: bytes) -> None:
        """Append one update durably; compacts by itself when the log grows long."""

    @abstractmethod
    async def compact(self, name: str) -> None:
        """Merge the snapshot and the whole log into one snapshot."""

    @abstractmethod
    async def replace(self, name: str, snapshot: bytes) -> None:
        """Make snapshot the document's whole stored state (log emptied); empty deletes it.

        For repairs at load (sync/restore.py): the caller read the state just before.
        """

    @abstractmethod
    async def delete(self, name: str) -> None:
        """Forget a document entirely (snapshot and log)."""

    async def erase_freed(self) -> None:
        """Make what was deleted unreadable in the store's files too (after a session's
        deletion). The default does nothing: a store that overwrites at once needs nothing."""
        return None

    # Records

    @abstractmethod
    async def get_record(self, kind: str, key: str) -> JSON | None:
        """One record, or None."""

    @abstractmethod
    async def put_record(self, kind: str, key: str, value: JSON) -> None:
        """Create or replace one record."""

    @abstractmethod
    async def update_record(self, kind: str, key: str, change: RecordUpdate) -> JSON | None:
        """Atomically read, change and write one record (also across processes); returns it."""

    @abstractmethod
    async def delete_record(self, kind: str, key: str) -> None:
        """Remove one record; absent is fine."""

    @abstractmethod
    async def list_records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        """All records of a kind whose key starts with prefix, by key."""
