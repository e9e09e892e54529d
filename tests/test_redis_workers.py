"""`sprankel serve --workers N`: N processes on one port, kept alive, stopped together."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map

from conftest import ServerFactory
from redis_server import RedisServer, presence
from server_process import ServerProcess, free_port
from yclient import YClient

pytestmark = pytest.mark.redis

DOC = "sessions/workers/board"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def wait_for_log(server: ServerProcess, text: str, count: int = 1,
                       timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while server.log().count(text) < count:
        assert time.monotonic() < deadline, f"never logged {text!r}:\n{server.log()}"
        await asyncio.sleep(0.05)


def start_workers(start: ServerFactory, redis: RedisServer, workers: int) -> ServerProcess:
    return start("--workers", str(workers), "--open-documents", "--room-grace-s", "0.5",
                 env={"REDIS_URL": redis.url})


async def clients_on_every_worker(server: ServerProcess, workers: int
                                  ) -> dict[str, list[YClient]]:
    """Connect until every worker has a client (the kernel picks the worker): by process."""
    clients: list[YClient] = []
    entries: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while len({e["process"] for e in entries}) < workers or len(entries) != len(clients):
        assert time.monotonic() < deadline and len(clients) <= 40, entries
        if len(entries) == len(clients):  # else: another worker's entry is on its way
            clients.append(await YClient(f"{server.ws_url}/{DOC}").connect())
        else:
            await asyncio.sleep(0.05)
        entries = await asyncio.to_thread(presence, server, DOC)
    by_process: dict[str, list[YClient]] = {}
    # Presence lists connections in the order they connected, as the clients were made.
    for entry, client in zip(entries, clients, strict=True):
        by_process.setdefault(entry["process"], []).append(client)
    return by_process


def pid_of(process_id: str) -> int:
    return int(process_id.split("-")[-2])  # "host-pid-random"


async def test_workers_share_the_port_and_converge(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    server = start_workers(start_server, redis, 2)
    await wait_for_log(server, "all 2 workers ready")
    by_process = await clients_on_every_worker(server, 2)
    clients = [c for group in by_process.values() for c in group]
    for i, client in enumerate(clients):
        await client.change(lambda d, i=i: ideas(d).__setitem__(f"c{i}", i))
    for client in clients:
        await client.wait_for(lambda c=client: len(ideas(c.doc)) == len(clients), timeout=30)
    for client in clients:
        await client.close()


async def test_a_dead_worker_is_replaced_and_its_clients_move_on(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    server = start_workers(start_server, redis, 2)
    await wait_for_log(server, "all 2 workers ready")
    by_process = await clients_on_every_worker(server, 2)
    (victim, cut_off), (_, kept) = list(by_process.items())
    os.kill(pid_of(victim), signal.SIGKILL)
    await wait_for_log(server, "died (killed by SIGKILL)")

    # The cut-off client edits offline, reconnects to the same port (a live worker).
    await cut_off[0].wait_closed()
    with cut_off[0].doc.transaction():
        ideas(cut_off[0].doc)["offline"] = 1
    moved = await YClient(f"{server.ws_url}/{DOC}", doc=cut_off[0].doc).connect()
    await kept[0].change(lambda d: ideas(d).__setitem__("kept", 1))
    for client in (moved, kept[0]):
        await client.wait_for(lambda c=client: {"offline", "kept"} <= set(ideas(c.doc)),
                              timeout=30)

    await wait_for_log(server, "started pid=", count=3)  # two at start, one replacement
    await wait_for_log(server, "Application startup complete.", count=3)
    assert server.process is not None and server.process.poll() is None

    # A replacement that dies again at once waits longer: a crash loop does not spin.
    replacement = int(server.log().rsplit("started pid=", 1)[1].split()[0])
    os.kill(replacement, signal.SIGKILL)
    await wait_for_log(server, "starting a new one in 1.5 s")
    await wait_for_log(server, "started pid=", count=4)
    for client in [moved, *kept, *cut_off[1:]]:
        await client.close()


async def test_sigterm_closes_every_socket_with_1001_and_exits_cleanly(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    server = start_workers(start_server, redis, 2)
    await wait_for_log(server, "all 2 workers ready")
    by_process = await clients_on_every_worker(server, 2)
    clients = [c for group in by_process.values() for c in group]
    assert await asyncio.to_thread(server.stop, signal.SIGTERM) == 0
    for client in clients:
        assert await client.wait_closed() == 1001
    assert "supervisor got SIGTERM" in server.log()
    assert "supervisor stopped" in server.log()


def serve(tmp_path: Path, *flags: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("REDIS_URL", "SPRANKEL_REDIS_URL", "WEB_CONCURRENCY")}
    return subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "serve", "--port", str(free_port()), *flags],
        env={**clean, **env}, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )


def test_workers_without_redis_are_refused(tmp_path: Path) -> None:
    result = serve(tmp_path, "--workers", "2", env={})
    assert result.returncode == 2
    assert "--workers above 1 needs REDIS_URL" in result.stderr


def test_a_worker_that_cannot_start_stops_the_server(redis: RedisServer, tmp_path: Path) -> None:
    # The data folder passes the CLI's check, but each worker's database cannot open: the
    # database's own path is taken by a folder.
    data = tmp_path / "data"
    (data / "sprankel.sqlite3").mkdir(parents=True)
    result = serve(tmp_path, "--workers", "2", "--data-dir", str(data),
                   env={"REDIS_URL": redis.url})
    assert result.returncode == 1
    assert "failed to start" in result.stderr
    assert "died" not in result.stderr  # not mistaken for a crash and restarted
