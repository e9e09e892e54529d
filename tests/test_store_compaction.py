"""Compaction off the event loop (store/compaction.py): a big document merges in a
child process; the result equals the uncompacted state, and what is appended,
replaced or deleted while it merges is never lost or revived."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sprankel.store.compaction import CHILD_ABOVE, Merger
from sprankel.store.sqlite import SQLiteStore


class HeldMerger(Merger):
    """The real merge, held at its start until the test lets it go: what happens
    meanwhile happens while the compaction is under way, every time."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()
        self.go = asyncio.Event()

    async def merge(self, parts: list[bytes]) -> bytes:
        self.waiting.set()
        await self.go.wait()
        return await super().merge(parts)


def board_updates(ideas: int, start: int = 0, per_update: int = 50) -> list[bytes]:
    """Independent updates (each its own client) adding ideas with a paragraph each."""
    updates = []
    for first in range(start, start + ideas, per_update):
        doc: Doc[Any] = Doc()
        board = doc.get("ideas", type=Map)
        with doc.transaction():
            for n in range(first, min(start + ideas, first + per_update)):
                board[f"idea-{n}"] = f"idea {n}: " + "a long paragraph of text " * 8
        updates.append(doc.get_update())
    return updates


def ideas_in(parts: list[bytes]) -> dict[str, Any]:
    doc: Doc[Any] = Doc()
    for part in parts:
        doc.apply_update(part)
    return dict(doc.get("ideas", type=Map).to_py() or {})


async def started(path: Path, merger: Merger | None = None) -> SQLiteStore:
    store = SQLiteStore(path, compact_after=10**6, merger=merger)  # compacted by the test
    await store.start()
    return store


async def test_a_big_document_compacts_in_a_child_to_the_same_state(tmp_path: Path) -> None:
    store = await started(tmp_path / "store.sqlite3")
    updates = board_updates(1000)
    assert sum(map(len, updates)) > CHILD_ABOVE  # big enough for the child process
    for update in updates:
        await store.append("board", update)
    before = ideas_in(await store.load("board"))
    await store.compact("board")
    after = await store.load("board")
    assert len(after) == 1  # one snapshot, no log
    assert ideas_in(after) == before
    assert len(before) == 1000
    assert store.merger.child_merges == 1
    await store.close()


async def test_a_small_document_compacts_without_the_child(tmp_path: Path) -> None:
    store = await started(tmp_path / "store.sqlite3")
    for update in board_updates(10, per_update=1):
        await store.append("small", update)
    await store.compact("small")
    assert len(ideas_in(await store.load("small"))) == 10
    assert store.merger.child_merges == 0
    await store.close()


async def test_appends_while_compacting_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    held = HeldMerger()
    store, other_process = await started(path, held), await started(path)
    for update in board_updates(1000):
        await store.append("board", update)
    compacting = asyncio.create_task(store.compact("board"))
    await held.waiting.wait()  # the log is read; the merge has not run
    late = board_updates(40, start=1000, per_update=1)
    for index, update in enumerate(late):  # from this store and from another process
        await (store if index % 2 else other_process).append("board", update)
    held.go.set()
    await compacting
    loaded = await store.load("board")
    assert len(loaded) == 41  # the snapshot of the first 1000, then the 40 late ones
    assert len(ideas_in(loaded)) == 1040
    await store.compact("board")  # and once more: everything in the snapshot
    assert len(loaded := await store.load("board")) == 1
    assert len(ideas_in(loaded)) == 1040
    await other_process.close()
    await store.close()


async def test_a_replace_or_delete_while_compacting_wins(tmp_path: Path) -> None:
    """The old merge neither overwrites the repaired snapshot nor revives the deleted."""
    for name in ("replaced", "deleted"):
        held = HeldMerger()
        store = await started(tmp_path / f"{name}.sqlite3", held)
        for update in board_updates(1000):
            await store.append(name, update)
        compacting = asyncio.create_task(store.compact(name))
        await held.waiting.wait()
        repaired = board_updates(5)[0]
        if name == "replaced":
            await store.replace(name, repaired)
        else:
            await store.delete(name)
        held.go.set()
        await compacting
        assert await store.load(name) == ([repaired] if name == "replaced" else [])
        await store.close()


async def test_a_long_log_compacts_in_the_background_of_the_appends(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.sqlite3", compact_after=20)
    await store.start()
    for update in board_updates(400, per_update=10):
        await store.append("board", update)
    await store.close()  # waits for the compaction under way
    reopened = await started(tmp_path / "store.sqlite3")
    loaded = await reopened.load("board")
    assert len(loaded) < 40
    assert len(ideas_in(loaded)) == 400
    await reopened.close()
