"""The store side of the growth table: compaction and Markdown export by board size.

For each size a board of that many ideas is appended to a SQLite store in updates
of 100 ideas, then compacted once (``Store.compact``, as a room's eviction or the
500th append does) while a task on the same event loop samples its own scheduling
delay every millisecond: the largest delay is what compaction held the loop for.
Beside it, the same sampling for as long again without a compaction shows what
the machine's other load alone does. One store serves all sizes, as in a server:
its first big compaction (1,000 ideas, reported as "start") starts the child
process. Each size is compacted three times (medians). Then the tests' sample
session of each size is exported to Markdown (the path of ``sprankel export``).
Runs with the project's Python:

    .venv/bin/python -m benchmarks.growth_store --sizes 1000,5000,20000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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


async def _compact_measured(store: SQLiteStore, name: str) -> dict[str, float]:
    stop = asyncio.Event()
    sampler = asyncio.create_task(_max_delay(stop))
    await asyncio.sleep(0.05)  # the sampler is running
    start = time.perf_counter()
    await store.compact(name)
    took = time.perf_counter() - start
    stop.set()
    lag = await sampler
    # The same sampler for as long again without compaction: what the machine's other
    # load alone does to the loop (this machine is shared).
    stop = asyncio.Event()
    sampler = asyncio.create_task(_max_delay(stop))
    await asyncio.sleep(max(0.05, took))
    stop.set()
    baseline = await sampler
    return {"compaction_ms": took * 1000, "compaction_loop_lag_max_ms": lag * 1000,
            "baseline_loop_lag_max_ms": baseline * 1000}


async def compactions(folder: Path, sizes: list[int], repeats: int
                      ) -> dict[str, dict[str, float]]:
    """One store, as in a server: its first big compaction starts the child ("start").
    Each size is compacted ``repeats`` times (fresh documents): medians."""
    store = SQLiteStore(folder / "compact.sqlite3", compact_after=10**9)
    await store.start()
    rows: dict[str, dict[str, float]] = {}
    try:
        for ideas in [1000, *sizes]:
            updates = _board_updates(ideas)
            runs = []
            for index in range(1 if not rows else repeats):
                name = f"sessions/growth/board-{ideas}-{len(rows)}-{index}"
                for update in updates:
                    await store.append(name, update)
                runs.append(await _compact_measured(store, name))
            rows["start" if not rows else str(ideas)] = {
                key: statistics.median(run[key] for run in runs) for key in runs[0]}
    finally:
        await store.close()
    return rows


def export_ms(folder: Path, ideas: int) -> dict[str, float]:
    """Wall time, and the CPU time of this process (its threads included): on a shared
    machine the wall time waits for a core, the CPU time does not."""
    settings = Settings(data_dir=folder / f"export-{ideas}")
    session_id = asyncio.run(_prepare(settings, ideas))
    start, cpu = time.perf_counter(), time.process_time()
    asyncio.run(export_text(settings, session_id, "md"))
    return {"export_ms": (time.perf_counter() - start) * 1000,
            "export_cpu_ms": (time.process_time() - cpu) * 1000}


def measure(sizes: list[int], repeats: int = 3) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="sprankel-growth-") as name:
        folder = Path(name)
        rows = asyncio.run(compactions(folder, sizes, repeats))
        for ideas in sizes:
            rows[str(ideas)].update(export_ms(folder, ideas))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeats", type=int, default=3, help="compactions per size (median)")
    args = parser.parse_args()
    print(json.dumps(measure([int(n) for n in args.sizes.split(",")], args.repeats)))


if __name__ == "__main__":
    main()
