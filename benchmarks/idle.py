"""Memory per idle connection: the server's resident memory before and after.

One holder per room connects first, so the rooms themselves exist in the
baseline; then the other clients connect (synced, one awareness state each, as
a browser tab that sits open) and the growth of the server's RSS is divided by
their number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .load_client import LoadClient
from .procstat import rss_bytes

SETTLE_S = 3.0  # let the server finish its work (and a garbage collector run) before reading


@dataclass
class IdleResult:
    connections: int  # measured (excluding the holders)
    connected: int
    rooms: int
    baseline_mib: float
    loaded_mib: float
    kib_per_connection: float
    connect_seconds: float
    errors: list[str] = field(default_factory=list)


async def _open_all(clients: list[LoadClient], concurrency: int, timeout: float) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(client: LoadClient) -> None:
        async with gate:
            try:
                await client.open(timeout=timeout)
            except (TimeoutError, OSError, ConnectionError) as error:
                client.error = client.error or f"{type(error).__name__}: {error}"

    await asyncio.gather(*(one(c) for c in clients))


async def idle_connections(
    url_template: str, server_pids: Sequence[int], connections: int = 2000, rooms: int = 100,
    concurrency: int = 50, timeout: float = 60.0,
) -> IdleResult:
    run = f"idle-{time.time_ns() % 10**12:x}"
    urls = [url_template.format(room=f"{run}-{r}") for r in range(rooms)]
    holders = [LoadClient(url, sender_id=1 + r) for r, url in enumerate(urls)]
    clients = [
        LoadClient(urls[i % rooms], sender_id=1000 + i) for i in range(connections - rooms)
    ]
    try:
        await _open_all(holders, concurrency, timeout)
        await asyncio.sleep(SETTLE_S)
        baseline = rss_bytes(server_pids)
        start = time.monotonic()
        await _open_all(clients, concurrency, timeout)
        connect_seconds = time.monotonic() - start
        await asyncio.sleep(SETTLE_S)
        loaded = rss_bytes(server_pids)
        connected = sum(1 for c in clients if c.ready_ns and c.is_open)
        errors = sorted({c.error or "not ready" for c in clients if not c.ready_ns})[:5]
    finally:
        await asyncio.gather(*(c.close() for c in holders + clients))
    measured = len(clients)
    return IdleResult(
        connections=measured, connected=connected, rooms=rooms,
        baseline_mib=baseline / 2**20, loaded_mib=loaded / 2**20,
        kib_per_connection=(loaded - baseline) / 1024 / max(1, measured),
        connect_seconds=connect_seconds, errors=errors,
    )
