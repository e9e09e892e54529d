"""The Procfile's web process honours $PORT and $WEB_CONCURRENCY (as a PaaS and honcho set them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from redis_server import RedisServer
from server_process import free_port

pytestmark = pytest.mark.redis

PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


def web_command() -> str:
    for line in PROCFILE.read_text().splitlines():
        kind, _, command = line.partition(":")
        if kind.strip() == "web":
            return command.strip()
    raise AssertionError("the Procfile has no web process")


def test_procfile_web_process_serves_on_port_with_web_concurrency_workers(
    redis: RedisServer, tmp_path: Path
) -> None:
    bin_dir = str(Path(sys.executable).parent)  # where the `sprankel` entry point is
    assert shutil.which("sprankel", path=bin_dir)
    port = free_port()
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "PORT": str(port),
           "WEB_CONCURRENCY": "2", "REDIS_URL": redis.url,
           "SPRANKEL_DATA_DIR": str(tmp_path / "data"),
           "SPRANKEL_HOST": "127.0.0.1"}  # tests listen on loopback only
    log_path = tmp_path / "web.log"
    with open(log_path, "wb") as log:
        # Like honcho: the line runs in a shell, in its own process group.
        web = subprocess.Popen(["sh", "-c", web_command()], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while "all 2 workers ready" not in log_path.read_text(errors="replace"):
            assert web.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.status == 200
    finally:
        os.killpg(web.pid, signal.SIGTERM)  # as honcho stops its processes
        web.wait(30)
    # The shell may go first; the supervisor still stops its workers and says so.
    deadline = time.monotonic() + 30
    while "supervisor stopped" not in log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)
