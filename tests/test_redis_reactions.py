"""Reactions across two server processes on one Redis: a reaction sent through one
process floats up at connections to the other (the server's awareness state goes through
the broker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api_harness import Api
from conftest import ServerFactory
from redis_server import RedisServer
from sprankel.sync.awareness import SERVER_CLIENT_IDS
from yclient import YClient

pytestmark = pytest.mark.redis

SECRET = "a-shared-secret-key-for-both-processes"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


def emojis(client: YClient) -> set[str]:
    return {e for i, state in client.awareness.items() if i >= SERVER_CLIENT_IDS and state
            for _, e in state["reactions"]}


async def test_a_reaction_through_one_process_reaches_connections_at_the_other(
        redis: RedisServer, start_server: ServerFactory, tmp_path: Path) -> None:
    flags = ("--store", "redis", "--redis-url", redis.url, "--secret-key", SECRET,
             "--room-grace-s", "0.5")
    a = start_server(*flags, data_dir=tmp_path / "a")
    b = start_server(*flags, data_dir=tmp_path / "b")
    api_a, api_b = Api(a), Api(b)
    try:
        sid, f, code = await api_a.create(settings={"anonymous": True})
        ann = await api_b.join(sid, code, "Annelies")
        bob = await api_b.join(sid, code, "Bob")
        control = f"sessions/{sid}/control"
        async with api_b.ws(control, bob.token) as at_b, api_a.ws(control, f.token) as at_a:
            # Process a has the document open; its reaction reaches b's connection.
            await api_a.call("POST", f"/sessions/{sid}/reactions", ann.token,
                             {"emoji": "🎉"}, expect=202)
            await at_b.wait_for(lambda: "🎉" in emojis(at_b), timeout=20)
            await at_a.wait_for(lambda: "🎉" in emojis(at_a), timeout=20)
        # Only b has a connection now: Redis carries it all the same.
        async with api_b.ws(control, bob.token) as only_b:
            await api_a.call("POST", f"/sessions/{sid}/reactions", bob.token,
                             {"emoji": "💡"}, expect=202)
            await only_b.wait_for(lambda: "💡" in emojis(only_b), timeout=20)
            assert b"Annelies" not in b"".join(only_b.received)
    finally:
        await api_a.aclose()
        await api_b.aclose()
