"""A real `redis-server` on a free loopback port, for tests (never the machine's shared one).

It keeps nothing on disk (--save '' --appendonly no), so stopping and starting it again
on the same port is what a crash of an unpersisted Redis looks like to Sprankel.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

from server_process import ServerProcess, free_port

REDIS_SERVER = shutil.which("redis-server")


def require_redis_server() -> str:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return REDIS_SERVER


class RedisServer:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.binary = require_redis_server()
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / f"redis-{self.port}.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
                 "--enable-debug-command", "local", "--protected-mode", "yes"],
                stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log_path.read_text()}")
            if self.ping():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer in {timeout} s")

    def stop(self) -> None:
        """Kill it as a crash would: everything in it is lost."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def command(self, *args: str, timeout: float = 10) -> bytes:
        """Send one command and return the raw reply (enough for tests)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            parts = [f"*{len(args)}\r\n".encode()]
            for arg in args:
                data = arg.encode()
                parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
            s.sendall(b"".join(parts))
            return s.recv(65536)

    def ping(self) -> bool:
        try:
            return self.command("PING", timeout=1).startswith(b"+PONG")
        except OSError:
            return False

    def debug_sleep(self, seconds: float) -> threading.Thread:
        """Make Redis answer nothing for a while (it is single-threaded); returns the sleeper."""
        sleeper = threading.Thread(
            target=self.command, args=("DEBUG", "SLEEP", str(seconds)),
            kwargs={"timeout": seconds + 10}, daemon=True,
        )
        sleeper.start()
        # Wait until Redis is really asleep: a PING now gets no answer.
        deadline = time.monotonic() + 5
        while self.ping() and time.monotonic() < deadline:
            time.sleep(0.01)
        return sleeper

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


# Sprankel processes sharing one Redis


def start_processes(start: Callable[..., ServerProcess], redis: RedisServer, count: int,
                    *flags: str, data_dirs: list[Path] | None = None) -> list[ServerProcess]:
    """`count` open-documents servers on their own ports, all on this Redis, started at once.

    Without data_dirs they share one data folder (one SQLite file), as workers of one
    host do; with one folder each they are like separate hosts (use --store redis).
    """
    def one(i: int) -> ServerProcess:
        return start("--open-documents", "--room-grace-s", "0.5", *flags,
                     env={"REDIS_URL": redis.url},
                     **({"data_dir": data_dirs[i]} if data_dirs else {}))

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def presence(server: ServerProcess, document: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{server.http_url}/api/presence/{document}", timeout=5) as r:
        body = json.loads(r.read())
    return list(body["connections"])
