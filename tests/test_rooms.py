"""Rooms in one process: one load per room, and evicted rooms are really freed."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

from pycrdt import Map

from sprankel.broker.memory import MemoryBroker
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager


async def make_manager(tmp_path: Path, grace_s: float = 0.05) -> RoomManager:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.start()
    return RoomManager(store, MemoryBroker(), grace_s=grace_s, outbox_limit=1 << 20)


class SlowStore(SQLiteStore):
    loads = 0

    async def load(self, name: str) -> list[bytes]:
        SlowStore.loads += 1
        await asyncio.sleep(0.2)  # a slow disk: nobody may be answered meanwhile
        return await super().load(name)


async def test_concurrent_first_users_share_one_load(tmp_path: Path) -> None:
    store = SlowStore(tmp_path / "db.sqlite3")
    await store.start()
    await store.append("doc", _update_with_idea("x"))
    rooms = RoomManager(store, MemoryBroker(), grace_s=1, outbox_limit=1 << 20)
    results = await asyncio.gather(*(rooms.read("doc", _idea_keys) for _ in range(20)))
    assert SlowStore.loads == 1
    assert all(r == ["x"] for r in results)  # nobody saw an empty, half-loaded document
    await rooms.shutdown()
    await store.close()


async def test_evicted_room_is_freed_and_reloads(tmp_path: Path) -> None:
    rooms = await make_manager(tmp_path)
    await rooms.apply_server_change("doc", lambda d: d.get("ideas", type=Map).__setitem__("a", 1))
    room = weakref.ref(await rooms.acquire("doc"))
    rooms.release(room())  # type: ignore[arg-type]
    for _ in range(100):
        await asyncio.sleep(0.02)
        if not rooms.open_rooms:
            break
    await asyncio.sleep(0.05)
    gc.collect()
    assert rooms.open_rooms == []
    assert room() is None  # no observer or task keeps the evicted room alive
    assert await rooms.read("doc", _idea_keys) == ["a"]
    await rooms.shutdown()
    await rooms.store.close()


def _idea_keys(doc: object) -> list[str]:
    return sorted(doc.get("ideas", type=Map).keys())  # type: ignore[attr-defined]


def _update_with_idea(key: str) -> bytes:
    from pycrdt import Doc

    doc: Doc = Doc()
    doc.get("ideas", type=Map)[key] = 1
    return doc.get_update()
