"""A Redis that answers slowly (DEBUG SLEEP) does not stall unrelated documents.

Redis is single-threaded: while it sleeps, nothing crosses between processes. But
a process serves its own clients without waiting for Redis, so two clients of one
document on one process keep working together; cross-process edits arrive when
Redis wakes up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from conftest import ServerFactory
from redis_server import RedisServer, presence, start_processes
from yclient import YClient

pytestmark = pytest.mark.redis

SLEEP_S = 6


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def test_a_sleeping_redis_does_not_stall_local_documents(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    one, two = start_processes(start_server, redis, 2)
    quiet = [await YClient(f"{one.ws_url}/sessions/slow/quiet").connect() for _ in range(2)]
    busy_one = await YClient(f"{one.ws_url}/sessions/slow/busy").connect()
    busy_two = await YClient(f"{two.ws_url}/sessions/slow/busy").connect()
    await busy_one.change(lambda d: ideas(d).__setitem__("warm", 1))
    await busy_two.wait_for(lambda: "warm" in ideas(busy_two.doc))

    sleeper = redis.debug_sleep(SLEEP_S)  # returns once Redis has stopped answering
    await busy_one.change(lambda d: ideas(d).__setitem__("across", 1))
    for n in range(5):
        await quiet[0].change(lambda d, n=n: ideas(d).__setitem__(f"q{n}", n))
        await quiet[1].wait_for(lambda n=n: f"q{n}" in ideas(quiet[1].doc), timeout=SLEEP_S)
        await busy_one.set_awareness({"user": {"name": "Zoë"}, "n": n})
    # Who is here answers too, with what this process knows.
    here = await asyncio.to_thread(presence, one, "sessions/slow/quiet")
    assert len(here) == 2
    # Served while Redis was still asleep: the local fan-out did not wait for it.
    assert sleeper.is_alive()

    # Once Redis wakes, what crossed nothing while it slept arrives at the other process.
    await busy_two.wait_for(lambda: "across" in ideas(busy_two.doc), timeout=SLEEP_S + 10)
    sleeper.join(SLEEP_S + 10)
    for client in [*quiet, busy_one, busy_two]:
        await client.close()
    for server in (one, two):
        assert server.process is not None and server.process.poll() is None
