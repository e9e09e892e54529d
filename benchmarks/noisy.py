"""The noisy neighbour: small rooms at work while a big board is joined again and again.

A 5 MB board (5,000 ideas with a paragraph of text each) is seeded and held open;
then the many-small-rooms load runs (room_load.py) while this process opens a
fresh connection to the board every ``interval`` seconds (each waits for the
whole document, then leaves), bounded by the load's window. What it measures is
the small rooms' fan-out latency beside the big sends.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict
from typing import Any

from .joins import seed_board
from .load_client import LoadClient
from .room_load import RoomLoadConfig, run_room_load

BOARD_IDEAS = 5000
PADDING = 1000  # bytes of text per idea: about 5 MB in all


async def _join_repeatedly(url: str, interval: float, until: float, ready: list[float]
                           ) -> None:
    """One fresh join every ``interval`` s (none overlapping) until ``until``; the ready
    time of each into ``ready``."""
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    index = 0
    while loop.time() < until and index < 10_000:
        index += 1
        client = LoadClient(url, sender_id=30_000 + index, awareness=False)
        try:
            await client.open(timeout=30)
            ready.append((client.ready_ns - client.started_ns) / 1e6)
        except (TimeoutError, OSError, ConnectionError):
            pass
        await client.close()
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - loop.time()))


async def noisy_neighbour(config: RoomLoadConfig, board_ideas: int = BOARD_IDEAS,
                          padding: int = PADDING, interval: float = 0.2) -> dict[str, Any]:
    url = config.url_template.format(room=f"noisy-board-{time.time_ns() % 10**12:x}")
    holder = await seed_board(url, board_ideas, padding=padding)
    try:
        probe = LoadClient(url, sender_id=29_999, awareness=False, keep_sync_payload=True)
        await probe.open(timeout=60)
        board_bytes = len(probe.sync_payload)
        await probe.close()
        loop = asyncio.get_running_loop()
        # The joins start with the load's connections and end with its send window.
        until = loop.time() + config.duration + 120
        times: list[float] = []
        joins = asyncio.ensure_future(_join_repeatedly(url, interval, until, times))
        result = await run_room_load(config)
        joins.cancel()
        await asyncio.gather(joins, return_exceptions=True)
    finally:
        await holder.close()
    out = asdict(result)
    out.update(board_bytes=board_bytes, board_joins=len(times),
               board_join_p50_ms=statistics.median(times) if times else None)
    return out
