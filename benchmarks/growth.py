"""How the cost grows with the board: join ready time and memory per open document.

For each size a fresh room gets a board of that many ideas (seeded by a holder
that stays connected); the server's resident memory before the seed and after
it (and a settle) gives the memory of one open document of that size, and five
fresh joins one after another (each applying the document) give the ready time.
The store side (compaction, export) is Sprankel's own code: growth_store.py.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from typing import Any

from .joins import _count_ideas, seed_board
from .load_client import LoadClient
from .procstat import rss_bytes

SETTLE_S = 2.0
JOINS = 5


async def growth(url_template: str, pids: Sequence[int], sizes: Sequence[int]
                 ) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for ideas in sizes:
        url = url_template.format(room=f"growth-{ideas}-{time.time_ns() % 10**12:x}")
        before = rss_bytes(pids)
        holder = await seed_board(url, ideas)
        try:
            await asyncio.sleep(SETTLE_S)  # the server's allocator settles after the seed
            after = rss_bytes(pids)
            ready: list[float] = []
            verified = True
            for index in range(JOINS):
                client = LoadClient(url, sender_id=40_000 + index, awareness=False,
                                    apply_sync=True)
                await client.open(timeout=120)
                ready.append((client.ready_ns - client.started_ns) / 1e6)
                verified = verified and _count_ideas(client.sync_payload) >= ideas
                await client.close()
        finally:
            await holder.close()
        rows[str(ideas)] = {
            "join_ready_p50_ms": statistics.median(ready),
            "memory_mib": (after - before) / 2**20,
            "verified": verified,
        }
    return {"sizes": list(sizes), "rows": rows}
