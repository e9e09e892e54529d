"""The store side of the growth table: compaction and Markdown export by board size.

For each size: a board of that many ideas is appended to a fresh SQLite store in
updates of 100 ideas, then compacted once (``Store.compact``, as a room's eviction
or the 500th append does) while a task on the same event loop samples its own
scheduling delay every millisecond: the largest delay is what compaction held the
loop for. Then the tests' sample session of that size is exported to Markdown
(the path of ``sprankel export``). Runs with the project's Python:

    .venv/bin/python -m benchmarks.growth_store --sizes 1000,5000,20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sprankel.config import Settings
from sprankel.export.command import export_text
from sprankel.store.sqlite import SQLiteStore

from .export_bench import _prepare


async def _max_delay(stop: asyncio.Event, interval: float = 0.001) -> float:
    largest = 0.0
    while not stop.is_set():
        due = time.perf_counter() + interval
        await asyncio.sleep(interval)
        largest = max(largest, time.perf_counter() - due)
    return largest


def _board_updates(ideas: int, batch: int = 100) -> list[bytes]:
    doc: Doc[Any] = Doc()
    board = doc.get("ideas", type=Map)
    updates = []
    for first in range(0, ideas, batch):
        before = doc.get_state()
        with doc.transaction():
            for number in range(first, min(ideas, first + batch)):
                board[f"idea-{number}"] = Map({"text": f"Idea number {number}",
                                               "author": f"p-{number % 200}", "votes": 0})
        updates.append(doc.get_update(before))
    return updates


async def compaction(folder: Path, ideas: int) -> dict[str, float]:
    store = SQLiteStore(folder / f"compact-{ideas}.sqlite3", compact_after=10**9)
    await store.start()
    try:
        name = f"sessions/growth/board-{ideas}"
        for update in _board_updates(ideas):
            await store.append(name, update)
        stop = asyncio.Event()
        sampler = asyncio.create_task(_max_delay(stop))
        await asyncio.sleep(0.05)  # the sampler is running
        start = time.perf_counter()
        await store.compact(name)
        took = time.perf_counter() - start
        stop.set()
        lag = await sampler
    finally:
        await store.close()
    return {"compaction_ms": took * 1000, "compaction_loop_lag_max_ms": lag * 1000}


def export_ms(folder: Path, ideas: int) -> float:
    settings = Settings(data_dir=folder / f"export-{ideas}")
    session_id = asyncio.run(_prepare(settings, ideas))
    start = time.perf_counter()
    asyncio.run(export_text(settings, session_id, "md"))
    return (time.perf_counter() - start) * 1000


def measure(sizes: list[int]) -> dict[str, dict[str, float]]:
    rows = {}
    with tempfile.TemporaryDirectory(prefix="sprankel-growth-") as name:
        folder = Path(name)
        for ideas in sizes:
            row = asyncio.run(compaction(folder, ideas))
            row["export_ms"] = export_ms(folder, ideas)
            rows[str(ideas)] = row
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args()
    print(json.dumps(measure([int(n) for n in args.sizes.split(",")])))


if __name__ == "__main__":
    main()
