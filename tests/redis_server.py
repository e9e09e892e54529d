"""A real `redis-server` on a free loopback port, for tests (never the machine's shared one).

It keeps nothing on disk (--save '' --appendonly no), so stopping and starting it again
on the same port is what a crash of an unpersisted Redis looks like to Sprankel.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

import pytest

from server_process import free_port

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
