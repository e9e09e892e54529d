"""Prometheus metrics: off by default, never served without the token (or off loopback),
and they move with real traffic (a session, its sockets, edits, refusals, a round)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pycrdt import Map

from api_harness import Api, refused
from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess, free_port

TOKEN = "metrics-token-for-the-test-0123456789"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels, parsed by Prometheus' own parser."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(scrape: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(http: httpx.AsyncClient, server: ServerProcess, token: str = TOKEN
                 ) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await http.get(server.http_url + "/metrics",
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_are_off_unless_asked_for(start_server: ServerFactory) -> None:
    server = start_server()
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(server.http_url + "/metrics",
                                  headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404


async def test_metrics_need_the_token(start_server: ServerFactory) -> None:
    server = start_server("--metrics", "--metrics-token", TOKEN)
    async with httpx.AsyncClient(timeout=10) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"},
                        {"Authorization": f"Bearer {TOKEN}x"},
                        {"Authorization": f"Basic {TOKEN}"}):
            response = await http.get(server.http_url + "/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "unauthorized"
            assert response.headers["www-authenticate"] == "Bearer"
            assert "sprankel_" not in response.text
        await scrape(http, server)
    assert TOKEN not in server.log()


async def test_metrics_follow_real_traffic(start_server: ServerFactory) -> None:
    server = start_server("--metrics", "--metrics-token", TOKEN, "--room-grace-s", "0.5",
                          "--sessions-per-minute", "2")
    api = Api(server)
    async with httpx.AsyncClient(timeout=10) as http:
        try:
            before = await scrape(http, server)
            assert value(before, "sprankel_connections_open") == 0
            assert value(before, "sprankel_sessions_running") == 0
            sid, f, code = await api.create()
            ann = await api.join(sid, code, "Ann")
            rid = await api.round(sid, f)
            await api.act(sid, f, rid, "start")
            async with api.ws(f"sessions/{sid}/board", ann.token) as a, \
                    api.ws(f"sessions/{sid}/board", f.token) as b:
                for i in range(5):
                    await a.change(lambda d, i=i: d.get("notes", type=Map).__setitem__(
                        f"n{i}", "x" * 100))
                await b.wait_for(lambda: len(b.doc.get("notes", type=Map)) == 5)
                during = await scrape(http, server)
                assert value(during, "sprankel_connections_open") == 2
                assert value(during, "sprankel_documents_in_memory") >= 1
                assert value(during, "sprankel_sessions_open") == 1
                assert value(during, "sprankel_sessions_running") == 1
            # Each client edit arrived as an update (5 of them, at least 500 bytes) ...
            assert value(during, "sprankel_messages_in_total", type="sync_update") - value(
                before, "sprankel_messages_in_total", type="sync_update") >= 5
            assert value(during, "sprankel_bytes_in_total", type="sync_update") - value(
                before, "sprankel_bytes_in_total", type="sync_update") >= 500
            # ... was stored and sent on to the other socket.
            assert value(during, "sprankel_messages_out_total", type="sync_update") > value(
                before, "sprankel_messages_out_total", type="sync_update")
            assert value(during, "sprankel_messages_out_total", type="sync_step1") >= 2
            assert value(during, "sprankel_store_append_seconds_count") >= 1
            assert value(during, "sprankel_fanout_seconds_count") >= 1
            assert value(during, "sprankel_fanout_seconds_bucket", le="+Inf") == value(
                during, "sprankel_fanout_seconds_count")
            assert value(during, "sprankel_redis_reconnects_total") == 0

            # Refusals: a wrong token (4401) and a rate limit (the third session a minute).
            code_4401, _ = await refused(api.ws(f"sessions/{sid}/board", f.token[:-4] + "AAAA"))
            assert code_4401 == 4401
            await api.create()
            await api.call("POST", "/sessions", None, {"title": "Too many"}, expect=429)
            after = await scrape(http, server)
            assert value(after, "sprankel_ws_closed_total", code="4401") == 1
            assert sum(v for (name, _), v in after.items()
                       if name == "sprankel_rate_limited_total") >= 1
            assert value(after, "process_open_fds") > 0
            assert value(after, "process_resident_memory_bytes") > 0
        finally:
            await api.aclose()


async def test_metrics_on_a_separate_loopback_address_without_a_token(
        start_server: ServerFactory) -> None:
    port = free_port()
    server = start_server("--metrics", "--metrics-address", f"127.0.0.1:{port}")
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(server.http_url + "/metrics")).status_code == 404
        response = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        assert value(samples(response.text), "sprankel_connections_open") == 0


def test_metrics_that_could_be_public_are_refused_at_start() -> None:
    for flags, message in (
        (["--metrics"], "needs --metrics-token"),
        (["--metrics", "--metrics-address", "0.0.0.0:9100"], "must be a loopback address"),
        (["--metrics", "--metrics-address", "localhost"], "must be a loopback address"),
        (["--metrics-token", TOKEN], "need --metrics"),
        (["--metrics", "--metrics-token", "short"], "at least 16 characters"),
        (["--metrics", "--metrics-token", TOKEN, "--workers", "2"], "needs REDIS_URL"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "sprankel.cli", "serve", *flags],
            capture_output=True, text=True, timeout=30,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "server"})
        assert result.returncode == 2, (flags, result.stderr)
        assert message in result.stderr, (flags, result.stderr)


def test_metrics_with_workers_need_a_port_per_worker() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sprankel.cli", "serve", "--metrics", "--metrics-token", TOKEN,
         "--workers", "2"],
        capture_output=True, text=True, timeout=30,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "server", "REDIS_URL": "redis://127.0.0.1:1"})
    assert result.returncode == 2
    assert "needs --metrics-address" in result.stderr


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_every_worker_serves_its_own_metrics_on_its_port(
        redis: RedisServer, start_server: ServerFactory) -> None:
    """--workers 2 with --metrics-address PORT: worker 0 on PORT, worker 1 on PORT + 1 (each
    worker binds its own; nobody else listens there)."""
    port = free_port()
    for _ in range(100):  # PORT + 1 must be free as well
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port + 1)) != 0:
                break
        port = free_port()
    start_server("--workers", "2", "--open-documents", "--metrics", "--metrics-address",
                 f"127.0.0.1:{port}", env={"REDIS_URL": redis.url})
    async with httpx.AsyncClient(timeout=10) as http:
        for worker_port in (port, port + 1):
            deadline = time.monotonic() + 30
            while True:  # the supervisor reports ready when the first worker is
                try:
                    response = await http.get(f"http://127.0.0.1:{worker_port}/metrics")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, f"nothing on {worker_port}"
                    await asyncio.sleep(0.2)
            assert response.status_code == 200
            seen = samples(response.text)
            assert value(seen, "sprankel_redis_components_down") == 0
            assert value(seen, "process_resident_memory_bytes") > 0


async def test_the_event_loop_lag_is_measured_all_along(start_server: ServerFactory) -> None:
    server = start_server("--metrics", "--metrics-token", TOKEN)
    async with httpx.AsyncClient(timeout=10) as http:
        first = await scrape(http, server)
        count = value(first, "sprankel_event_loop_lag_seconds_count")
        deadline = time.monotonic() + 30
        while True:  # the sampling task runs between scrapes: its count grows
            later = await scrape(http, server)
            if value(later, "sprankel_event_loop_lag_seconds_count") > count:
                break
            assert time.monotonic() < deadline, "the loop lag is not sampled"
        assert ("sprankel_event_loop_lag_max_seconds", ()) in later
        assert 0.0 <= value(later, "sprankel_event_loop_lag_max_seconds") < 60
