"""Several processes on one Redis serve a document as one process does.

Each process runs on its own port, so every client's process is known: the
clients of one document are spread over all of them. The same cases run with one
process as the reference.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from conftest import ServerFactory
from redis_server import RedisServer, presence, start_processes
from server_process import ServerProcess
from yclient import YClient

pytestmark = pytest.mark.redis


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def connect_spread(servers: list[ServerProcess], document: str, count: int
                         ) -> list[YClient]:
    """count clients, client i on server i % len(servers)."""
    urls = [f"{servers[i % len(servers)].ws_url}/{document}" for i in range(count)]
    return list(await asyncio.gather(*(YClient(url).connect() for url in urls)))


async def edit_concurrently(clients: list[YClient], edits_each: int) -> None:
    async def edit(i: int, client: YClient) -> None:
        for j in range(edits_each):
            await client.change(lambda d, i=i, j=j: ideas(d).__setitem__(f"c{i}-{j}", j))
            await client.change(lambda d, i=i, j=j: d.get("log", type=Array).append(f"{i}:{j}"))

    await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))


async def assert_converged(clients: list[YClient], expected: int) -> None:
    for c in clients:
        await c.wait_for(lambda c=c: len(ideas(c.doc)) == expected, timeout=20)
    logs = [c.doc.get("log", type=Array).to_py() for c in clients]
    assert all(log == logs[0] for log in logs)
    assert len(logs[0]) == expected


async def close_all(clients: list[YClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients))


@pytest.mark.parametrize("processes", [1, 2, 4])
async def test_clients_on_different_processes_converge(
    redis: RedisServer, start_server: ServerFactory, processes: int
) -> None:
    servers = start_processes(start_server, redis, processes)
    clients = await connect_spread(servers, "sessions/conv/board", 2 * processes)
    await edit_concurrently(clients, 10)
    await assert_converged(clients, 20 * processes)

    # A late joiner on any process receives everything.
    late = await YClient(f"{servers[-1].ws_url}/sessions/conv/board").connect()
    await late.wait_for(lambda: len(ideas(late.doc)) == 20 * processes)
    assert late.doc.get("log", type=Array).to_py() == clients[0].doc.get(
        "log", type=Array).to_py()
    await close_all([*clients, late])


@pytest.mark.parametrize("processes", [1, 2, 4])
async def test_awareness_crosses_processes_and_leaving_clears_it(
    redis: RedisServer, start_server: ServerFactory, processes: int
) -> None:
    servers = start_processes(start_server, redis, processes)
    clients = await connect_spread(servers, "sessions/aw/board", max(2, processes))
    first, others = clients[0], clients[1:]
    await first.set_awareness({"user": {"name": "Zoë", "color": "#c00"}, "cursor": [1, 2]})
    for c in others:
        await c.wait_for(lambda c=c: c.awareness.get(first.client_id) is not None)
        assert c.awareness[first.client_id]["user"]["name"] == "Zoë"

    await first.close()  # the server broadcasts the removal of first's state everywhere
    for c in others:
        await c.wait_for(lambda c=c: c.awareness.get(first.client_id, 0) is None)
    await close_all(others)


async def test_presence_lists_connections_of_every_process(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    servers = start_processes(start_server, redis, 2)
    clients = await connect_spread(servers, "sessions/pres/board", 4)
    other = await YClient(f"{servers[0].ws_url}/sessions/pres/control").connect()

    async def listed(server: ServerProcess, count: int) -> list[dict[str, Any]]:
        for _ in range(100):
            entries = await asyncio.to_thread(presence, server, "sessions/pres/board")
            if len(entries) == count:
                return entries
            await asyncio.sleep(0.05)
        raise AssertionError(f"presence never listed {count} connections: {entries}")

    for server in servers:
        entries = await listed(server, 4)
        assert len({e["process"] for e in entries}) == 2
        assert all(e["document"] == "sessions/pres/board" for e in entries)
        assert all(e["last_seen"] >= e["connected_at"] - 5 for e in entries)

    await clients[1].close()  # on servers[1]
    entries = await listed(servers[0], 3)
    assert [e["document"] for e in await asyncio.to_thread(
        presence, servers[1], "sessions/pres/control")] == ["sessions/pres/control"]
    assert len(entries) == 3
    await close_all([*clients, other])


async def test_hosts_with_the_redis_store_share_documents_across_restarts(
    redis: RedisServer, start_server: ServerFactory, tmp_path: Path
) -> None:
    hosts = [tmp_path / "host-a", tmp_path / "host-b"]
    servers = start_processes(start_server, redis, 2, "--store", "redis", data_dirs=hosts)
    clients = await connect_spread(servers, "sessions/hosts/board", 2)
    await edit_concurrently(clients, 10)
    await assert_converged(clients, 20)
    await close_all(clients)
    for server in servers:
        assert server.stop() in (0, -15)  # uvicorn re-raises SIGTERM after a clean stop
    assert not (hosts[0] / "sprankel.sqlite3").exists()  # nothing of it on the hosts' disks

    servers[1].start()
    again = await YClient(f"{servers[1].ws_url}/sessions/hosts/board").connect()
    await again.wait_for(lambda: len(ideas(again.doc)) == 20)
    await again.close()
