"""What a board version, a restore and a session's deletion cost, on a board of N ideas.

An engine on the real parts (a SQLite store in a temporary folder, the in-process broker,
rooms), as one server process has them; prints a table:

    .venv/bin/python -m benchmarks.versions_bench --ideas 5000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map

from sprankel.broker.memory import MemoryBroker
from sprankel.facilitation import Engine, validation
from sprankel.facilitation import documents as docs
from sprankel.kernel.tokens import TokenSigner
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager


def _fill(ideas: int) -> Callable[[Doc[Any]], None]:
    def fill(doc: Doc[Any]) -> None:
        board = doc.get("ideas", type=Map)
        for i in range(ideas):
            board[f"idea-{i}"] = Map({
                "id": f"idea-{i}", "text": f"Idea {i}: a fixed coffee break at ten",
                "author_id": f"p{i % 30}", "author_name": "Ann", "round_id": "r1",
                "cluster_id": None, "color": "yellow", "created_at": 1.0 * i})
    return fill


def _wipe(doc: Doc[Any]) -> None:
    board = doc.get("ideas", type=Map)
    for key in tuple(board.keys()):
        del board[key]


async def _ms(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Wall and CPU time in ms (the SQLite thread's CPU counts: one process)."""
    start, cpu = time.perf_counter(), time.process_time()
    await work()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


async def run(ideas: int, repeat: int) -> list[tuple[str, float, float]]:
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "sprankel.sqlite3")
        broker = MemoryBroker()
        await store.start()
        await broker.start()
        rooms = RoomManager(store, broker, grace_s=60, outbox_limit=1 << 24)
        engine = Engine(store, broker, rooms, TokenSigner(b"benchmark-key-of-32-bytes-long!!"))
        try:
            takes: list[tuple[float, float]] = []
            restores: list[tuple[float, float]] = []
            deletes: list[tuple[float, float]] = []
            size = 0
            for _ in range(repeat):
                session, who, _ = await engine.sessions.create(
                    validation.new_session({"title": "Bench"}))
                board = docs.board_name(session.id)
                await rooms.apply_server_change(board, _fill(ideas))
                taken: dict[str, Any] = {}

                async def take(sid: str = session.id, taken: dict[str, Any] = taken) -> None:
                    taken.update(await engine.versions.take(sid, "lock") or {})

                takes.append(await _ms(take))
                size = int(taken["bytes"])
                await rooms.apply_server_change(board, _wipe)
                restores.append(await _ms(lambda s=session, w=who, v=taken["id"]:
                                          engine.versions.restore(s, w, v)))
                deletes.append(await _ms(lambda s=session, w=who:
                                         engine.retention.delete(s, w)))
        finally:
            await engine.stop()
            await rooms.shutdown()
            await broker.close()
            await store.close()
    return [(f"take a version of {ideas} ideas ({size / 1e6:.2f} MB)", *_medians(takes)),
            (f"restore {ideas} wiped ideas (version before + one update)", *_medians(restores)),
            ("delete the session (documents, records, versions, checkpoint)",
             *_medians(deletes))]


def _medians(times: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = asyncio.run(run(args.ideas, args.repeat))
    print("| what | wall, median (ms) | CPU, median (ms) |")
    print("| --- | --- | --- |")
    for what, wall, cpu in rows:
        print(f"| {what} | {wall:.0f} | {cpu:.0f} |")


if __name__ == "__main__":
    main()
