"""Redis unreachable at start-up: the server waits for it (up to 30 s), saying so.

The choice (docs/scaling.md): wait, with one log line per attempt, because Redis
often starts alongside Sprankel (compose, a reboot); after 30 s the process refuses
to start with a message naming the URL, so a wrong REDIS_URL does not go unnoticed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from redis_server import RedisServer, require_redis_server
from server_process import ServerProcess, free_port
from sprankel._redis import RedisUnavailable
from sprankel.broker.redis import RedisBroker
from sprankel.store.redis import RedisStore
from yclient import YClient

pytestmark = pytest.mark.redis


async def test_server_waits_for_redis_then_serves(tmp_path: Path) -> None:
    require_redis_server()
    redis_port = free_port()
    url = f"redis://127.0.0.1:{redis_port}/0"
    server = ServerProcess(tmp_path / "data", "--open-documents", env={"REDIS_URL": url})
    starting = asyncio.create_task(asyncio.to_thread(server.start, 30))
    redis = RedisServer(tmp_path / "redis", port=redis_port)
    try:
        deadline = time.monotonic() + 15
        while f"waiting for Redis at {url}" not in server.log():
            assert time.monotonic() < deadline, server.log()
            assert not starting.done(), server.log()  # not serving without Redis
            await asyncio.sleep(0.05)
        redis.start()
        await starting
        async with YClient(f"{server.ws_url}/sessions/start/board") as client:
            assert client.synced.is_set()
        assert "redis broker connected" in server.log()
    finally:
        server.stop()
        await asyncio.gather(starting, return_exceptions=True)
        redis.stop()


@pytest.mark.parametrize("component", ["broker", "store"])
async def test_unreachable_redis_is_refused_with_a_clear_message(component: str) -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    part = (RedisBroker(url, startup_wait_s=0.3) if component == "broker"
            else RedisStore(url, startup_wait_s=0.3))
    with pytest.raises(RedisUnavailable) as refused:
        await part.start()
    message = str(refused.value)
    assert "did not answer for" in message
    assert "Check REDIS_URL and that Redis is running" in message
    assert "127.0.0.1" in message
    assert "s3cret" not in message  # passwords stay out of logs
    await part.close()


def test_stopping_while_waiting_for_redis_stops_at_once(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sprankel.cli", "serve", "--workers", "2",
             "--port", str(free_port()), "--data-dir", str(tmp_path / "data")],
            env={**os.environ, "REDIS_URL": url}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while log_path.read_text().count("waiting for Redis at") < 2:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        # Well before the 30 s start-up wait would have ended.
        assert server.wait(10) == 0, log_path.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert "stopped while waiting for Redis" in log_path.read_text()
