"""Slowloris: connections that send half a request and then wait. The server answers
normal requests meanwhile, closes the half-open ones after --header-timeout-s, and
refuses connections beyond --connections-per-address at once."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from conftest import ServerFactory
from server_process import ServerProcess

HALF_OPEN = 300
PARTIAL_REQUEST_LINE = b"GET /healthz HT"


@pytest.fixture
async def half_open() -> AsyncIterator[list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]:
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    yield opened
    for _, writer in opened:
        writer.close()


async def open_half(server: ServerProcess, count: int,
                    into: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]) -> None:
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(PARTIAL_REQUEST_LINE)
        await writer.drain()
        into.append((reader, writer))


async def read_to_eof(reader: asyncio.StreamReader, timeout: float = 60) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout)


async def healthz(server: ServerProcess, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=10) as http:
        return await http.get(server.http_url + "/healthz")


async def test_half_open_connections_neither_block_requests_nor_stay_open(
    start_server: ServerFactory,
    half_open: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
) -> None:
    server = start_server("--header-timeout-s", "5")
    await open_half(server, HALF_OPEN, half_open)

    assert (await healthz(server)).status_code == 200  # from the same address, meanwhile

    answers = await asyncio.gather(*(read_to_eof(reader) for reader, _ in half_open))
    assert all(answer.startswith(b"HTTP/1.1 408 Request Timeout") for answer in answers)
    assert (await healthz(server)).status_code == 200


async def test_slow_headers_on_a_keep_alive_connection_are_timed_out_too(
    start_server: ServerFactory,
) -> None:
    server = start_server("--header-timeout-s", "2")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        first = await asyncio.wait_for(reader.readuntil(b'"version"'), 10)
        assert first.startswith(b"HTTP/1.1 200")
        await asyncio.wait_for(reader.readuntil(b"}"), 10)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: ")  # the next request never completes
        await writer.drain()
        assert (await read_to_eof(reader)).startswith(b"HTTP/1.1 408")
    finally:
        writer.close()


async def test_connections_beyond_the_cap_per_address_are_refused_at_once(
    start_server: ServerFactory,
    half_open: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]],
) -> None:
    server = start_server("--connections-per-address", "50", "--header-timeout-s", "60")
    await open_half(server, 80, half_open)

    # The 30 beyond the cap are answered 429 and closed, long before the header timeout.
    refused = await asyncio.gather(*(read_to_eof(reader, 30) for reader, _ in half_open[50:]))
    assert all(answer.startswith(b"HTTP/1.1 429") for answer in refused)
    assert b'"error":"too_many_connections"' in refused[0]

    over = await healthz(server)
    assert over.status_code == 429
    assert over.json()["error"] == "too_many_connections"
    assert int(over.headers["Retry-After"]) >= 1
    assert (await healthz(server, source="127.0.0.2")).status_code == 200  # another address

    for _, writer in half_open[:50]:
        writer.close()
    deadline = time.monotonic() + 30
    while (response := await healthz(server)).status_code == 429:
        assert time.monotonic() < deadline, "slots were not released"
        await asyncio.sleep(0.1)
    assert response.status_code == 200


def test_the_soft_open_files_limit_is_raised_to_the_hard_one_at_start(
    start_server: ServerFactory,
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))  # the server inherits it
    try:
        server = start_server()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert f"open files limit raised from 256 to {hard}" in server.log()
    assert server.process is not None
    limits = Path(f"/proc/{server.process.pid}/limits").read_text().splitlines()
    line = next(li for li in limits if li.startswith("Max open files"))
    assert line.split()[3] == str(hard)  # the soft limit of the running server


async def test_an_unfinished_websocket_handshake_is_timed_out(
    start_server: ServerFactory,
) -> None:
    server = start_server("--open-documents", "--header-timeout-s", "2")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /ws/slow/doc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")  # no blank line
        await writer.drain()
        assert (await read_to_eof(reader)).startswith(b"HTTP/1.1 408")
    finally:
        writer.close()
    assert (await healthz(server)).status_code == 200
