"""One suite every store passes: the SQLite, Redis and PostgreSQL stores.

Each case gets a factory of stores that share one backing storage (one SQLite file,
one redis-server or one PostgreSQL database), so "two processes" are two stores from
the same factory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from redis_cluster import RedisCluster, redis_cluster, unique_prefix, valkey_cluster
from redis_server import RedisServer, require_valkey_server
from sprankel._redis import RedisTarget
from sprankel.store import Store
from sprankel.store.postgres import PostgresStore
from sprankel.store.redis import RedisStore
from sprankel.store.sqlite import SQLiteStore

StoreFactory = Callable[..., Awaitable[Store]]


__all__ = ["redis_cluster", "valkey_cluster"]  # the fixtures, imported for pytest


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis),
                        pytest.param("cluster", marks=pytest.mark.redis),
                        pytest.param("valkey", marks=pytest.mark.redis),
                        pytest.param("valkey-cluster", marks=pytest.mark.redis),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
async def open_store(request: pytest.FixtureRequest, tmp_path: Path
                     ) -> AsyncIterator[StoreFactory]:
    started: list[Store] = []
    redis = (RedisServer(tmp_path, binary=(require_valkey_server()
                                           if request.param == "valkey" else None)).start()
             if request.param in ("redis", "valkey") else None)
    cluster: RedisCluster | None = (
        request.getfixturevalue("valkey_cluster" if request.param == "valkey-cluster"
                                else "redis_cluster")
        if request.param.endswith("cluster") else None)
    prefix = unique_prefix()  # the cluster is shared by the whole run
    database = request.getfixturevalue("postgres_url") if request.param == "postgres" else None

    async def open_store(compact_after: int = 500) -> Store:
        if redis is not None:
            store: Store = RedisStore(redis.url, compact_after=compact_after)
        elif cluster is not None:
            store = RedisStore(RedisTarget(cluster.url, cluster=True),
                               compact_after=compact_after, key_prefix=prefix)
        elif database is not None:
            store = PostgresStore(database, compact_after=compact_after)
        else:
            store = SQLiteStore(tmp_path / "store.sqlite3", compact_after=compact_after)
        await store.start()
        started.append(store)
        return store

    yield open_store
    for store in started:
        await store.close()
    if redis is not None:
        redis.stop()


def edits(n: int, prefix: str = "e") -> tuple[list[bytes], dict[str, Any]]:
    """n dependent Yjs updates of one document, and the content they add up to."""
    doc: Doc[Any] = Doc()
    doc["m"] = m = Map()
    doc["t"] = t = Text()
    updates = []
    for i in range(n):
        before = doc.get_state()
        m[f"{prefix}{i}"] = i
        t += f"{prefix}{i} "
        updates.append(doc.get_update(before))
    return updates, {"m": m.to_py(), "t": str(t)}


def content(parts: list[bytes]) -> dict[str, Any]:
    doc: Doc[Any] = Doc()
    doc["m"] = m = Map()
    doc["t"] = t = Text()
    for part in parts:
        doc.apply_update(part)
    return {"m": m.to_py(), "t": str(t)}


async def test_an_unknown_document_loads_empty(open_store: StoreFactory) -> None:
    store = await open_store()
    assert await store.load("sessions/none/board") == []
    assert await store.healthy()


async def test_appended_updates_load_in_order(open_store: StoreFactory) -> None:
    store = await open_store()
    updates, expected = edits(20)
    for update in updates:
        await store.append("sessions/s1/board", update)
    loaded = await store.load("sessions/s1/board")
    assert loaded == updates
    assert content(loaded) == expected


async def test_compaction_keeps_content_in_one_snapshot(open_store: StoreFactory) -> None:
    store = await open_store()
    updates, expected = edits(30)
    for update in updates[:20]:
        await store.append("doc", update)
    await store.compact("doc")
    assert len(await store.load("doc")) == 1
    for update in updates[20:]:
        await store.append("doc", update)
    loaded = await store.load("doc")
    assert len(loaded) == 11  # snapshot + the 10 appended since
    await store.compact("doc")
    await store.compact("doc")  # nothing new: harmless
    loaded = await store.load("doc")
    assert len(loaded) == 1
    assert content(loaded) == expected


async def test_compaction_drops_the_content_of_deleted_items(open_store: StoreFactory) -> None:
    # A deleted idea (or an expired chat message) must not linger in storage.
    store = await open_store()
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    updates: list[bytes] = []
    for change in (lambda: ideas.__setitem__("gone", "SECRET-IDEA-7"),
                   lambda: ideas.__setitem__("kept", "visible"),
                   lambda: ideas.pop("gone")):
        before = doc.get_state()
        change()
        updates.append(doc.get_update(before))
    for update in updates:
        await store.append("doc", update)
    await store.compact("doc")
    (snapshot,) = await store.load("doc")
    assert b"SECRET-IDEA-7" not in snapshot
    reloaded: Doc[Any] = Doc()
    reloaded.apply_update(snapshot)
    assert reloaded.get("ideas", type=Map).to_py() == {"kept": "visible"}


async def test_a_long_log_compacts_by_itself(open_store: StoreFactory) -> None:
    store = await open_store(compact_after=10)
    updates, expected = edits(25)
    for update in updates:
        await store.append("doc", update)
    # A store may compact in the background (SQLite does): wait for the shorter log.
    deadline = time.monotonic() + 30
    while len(loaded := await store.load("doc")) >= 10 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert len(loaded) < 10
    assert content(loaded) == expected


async def test_documents_are_kept_apart_and_deleted_whole(open_store: StoreFactory) -> None:
    store = await open_store()
    one, one_content = edits(3, "one")
    two, two_content = edits(3, "two")
    for update in one:
        await store.append("sessions/s/one", update)
    for update in two:
        await store.append("sessions/s/one:log", update)  # a name that looks like a key part
    await store.compact("sessions/s/one")
    assert content(await store.load("sessions/s/one")) == one_content
    assert content(await store.load("sessions/s/one:log")) == two_content

    await store.delete("sessions/s/one")
    assert await store.load("sessions/s/one") == []
    assert content(await store.load("sessions/s/one:log")) == two_content
    await store.delete("never-existed")


async def test_compacting_while_another_process_appends_loses_nothing(
    open_store: StoreFactory,
) -> None:
    writer, compactor = await open_store(), await open_store()
    updates, expected = edits(200)

    async def write() -> None:
        for update in updates:
            await writer.append("doc", update)

    async def compact() -> None:
        for _ in range(20):
            await compactor.compact("doc")
            await asyncio.sleep(0)

    await asyncio.gather(write(), compact())
    assert content(await compactor.load("doc")) == expected


async def test_records_round_trip(open_store: StoreFactory) -> None:
    store = await open_store()
    assert await store.get_record("session", "s1") is None
    record = {"title": "Koffie-automaat 'Zoë'", "n": 3, "tags": ["a", "b"], "open": True}
    await store.put_record("session", "s1", record)
    assert await store.get_record("session", "s1") == record
    await store.put_record("session", "s1", {"title": "replaced"})
    assert await store.get_record("session", "s1") == {"title": "replaced"}
    assert await store.get_record("participant", "s1") is None  # kinds are apart
    await store.delete_record("session", "s1")
    assert await store.get_record("session", "s1") is None
    await store.delete_record("session", "s1")  # absent is fine


async def test_records_list_by_prefix(open_store: StoreFactory) -> None:
    store = await open_store()
    keys = ["s1/p1", "s1/p2", "s1*/p3", "s1[x]/p4", "s10/p5", "s2/p1", "sé/p6"]
    for key in keys:
        await store.put_record("participant", key, {"key": key})
    await store.put_record("vote", "s1/p1", {"other": "kind"})

    assert set(await store.list_records("participant")) == set(keys)
    assert set(await store.list_records("participant", "s1/")) == {"s1/p1", "s1/p2"}
    assert set(await store.list_records("participant", "s1*")) == {"s1*/p3"}
    assert set(await store.list_records("participant", "s1[x]")) == {"s1[x]/p4"}
    assert set(await store.list_records("participant", "sé")) == {"sé/p6"}
    assert await store.list_records("participant", "s3") == {}
    assert (await store.list_records("participant", "s2/"))["s2/p1"] == {"key": "s2/p1"}
    await store.delete_record("participant", "s1/p1")
    assert set(await store.list_records("participant", "s1/")) == {"s1/p2"}


async def test_update_record_is_atomic_across_processes(open_store: StoreFactory) -> None:
    one, two = await open_store(), await open_store()

    def increment(record: dict[str, Any] | None) -> dict[str, Any]:
        return {"count": (record or {"count": 0})["count"] + 1}

    async def add(store: Store, times: int) -> None:
        for _ in range(times):
            await store.update_record("tally", "round-1", increment)

    await asyncio.gather(add(one, 40), add(two, 40), add(one, 20))
    assert await two.get_record("tally", "round-1") == {"count": 100}


async def test_update_record_returning_none_deletes(open_store: StoreFactory) -> None:
    store = await open_store()
    await store.put_record("lock", "s1", {"by": "p1"})
    assert await store.update_record("lock", "s1", lambda r: None) is None
    assert await store.get_record("lock", "s1") is None
    assert await store.list_records("lock") == {}
    created = await store.update_record("lock", "s2", lambda r: {"was": r})
    assert created == {"was": None}
    assert await store.get_record("lock", "s2") == {"was": None}
