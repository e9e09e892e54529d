"""One process killed with SIGKILL mid-editing: its clients move to another and converge.

Nothing the dead process stored is lost, the client's edits made while it was cut
off reach everyone once it reconnects, and the dead process's connections leave the
presence list within the presence expiry (10 s) without anybody saying goodbye.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map
from websockets.exceptions import ConnectionClosed

from conftest import ServerFactory
from redis_server import RedisServer, presence, start_processes
from yclient import YClient

pytestmark = pytest.mark.redis

EDITS = 40


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def test_clients_of_a_killed_process_reconnect_elsewhere_and_converge(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    survivor, victim = start_processes(start_server, redis, 2)
    doc = "sessions/crash/board"
    a = await YClient(f"{survivor.ws_url}/{doc}").connect()
    b = await YClient(f"{victim.ws_url}/{doc}").connect()
    seen = {e["process"] for e in await asyncio.to_thread(presence, survivor, doc)}
    assert victim.process is not None
    # Process ids read "host-pid-random".
    victim_id = f"-{victim.process.pid}-"
    assert any(victim_id in p for p in seen), seen  # b is listed before the crash

    async def edit_a() -> None:
        for n in range(EDITS):
            await a.change(lambda d, n=n: ideas(d).__setitem__(f"a{n}", n))
            await asyncio.sleep(0.01)

    async def edit_b() -> None:
        for n in range(EDITS):
            if n == EDITS // 2:
                assert victim.process is not None
                victim.process.send_signal(signal.SIGKILL)  # mid-editing
            # Cut off, the edit stays in b's document, as it would in a browser.
            with contextlib.suppress(ConnectionClosed):
                await b.change(lambda d, n=n: ideas(d).__setitem__(f"b{n}", n))
            await asyncio.sleep(0.01)

    await asyncio.gather(edit_a(), edit_b())
    assert victim.process is not None and victim.process.wait(10) == -signal.SIGKILL

    # b reconnects (to the other process, as a load balancer would send it) with its doc.
    await b.wait_closed()
    b_again = await YClient(f"{survivor.ws_url}/{doc}", doc=b.doc).connect()
    for client in (a, b_again):
        await client.wait_for(lambda c=client: len(ideas(c.doc)) == 2 * EDITS, timeout=20)
    assert ideas(a.doc).to_py() == ideas(b_again.doc).to_py()

    # The dead process never said goodbye; its heartbeat expiry removes its connection.
    deadline = time.monotonic() + 20
    while True:
        processes = {e["process"] for e in await asyncio.to_thread(presence, survivor, doc)}
        if not any(victim_id in p for p in processes):
            break
        assert time.monotonic() < deadline, processes
        await asyncio.sleep(0.25)
    assert len(processes) == 1
    await a.close()
    await b_again.close()
