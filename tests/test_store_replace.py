"""Store.replace, as the room uses it to write back a repaired document: both stores."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Map

from redis_cluster import redis_cluster, valkey_cluster  # noqa: F401 (fixtures of open_store)
from test_store_contract import StoreFactory, edits, open_store  # noqa: F401 (the fixture)


def content(updates: list[bytes]) -> dict[str, Any]:
    doc: Doc[Any] = Doc()
    for update in updates:
        doc.apply_update(update)
    return {"m": doc.get("m", type=Map).to_py()}


async def test_replace_makes_the_snapshot_the_whole_state(open_store: StoreFactory) -> None:  # noqa: F811
    store = await open_store()
    updates, _ = edits(5)
    for update in updates:
        await store.append("doc", update)
    first, _ = edits(2, prefix="r")
    doc: Doc[Any] = Doc()
    for update in first:
        doc.apply_update(update)
    await store.replace("doc", doc.get_update())
    stored = await store.load("doc")
    assert len(stored) == 1
    assert content(stored) == {"m": {"r0": 0.0, "r1": 1.0}}
    # Appends after a replace follow it as usual.
    await store.append("doc", updates[0])
    assert len(await store.load("doc")) == 2


async def test_replace_with_nothing_deletes_the_document(open_store: StoreFactory) -> None:  # noqa: F811
    store = await open_store()
    updates, _ = edits(3)
    for update in updates:
        await store.append("doc", update)
    await store.replace("doc", b"")
    assert await store.load("doc") == []
