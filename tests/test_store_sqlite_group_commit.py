"""The SQLite store's group commit: the appends of many rooms in one transaction, in
the store's thread; all of them durable together, or none of them."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from sprankel.store.sqlite import SQLiteStore


def idea_update(text: str) -> bytes:
    doc: Doc[Any] = Doc()
    doc["ideas"] = ideas = Map()
    ideas[text] = text
    return doc.get_update()


async def started(path: Path) -> SQLiteStore:
    store = SQLiteStore(path)
    await store.start()
    return store


async def test_appends_of_several_rooms_share_one_transaction_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    store = await started(path)
    updates = {f"sessions/s{i}/board": idea_update(f"idea {i}") for i in range(20)}
    await asyncio.gather(*(store.append(name, update) for name, update in updates.items()))
    assert store.group_commit.items == 20
    assert store.group_commit.batches == 1  # queued in one loop turn: one commit
    await store.close()

    reopened = await started(path)
    for name, update in updates.items():
        assert await reopened.load(name) == [update]
    await reopened.close()


async def test_a_failed_commit_fails_every_waiting_append_and_writes_none(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    store = await started(path)
    # A real failure inside SQLite's transaction: a trigger that aborts one room's insert.
    with sqlite3.connect(path) as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON updates WHEN NEW.doc = 'bad'"
                   " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    results = await asyncio.gather(
        store.append("good/one", idea_update("a")), store.append("bad", idea_update("b")),
        store.append("good/two", idea_update("c")), return_exceptions=True)
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert "refused by the test" in str(results[0])
    for name in ("good/one", "bad", "good/two"):
        assert await store.load(name) == []  # nothing of the batch was written
    # The store still works: the next batch commits.
    await store.append("good/one", idea_update("d"))
    assert len(await store.load("good/one")) == 1
    await store.close()


async def test_an_append_after_close_is_refused(tmp_path: Path) -> None:
    store = await started(tmp_path / "store.sqlite3")
    await store.close()
    with pytest.raises(RuntimeError, match="not started"):
        await store.append("r", idea_update("late"))
