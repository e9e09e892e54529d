"""One suite every broker passes: the in-process broker and the Redis broker.

Each case gets two brokers that act as two server processes ("a" and "b"):
two MemoryBrokers on one hub, or two RedisBrokers on one real redis-server.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Text

from redis_cluster import RedisCluster, redis_cluster, unique_prefix, valkey_cluster
from redis_server import RedisServer, require_valkey_server
from sprankel._redis import RedisTarget
from sprankel.broker import Broker, PresenceEntry
from sprankel.broker.memory import MemoryBroker, MemoryHub
from sprankel.broker.redis import RedisBroker


@dataclass
class Pair:
    a: Broker
    b: Broker
    make: Callable[[], Broker]  # a third process, when a case needs one


__all__ = ["redis_cluster", "valkey_cluster"]  # the fixtures, imported for pytest


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis),
                        pytest.param("cluster", marks=pytest.mark.redis),
                        pytest.param("valkey", marks=pytest.mark.redis),
                        pytest.param("valkey-cluster", marks=pytest.mark.redis)])
async def pair(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Pair]:
    started: list[Broker] = []
    redis: RedisServer | None = None
    if request.param == "memory":
        hub = MemoryHub()

        def make() -> Broker:
            return MemoryBroker(hub)
    elif request.param.endswith("cluster"):
        # One cluster for the whole run; each case under its own prefix.
        cluster: RedisCluster = request.getfixturevalue(
            "valkey_cluster" if request.param == "valkey-cluster" else "redis_cluster")
        target, prefix = RedisTarget(cluster.url, cluster=True), unique_prefix()

        def make() -> Broker:
            return RedisBroker(target, key_prefix=prefix, heartbeat_s=0.2, presence_ttl_s=1.0)
    else:
        redis = RedisServer(tmp_path, binary=(require_valkey_server()
                                              if request.param == "valkey" else None)).start()
        url = redis.url

        def make() -> Broker:
            return RedisBroker(url, heartbeat_s=0.2, presence_ttl_s=1.0)

    async def start() -> Broker:
        broker = make()
        await broker.start()
        started.append(broker)
        return broker

    a, b = await start(), await start()
    yield Pair(a, b, make)
    for broker in started:
        await broker.close()
    if redis is not None:
        redis.stop()


class Inbox:
    """Collects what a handler receives; waits for it without sleeping blindly."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = asyncio.Event()

    def __call__(self, item: Any) -> None:
        self.items.append(item)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 5) -> list[Any]:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.items


def yjs_update(text: str) -> bytes:
    """A real Yjs update (the Redis broker merges queued updates, so they must be real)."""
    doc: Doc[Any] = Doc()
    doc["t"] = Text(text)
    return doc.get_update()


def text_of(updates: list[bytes]) -> str:
    doc: Doc[Any] = Doc()
    doc["t"] = t = Text()
    for update in updates:
        doc.apply_update(update)
    return str(t)


