"""Real `sprankel serve` processes on free loopback ports, for tests."""

from __future__ import annotations

import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

# Ports below Linux's ephemeral range (32768 up), so no outgoing connection takes one, and
# one block per pytest-xdist worker, so two workers never pick the same. Redis Cluster's bus
# ports (port + 10000, 22000-31999) are never handed out themselves.
FIRST_PORT = 12000
PORTS_PER_WORKER = 1000
WORKER_BLOCKS = 10  # gw0 to gw9 have their own block; gw10 shares gw0's
BUS_OFFSET = 10000
RELAY_PORTS = 32000  # coturn's relay ports: 32000-32699, a block of 100 per worker
_IN_USE = "address already in use"


def worker_index() -> int | None:
    """This pytest-xdist worker's number (gw2 -> 2), None outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


def worker_ports() -> range:
    index = worker_index()
    if index is None:  # not under xdist: the whole range
        return range(FIRST_PORT, FIRST_PORT + PORTS_PER_WORKER * WORKER_BLOCKS)
    low = FIRST_PORT + (index % WORKER_BLOCKS) * PORTS_PER_WORKER
    return range(low, low + PORTS_PER_WORKER)


def _cycle() -> Iterator[int]:
    # Each port once, in a shuffled order: a port just given up is the last to come back, and
    # the next port is seldom a neighbour (some tests also use port + 1).
    ports = list(worker_ports())
    random.shuffle(ports)
    return itertools.cycle(ports)


_next_ports = _cycle()


def _binds(port: int, kind: socket.SocketKind = socket.SOCK_STREAM) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, udp: bool = False, bus: bool = False) -> int:
    """A loopback port of this worker's own block that binds now (TCP; with ``udp`` UDP too;
    with ``bus`` also its cluster bus port, port + 10000). The one way tests pick ports."""
    for _ in range(PORTS_PER_WORKER):
        port = next(_next_ports)
        if (_binds(port) and (not udp or _binds(port, socket.SOCK_DGRAM))
                and (not bus or _binds(port + BUS_OFFSET))):
            return port
    raise RuntimeError(f"no free port in {worker_ports()}")


def port_taken(log: str) -> bool:
    """Whether a server's log says its port was taken (uvicorn and redis-server word it so)."""
    return _IN_USE in log.lower()


class ServerProcess:
    """One `sprankel serve` subprocess; restartable on the same port and data folder."""

    def __init__(self, data_dir: Path, *flags: str, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.data_dir = data_dir
        self.flags = list(flags)
        self.env = {**os.environ, **(env or {})}
        self.port = port or free_port()
        # A port we chose may move once, if another process takes it before the server binds;
        # a caller's port, or a restart (clients come back to the same port), never does.
        self._may_move = port is None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"server-{self.port}.log"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 20) -> ServerProcess:
        start_moving_on(lambda: self._start_once(timeout), self._may_move, self._move,
                        "sprankel serve", self.log)
        self._may_move = False
        return self

    def _move(self) -> None:
        self.port = free_port()

    def spawn(self) -> subprocess.Popen[bytes]:
        """The process alone, not waiting until it serves (start() does)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sprankel.cli", "serve", "--port", str(self.port),
                 "--data-dir", str(self.data_dir), *self.flags],
                stdout=log, stderr=subprocess.STDOUT, env=self.env,
            )
        return self.process

    def _start_once(self, timeout: float) -> None:
        self.process = self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if port_taken(self.log()):
                    raise PortTaken(self.log())
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.http_url + "/healthz", timeout=1) as r:
                    # Whoever holds a taken port may answer too: ours must still be alive.
                    if r.status == 200 and not port_taken(self.log()):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start in {timeout} s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


class PortTaken(RuntimeError):
    """The server could not bind: another process took the port after free_port chose it."""


def start_moving_on(start_once: Callable[[], None], may_move: bool, move: Callable[[], None],
                    what: str, log: Callable[[], str]) -> None:
    """Start a server; where its port was taken meanwhile (and the port was ours to choose:
    `may_move`), `move` to another and try again, up to five times."""
    for _ in range(5):
        try:
            return start_once()
        except PortTaken:
            if not may_move:
                raise
            move()
    raise RuntimeError(f"no free port for {what} after 5 tries:\n{log()}")
