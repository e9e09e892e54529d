"""What storing an update costs in each store, and what the group commit saves.

    .venv/bin/python -m benchmarks.store_bench --rooms 50 --appends 40

Each of ``--rooms`` documents gets ``--appends`` small Yjs updates (one idea card,
about 130 bytes), one after another as a room's pump stores them, all rooms at once;
then the same with one room alone. For SQLite (a temporary file) and PostgreSQL (a
cluster of its own, benchmarks/pg_cluster.py, default fsync and synchronous_commit),
it prints appends a second and, for PostgreSQL, appends per transaction (the group
commit). Runs Sprankel's own store code, so it needs the project's venv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sprankel.store import Store
from sprankel.store.postgres import PostgresStore
from sprankel.store.sqlite import SQLiteStore

from . import pg_cluster


def idea_updates(count: int) -> list[bytes]:
    doc: Doc[Any] = Doc()
    ideas = doc.get("ideas", type=Map)
    updates = []
    for i in range(count):
        before = doc.get_state()
        ideas[f"idea-{i}"] = Map({"text": f"Een idee over koffie op afstand, nummer {i}",
                                  "author": "p1", "x": i, "y": i})
        updates.append(doc.get_update(before))
    return updates


async def appends_per_second(store: Store, rooms: int, appends: int, tag: str) -> float:
    updates = idea_updates(appends)

    async def room(index: int) -> None:
        for update in updates:
            await store.append(f"bench/{tag}/{index}", update)

    started = time.perf_counter()
    await asyncio.gather(*(room(i) for i in range(rooms)))
    return rooms * appends / (time.perf_counter() - started)


async def measure(store: Store, rooms: int, appends: int) -> dict[str, float]:
    await store.start()
    try:
        result: dict[str, float] = {}
        commits = store.group_commit if isinstance(store, PostgresStore) else None
        before = (commits.batches, commits.items) if commits else (0, 0)
        result["many_rooms_appends_per_s"] = await appends_per_second(store, rooms, appends,
                                                                      "many")
        if commits:
            batches, items = commits.batches - before[0], commits.items - before[1]
            result["appends_per_transaction"] = items / batches
        result["one_room_appends_per_s"] = await appends_per_second(store, 1, appends, "one")
        return result
    finally:
        await store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    # compact_after above the appends: this measures appending, not compaction.
    no_compaction = args.appends + 1
    out: dict[str, Any] = {"rooms": args.rooms, "appends_per_room": args.appends}
    with tempfile.TemporaryDirectory(prefix="sprankel-store-bench-") as folder:
        out["sqlite"] = await measure(
            SQLiteStore(Path(folder) / "bench.sqlite3", compact_after=no_compaction),
            args.rooms, args.appends)
    cluster = pg_cluster.start(free_port())
    try:
        out["postgres"] = await measure(
            PostgresStore(cluster.url, compact_after=no_compaction), args.rooms, args.appends)
    finally:
        cluster.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--appends", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