async def eventually(check: Callable[[], Any], timeout: float = 5) -> None:
    """Poll an async condition until it holds (presence is written in the background)."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_update_reaches_other_process_not_its_own(pair: Pair) -> None:
    a_updates, b_updates = Inbox(), Inbox()
    await pair.a.subscribe("doc", a_updates, Inbox())
    await pair.b.subscribe("doc", b_updates, Inbox())

    from_a, from_b = yjs_update("from a"), yjs_update("from b")
    await pair.a.publish_update("doc", from_a)
    await b_updates.wait_for(1)
    await pair.b.publish_update("doc", from_b)

    assert b_updates.items == [from_a]
    # a sees b's update, which b published after a's own: so a's own was really skipped.
    assert await a_updates.wait_for(1) == [from_b]


async def test_a_burst_of_updates_arrives_complete_and_large_ones_whole(pair: Pair) -> None:
    received = Inbox()
    await pair.b.subscribe("doc", received, Inbox())
    source: Doc[Any] = Doc()
    source["t"] = text = Text()
    expected = ""
    for i in range(100):
        before = source.get_state()
        piece = f"{i}," if i != 50 else "Zoë " * 300_000  # one update of about 1.5 MB
        text += piece
        expected += piece
        await pair.a.publish_update("doc", source.get_update(before))
    # The Redis broker may merge a burst into fewer messages; the content must be whole.
    deadline = time.monotonic() + 10
    while text_of(received.items) != expected:
        assert time.monotonic() < deadline, "burst incomplete"
        await received.wait_for(len(received.items) + 1)


async def test_documents_are_kept_apart(pair: Pair) -> None:
    one, two = Inbox(), Inbox()
    await pair.b.subscribe("sessions/s1/board", one, Inbox())
    await pair.b.subscribe("sessions/s2/board", two, Inbox())
    for_one, for_two = yjs_update("one"), yjs_update("two")
    await pair.a.publish_update("sessions/s2/board", for_two)
    await pair.a.publish_update("sessions/s1/board", for_one)
    assert await one.wait_for(1) == [for_one]
    assert await two.wait_for(1) == [for_two]


async def test_subscription_starts_now_and_ends_on_close(pair: Pair) -> None:
    # A third process sees "before" arrive, so it has really gone out before b subscribes
    # (a witness on another document would not do: on a cluster it lives on another node).
    witness = Inbox()
    third = pair.make()
    await third.start()
    await third.subscribe("doc", witness, Inbox())
    before, after, later = yjs_update("before"), yjs_update("after"), yjs_update("later")
    await pair.a.publish_update("doc", before)
    await witness.wait_for(1)

    received = Inbox()
    subscription = await pair.b.subscribe("doc", received, Inbox())
    await pair.a.publish_update("doc", after)
    assert await received.wait_for(1) == [after]

    await subscription.close()
    marker = Inbox()
    await pair.b.subscribe("doc", marker, Inbox())
    await pair.a.publish_update("doc", later)
    assert await marker.wait_for(1) == [later]
    assert received.items == [after]
    await third.close()


async def test_a_process_that_subscribes_gets_the_awareness_others_hold(pair: Pair) -> None:
    held = b"\x01state of a's client"
    await pair.a.subscribe("doc", Inbox(), Inbox(), lambda: held)
    await pair.b.subscribe("other", Inbox(), Inbox(), lambda: b"\x01not this document")
    newcomer = Inbox()
    await pair.b.subscribe("doc", Inbox(), newcomer, lambda: None)
    assert await newcomer.wait_for(1) == [held]


async def test_the_awareness_others_hold_arrives_when_redis_confirms_late(
        pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    # Subscribing waits a while for Redis's confirmation, then asks anyway (a loaded cluster
    # took longer than that in CI): the answer may come before it listens, so the question
    # is asked again when the confirmation comes. Here the newcomer's wait is none at all.
    held = b"\x01state of a's client"
    await pair.a.subscribe("doc", Inbox(), Inbox(), lambda: held)
    monkeypatch.setattr("sprankel.broker.redis.awareness.CONFIRM_WAIT_S", 0)
    newcomer = Inbox()
    await pair.b.subscribe("doc", Inbox(), newcomer, lambda: None)
    assert (await newcomer.wait_for(1))[-1] == held


async def test_nobody_answers_for_a_process_without_states(pair: Pair) -> None:
    await pair.a.subscribe("doc", Inbox(), Inbox(), lambda: None)
    newcomer = Inbox()
    await pair.b.subscribe("doc", Inbox(), newcomer, lambda: None)
    # Sent again until b hears it: subscribing waits at most SUBSCRIBE_WAIT_S (1 s) for
    # Redis to confirm, which a loaded machine's cluster can take longer than.
    for _ in range(30):
        await pair.a.publish_awareness("doc", b"\x01later")
        with contextlib.suppress(TimeoutError):
            await newcomer.wait_for(1, timeout=1)
            break
    # What arrives is only what a publishes later: no empty answer before it.
    assert newcomer.items and set(newcomer.items) == {b"\x01later"}, newcomer.items


async def test_awareness_reaches_other_process_not_its_own(pair: Pair) -> None:
    a_awareness, b_awareness = Inbox(), Inbox()
    await pair.a.subscribe("doc", Inbox(), a_awareness)
    await pair.b.subscribe("doc", Inbox(), b_awareness)
    payload = '{"user": {"name": "Zoë"}}'.encode()
    await pair.a.publish_awareness("doc", payload)
    await pair.b.publish_awareness("doc", b"from b")
    assert await b_awareness.wait_for(1) == [payload]
    assert await a_awareness.wait_for(1) == [b"from b"]


async def test_events_reach_every_subscriber_including_own_process(pair: Pair) -> None:
    on_a, on_b = Inbox(), Inbox()
    await pair.a.subscribe_events("sessions/s1", on_a)
    sub_b = await pair.b.subscribe_events("sessions/s1", on_b)
    event = {"type": "locked", "by": "Zoë", "n": 3, "nested": {"ok": True}}
    await pair.a.publish_event("sessions/s1", event)
    assert await on_a.wait_for(1) == [event]
    assert await on_b.wait_for(1) == [event]

    await sub_b.close()
    await pair.a.publish_event("sessions/s1", {"type": "second"})
    await on_a.wait_for(2)
    await pair.a.publish_event("sessions/other", {"type": "elsewhere"})
    await pair.a.publish_event("sessions/s1", {"type": "third"})
    assert [e["type"] for e in await on_a.wait_for(3)] == ["locked", "second", "third"]
    assert on_b.items == [event]


async def test_a_process_channel_relays_signalling_in_order_and_whole(pair: Pair) -> None:
    # Voice tables (voice/tables.py) relay WebRTC offers to the seat's process on its own
    # channel: an SDP of up to 16 KiB, many candidates in a row, none lost or reordered.
    on_b = Inbox()
    await pair.b.subscribe_events(f"voice-relay:{pair.b.process_id}", on_b)
    offer = {"to": "seat1", "payload": {"kind": "offer", "sdp": "v=0\r\n" + "a" * 16_000}}
    candidates = [{"to": "seat1", "payload": {"kind": "candidate", "n": i}} for i in range(50)]
    for event in (offer, *candidates):
        await pair.a.publish_event(f"voice-relay:{pair.b.process_id}", event)
    assert await on_b.wait_for(51) == [offer, *candidates]


def _entry(broker: Broker, cid: str, document: str = "doc", **user: Any) -> PresenceEntry:
    now = time.time()
    return PresenceEntry(cid, document, broker.process_id, now, now, user)


async def test_presence_is_shared_between_processes(pair: Pair) -> None:
    await pair.a.presence_join(_entry(pair.a, "c1", name="Zoë"))
    await pair.b.presence_join(_entry(pair.b, "c2", name="Bram"))
    await pair.b.presence_join(_entry(pair.b, "c3", document="other"))

    async def both_seen() -> bool:
        return {e.connection_id for e in await pair.b.presence("doc")} == {"c1", "c2"}

    await eventually(both_seen)
    entries = {e.connection_id: e for e in await pair.a.presence("doc")}
    assert set(entries) == {"c1", "c2"}
    assert entries["c1"].user == {"name": "Zoë"}
    assert entries["c1"].process == pair.a.process_id
    assert entries["c2"].process == pair.b.process_id
    assert entries["c2"].document == "doc"
    assert entries["c2"].last_seen >= entries["c2"].connected_at - 1

    await pair.a.presence_leave("doc", "c1")

    async def only_c2() -> bool:
        return [e.connection_id for e in await pair.b.presence("doc")] == ["c2"]

    await eventually(only_c2)
    assert [e.connection_id for e in await pair.b.presence("other")] == ["c3"]
    assert await pair.a.presence("nobody") == []
    await pair.a.presence_leave("doc", "never-joined")  # harmless


async def test_a_closed_process_leaves_no_presence(pair: Pair) -> None:
    third = pair.make()
    await third.start()
    await third.presence_join(_entry(third, "c9"))

    async def seen() -> bool:
        return [e.connection_id for e in await pair.a.presence("doc")] == ["c9"]

    await eventually(seen)
    await third.close()

    async def gone() -> bool:
        return await pair.a.presence("doc") == []

    await eventually(gone)


async def test_lease_is_held_by_one_process_until_it_expires(pair: Pair) -> None:
    assert await pair.a.acquire_once("round-1-ends", ttl_s=0.5)
    assert not await pair.b.acquire_once("round-1-ends", ttl_s=0.5)
    assert not await pair.a.acquire_once("round-1-ends", ttl_s=0.5)
    assert await pair.b.acquire_once("round-2-ends", ttl_s=0.5)

    async def free_again() -> bool:
        return await pair.b.acquire_once("round-1-ends", ttl_s=5)

    await eventually(free_again)
    assert not await pair.a.acquire_once("round-1-ends", ttl_s=5)


async def test_lease_goes_to_exactly_one_of_many_contenders(pair: Pair) -> None:
    results = await asyncio.gather(
        *(broker.acquire_once("timer", ttl_s=5) for broker in [pair.a, pair.b] * 10)
    )
    assert results.count(True) == 1


async def test_expired_leases_do_not_pile_up_in_one_process() -> None:
    """Each round's deadline takes its own lease key; the in-process broker forgets the
    expired ones (Redis expires them itself), or a long-running server keeps them all
    (found by benchmarks/soak.py's review)."""
    hub = MemoryHub()
    broker = MemoryBroker(hub)
    for n in range(2000):
        assert await broker.acquire_once(f"timer:s:r:{n}", ttl_s=0)  # expired at once
    assert len(hub.leases) <= 300
    assert await broker.acquire_once("held", ttl_s=60)
    for n in range(400):
        await broker.acquire_once(f"more:{n}", ttl_s=0)
    assert not await broker.acquire_once("held", ttl_s=60)  # a live lease is never forgotten
