"""Where collect.py reads a session from: a running server's rooms, or the store alone.

Both give the same thing: records by kind and key, and a read of a document's
current state through a function of a pycrdt Doc (and whether it is shallow, see
sync/reading.py). The function runs on a private copy of the document in a worker
thread: converting thousands of ideas to Python takes long enough to be felt by every
client of the process if it ran on the event loop.
Live reads copy the room's document (as its clients see it, one cheap binary update
taken on the loop); offline reads rebuild it from the store's snapshot and log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pycrdt import Doc

from ..store import Store
from ..store.base import JSON
from ..sync.guard import UpdateLimits
from ..sync.restore import GUARDED, restore
from ..sync.rooms import RoomManager
from ..sync.type_depths import TypeDepths

T = TypeVar("T")
# Reads a private copy of a document; the flag tells whether it is shallow enough for
# the fast JSON path of sync/reading.py.
Reader = Callable[[Doc[Any], bool], T]


class Source(Protocol):
    async def record(self, kind: str, key: str) -> JSON | None: ...

    async def records(self, kind: str, prefix: str = "") -> dict[str, JSON]: ...

    async def read(self, name: str, fn: Reader[T]) -> T: ...


class LiveSource:
    """A running server: documents through its rooms (loaded if needed), records from its store."""

    def __init__(self, store: Store, rooms: RoomManager) -> None:
        self.store = store
        self.rooms = rooms

    async def record(self, kind: str, key: str) -> JSON | None:
        return await self.store.get_record(kind, key)

    async def records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        return await self.store.list_records(kind, prefix)

    async def read(self, name: str, fn: Reader[T]) -> T:
        async with self.rooms.using(name) as room:
            update, shallow = room.doc.get_update(), room.shallow
        return await asyncio.to_thread(_read_copy, [update], shallow, fn)


class StoreSource:
    """The store alone (the `sprankel export` command): documents rebuilt from their log."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, kind: str, key: str) -> JSON | None:
        return await self.store.get_record(kind, key)

    async def records(self, kind: str, prefix: str = "") -> dict[str, JSON]:
        return await self.store.list_records(kind, prefix)

    async def read(self, name: str, fn: Reader[T]) -> T:
        stored = await self.store.load(name)
        mark = await self.store.get_record(GUARDED, name)
        if mark is not None:  # a room of this version checked it: nothing unchecked since
            return await asyncio.to_thread(_read_copy, stored, bool(mark.get("shallow")), fn)
        return await asyncio.to_thread(_read_stored, stored, fn)


def _read_stored(stored: list[bytes], fn: Reader[T]) -> T:
    # Through the guard, as a room loads it: an older version may have stored poison.
    restored = restore(stored, UpdateLimits())
    depths = TypeDepths(UpdateLimits().max_type_depth)
    for _, parsed in restored.parts:
        depths.learn(parsed)
    return _read_copy([part for part, _ in restored.parts], depths.shallow, fn)


def _read_copy(updates: list[bytes], shallow: bool, fn: Reader[T]) -> T:
    # Created, filled and read in one thread: a pycrdt Doc stays in the thread it was made in.
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return fn(doc, shallow)
