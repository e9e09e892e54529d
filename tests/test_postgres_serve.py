"""Real `sprankel serve --store postgres` processes on a real PostgreSQL (and Redis).

The several-host layout of docs/scaling.md: every process has its own data folder
(nothing shared on disk), the documents and records live in PostgreSQL, Redis
carries the fan-out between processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pycrdt import Doc, Map

from api_harness import Api
from conftest import ServerFactory
from postgres_server import PostgresServer
from redis_server import RedisServer
from server_process import ServerProcess, free_port
from sprankel import status
from yclient import YClient

pytestmark = [pytest.mark.postgres]

SECRET = "a-shared-signing-key-for-all-hosts-0123456789"


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


def host(start: ServerFactory, tmp_path: Path, name: str, database_url: str,
         *flags: str, env: dict[str, str] | None = None) -> ServerProcess:
    """One host of the several-host layout: its own data folder, the shared PostgreSQL."""
    return start("--store", "postgres", "--room-grace-s", "0.5", *flags,
                 data_dir=tmp_path / name,
                 env={"DATABASE_URL": database_url, "SPRANKEL_SECRET_KEY": SECRET,
                      **(env or {})})


def readyz(server: ServerProcess) -> int:
    try:
        with urllib.request.urlopen(server.http_url + "/readyz", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


async def test_sessions_and_documents_survive_a_restart_on_another_host(
    start_server: ServerFactory, tmp_path: Path, postgres_url: str,
) -> None:
    first = host(start_server, tmp_path, "one", postgres_url, "--open-documents")
    api = Api(first)
    sid, facilitator, _ = await api.create(title="Bewaard in PostgreSQL")
    await api.aclose()
    async with YClient(f"{first.ws_url}/notes/kept") as writer, \
            YClient(f"{first.ws_url}/notes/kept") as observer:
        for i in range(30):
            await writer.change(lambda d, i=i: ideas(d).__setitem__(f"i{i}", i))
        await observer.wait_for(lambda: len(ideas(observer.doc)) == 30)
    first.stop()

    # A new process with an empty data folder: everything comes from PostgreSQL.
    second = host(start_server, tmp_path, "two", postgres_url, "--open-documents")
    async with YClient(f"{second.ws_url}/notes/kept") as reader:
        await reader.wait_for(lambda: len(ideas(reader.doc)) == 30)
    api = Api(second)
    session = await api.call("GET", f"/sessions/{sid}", facilitator.token, expect=200)
    assert session["title"] == "Bewaard in PostgreSQL"
    await api.aclose()
    assert not (tmp_path / "two" / "sprankel.sqlite3").exists()


@pytest.mark.redis
async def test_two_hosts_on_postgres_and_redis_share_sessions_and_converge(
    start_server: ServerFactory, tmp_path: Path, postgres_url: str,
) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        env = {"REDIS_URL": redis.url}
        with ThreadPoolExecutor(2) as pool:
            one, two = pool.map(lambda n: host(start_server, tmp_path, n, postgres_url,
                                               "--open-documents", env=env), ["one", "two"])
        on_one, on_two = Api(one), Api(two)
        sid, facilitator, code = await on_one.create(title="Twee hosts")
        member = await on_two.join(sid, code, "Femke")  # the record written on one
        participants = await on_one.call("GET", f"/sessions/{sid}/participants",
                                         facilitator.token, expect=200)
        assert member.id in str(participants)

        clients = [await YClient(f"{s.ws_url}/notes/shared").connect()
                   for s in (one, two, one, two)]

        async def edit(i: int, client: YClient) -> None:
            for j in range(15):
                await client.change(lambda d, i=i, j=j: ideas(d).__setitem__(f"c{i}-{j}", j))

        await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))
        for client in clients:
            await client.wait_for(lambda c=client: len(ideas(c.doc)) == 60, timeout=30)
        await asyncio.gather(*(c.close() for c in clients))
        await on_one.aclose()
        await on_two.aclose()
        for server in (one, two):
            server.stop()


async def test_migrations_of_two_processes_starting_at_once_on_an_empty_database(
    start_server: ServerFactory, tmp_path: Path, postgres_url: str,
) -> None:
    with ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(lambda n: host(start_server, tmp_path, n, postgres_url,
                                               "--open-documents"), ["one", "two"]))
    for server in servers:
        assert readyz(server) == 200, server.log()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT version FROM sprankel_schema").fetchall() == [(1,)]
    logs = "".join(server.log() for server in servers)
    assert logs.count("schema migrated to version 1") == 1


async def reconnect(url: str, doc: Doc[Any], timeout: float = 60) -> YClient:
    """Connect until the server serves the document again (as y-websocket retries)."""
    deadline = time.monotonic() + timeout
    while True:
        client = YClient(url, doc=doc)
        try:
            await client.connect(timeout=10)
            if not client.closed.is_set():
                return client
        except (OSError, TimeoutError):
            pass
        await client.close()
        assert time.monotonic() < deadline, "the document was not served again"
        await asyncio.sleep(0.2)


async def test_an_outage_of_postgres_loses_nothing_acknowledged(
    start_server: ServerFactory, tmp_path: Path,
) -> None:
    postgres = PostgresServer().start()
    try:
        server = host(start_server, tmp_path, "one", postgres.database(), "--open-documents")
        url = f"{server.ws_url}/notes/outage"
        writer = await YClient(url).connect()
        # The room sends an update on to others only once the store has it: what the
        # observer sees is acknowledged.
        observer = await YClient(url).connect()
        for i in range(10):
            await writer.change(lambda d, i=i: ideas(d).__setitem__(f"before{i}", i))
        await observer.wait_for(lambda: len(ideas(observer.doc)) == 10)
        acknowledged = set(ideas(observer.doc))
        assert readyz(server) == 200

        postgres.stop()
        await writer.change(lambda d: ideas(d).__setitem__("during", 1))
        assert await writer.wait_closed(timeout=30) == status.CLOSE_INTERNAL_ERROR
        assert "storage failed" in writer.close_reason
        assert await observer.wait_closed(timeout=30) == status.CLOSE_INTERNAL_ERROR
        await observer.close()
        assert readyz(server) == 503
        await writer.close()
        # The client keeps editing offline, as a browser does.
        with writer.doc.transaction():
            ideas(writer.doc)["offline"] = 2

        postgres.start()
        again = await reconnect(url, writer.doc)  # resends what the server lacks
        await again.change(lambda d: ideas(d).__setitem__("after", 3))
        reader = await YClient(url).connect()
        expected = acknowledged | {"during", "offline", "after"}
        await reader.wait_for(lambda: set(ideas(reader.doc)) == expected, timeout=30)
        assert readyz(server) == 200
        await again.close()
        await reader.close()
        server.stop()
        log = server.log()
        assert "store append failed" in log
        assert log.count("postgres store lost PostgreSQL") == 1
        assert log.count("postgres store reached PostgreSQL") == 1
    finally:
        postgres.destroy()


def test_a_wrong_password_stops_the_start_with_one_clear_line(
    tmp_path: Path, postgres_cluster: PostgresServer, postgres_url: str,
) -> None:
    # The start-up wait (30 s) is cut short by SIGTERM, as for Redis; the lines
    # before say what is wrong, without the password.
    dbname = postgres_url.rsplit("/", 1)[1]
    url = postgres_cluster.url(dbname, password="wrong-s3cret")
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sprankel.cli", "serve", "--store", "postgres",
             "--port", str(free_port()), "--data-dir", str(tmp_path / "data")],
            env={**os.environ, "DATABASE_URL": url}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while log_path.read_text().count("waiting for PostgreSQL at") < 2:
            assert time.monotonic() < deadline, log_path.read_text()
            assert server.poll() is None, log_path.read_text()
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) != 0  # it never served
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    text = log_path.read_text()
    waiting = [line for line in text.splitlines() if "waiting for PostgreSQL" in line]
    assert "password authentication failed" in waiting[0]
    assert "sprankel:***@127.0.0.1" in waiting[0]
    assert "wrong-s3cret" not in text
    assert "stopped while waiting for PostgreSQL" in text


@pytest.mark.parametrize(("env", "message"), [
    ({}, "--store postgres needs --database-url"),
    ({"DATABASE_URL": "mysql://u:p@127.0.0.1/x"}, "--store postgres needs --database-url"),
])
def test_a_missing_or_foreign_database_url_is_a_usage_error(
    tmp_path: Path, env: dict[str, str], message: str,
) -> None:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "SPRANKEL_DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "serve", "--store", "postgres",
         "--data-dir", str(tmp_path)], env={**clean, **env}, capture_output=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr.decode()


def test_many_rooms_under_load_lose_nothing(
    start_server: ServerFactory, tmp_path: Path, postgres_url: str,
) -> None:
    # The benchmark's load generator (benchmarks/room_load.py), smoke-sized: the
    # appends of ten rooms share transactions (the group commit) and every update
    # still reaches every other client of its room.
    server = host(start_server, tmp_path, "one", postgres_url, "--open-documents")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.room_load", "--url", server.ws_url + "/{room}",
         "--rooms", "10", "--clients", "4", "--rate", "4", "--duration", "2",
         "--processes", "1", "--json"],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
        timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["connected"] == 40
    assert result["deliveries_expected"] == 10 * 4 * 8 * 3
    assert result["lost"] == 0
    assert result["errors"] == []


@pytest.mark.redis
async def test_workers_of_one_host_share_the_postgres_store(
    start_server: ServerFactory, tmp_path: Path, postgres_url: str,
) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        server = host(start_server, tmp_path, "one", postgres_url, "--open-documents",
                      "--workers", "2", env={"REDIS_URL": redis.url})
        writers = [await YClient(f"{server.ws_url}/notes/workers").connect() for _ in range(4)]
        for i, writer in enumerate(writers):
            await writer.change(lambda d, i=i: ideas(d).__setitem__(f"w{i}", i))
        for writer in writers:
            await writer.wait_for(lambda w=writer: len(ideas(w.doc)) == 4, timeout=30)
        assert readyz(server) == 200
        await asyncio.gather(*(w.close() for w in writers))
        server.stop()
        assert server.log().count("postgres store connected") == 2
