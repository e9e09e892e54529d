"""The Redis broker across a Redis outage, process by process (in-process brokers).

What the multi-process fault tests show end to end, here in detail: queued updates
and events are delivered after the outage, a process's own events never wait for
Redis, a lease is refused (not granted twice) while Redis is away, and a process that
stops beating without saying goodbye leaves presence when its heartbeat expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Text

from redis_server import RedisServer
from sprankel.broker import PresenceEntry
from sprankel.broker.redis import RedisBroker

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


async def started(redis: RedisServer, **options: Any) -> RedisBroker:
    broker = RedisBroker(redis.url, heartbeat_s=0.2, presence_ttl_s=1.0, **options)
    await broker.start()
    return broker


def text_of(updates: list[bytes]) -> str:
    doc: Doc[Any] = Doc()
    doc["t"] = text = Text()
    for update in updates:
        doc.apply_update(update)
    return str(text)


async def until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_updates_and_events_sent_during_an_outage_arrive_afterwards(
    redis: RedisServer,
) -> None:
    a, b = await started(redis), await started(redis)
    updates: list[bytes] = []
    a_events: list[Any] = []
    b_events: list[Any] = []
    await b.subscribe("doc", updates.append, lambda _: None)
    await a.subscribe_events("sessions", a_events.append)
    await b.subscribe_events("sessions", b_events.append)

    redis.stop()
    source: Doc[Any] = Doc()
    source["t"] = text = Text()
    for n in range(20):
        before = source.get_state()
        text += f"{n},"
        await a.publish_update("doc", source.get_update(before))
    await a.publish_event("sessions", {"type": "locked", "n": 1})
    await until(lambda: a_events == [{"type": "locked", "n": 1}])  # own: without Redis
    assert b_events == []

    redis.start()
    await until(lambda: text_of(updates) == str(text))
    await until(lambda: b_events == [{"type": "locked", "n": 1}])
    await asyncio.sleep(0.3)
    assert a_events == [{"type": "locked", "n": 1}]  # not a second time from the stream
    await a.close()
    await b.close()


async def test_documents_are_recovered_from_the_store_after_a_restart(
    redis: RedisServer,
) -> None:
    # What was published just before Redis lost it is still in the store.
    stored: dict[str, list[bytes]] = {"doc": [b"stored state"]}

    async def recover(name: str) -> list[bytes]:
        return stored.get(name, [])

    a = await started(redis, recover=recover)
    received: list[bytes] = []
    await a.subscribe("doc", received.append, lambda _: None)
    redis.restart()
    await until(lambda: b"stored state" in received)
    await a.close()


async def test_a_lease_is_refused_while_redis_is_away(redis: RedisServer) -> None:
    a = await started(redis)
    redis.stop()
    assert not await a.acquire_once("timer:s1", ttl_s=0.3)
    redis.start()
    assert await a.acquire_once("timer:s1", ttl_s=5)
    await a.close()


async def test_a_process_that_stops_beating_leaves_presence(redis: RedisServer) -> None:
    a, crashed = await started(redis), await started(redis)
    now = time.time()
    await crashed.presence_join(PresenceEntry("c1", "doc", crashed.process_id, now, now))

    async def listed() -> list[str]:
        return [e.connection_id for e in await a.presence("doc")]

    deadline = time.monotonic() + 5
    while (seen := await listed()) != ["c1"]:  # written in the background
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.02)
    # A crash: its tasks stop, nobody says goodbye.
    for task in crashed._tasks:
        task.cancel()
    deadline = time.monotonic() + 5
    while (seen := await listed()) != []:
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.05)
    await crashed.close()
    await a.close()
