"""`sprankel serve --workers N`: N worker processes serving one port, kept alive.

Each worker is a fresh `python -m sprankel.supervisor` process that reads its
settings from the environment. On Linux every worker listens on the port itself
with SO_REUSEPORT, so the kernel spreads new connections evenly over the workers
(with one shared listening socket, one busy worker's event loop tends to accept
nearly all of them, and WebSockets stay where they land); the supervisor holds the
port bound but not listening, so nobody else takes it. Elsewhere the supervisor
listens and hands its socket to every worker. Workers share documents through
Redis (REDIS_URL is required) and the store.

- A worker that dies after it was ready is replaced (after a pause when it keeps
  dying, so a crash loop does not spin); its clients reconnect to the others.
- A worker that fails before the first start of all workers is complete (a wrong
  setting, Redis unreachable for too long) stops the whole server with exit code 1:
  that is a configuration problem, and retrying forever would hide it. Later, a
  replacement that fails to start is retried with the same growing pause.
- SIGTERM or SIGINT is forwarded to every worker, which closes its WebSockets with
  1001 and flushes its documents; workers still running after the grace period
  are killed.
- A worker whose supervisor disappears (killed with SIGKILL) shuts itself down.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from ._redis import stop_waiting
from .app import create_app
from .config import Settings
from .server import SprankelServer, configure_logging, serve_metrics, uvicorn_config

log = logging.getLogger("sprankel.supervisor")

STOP_GRACE_S = 20.0  # uvicorn's graceful shutdown (10 s) plus flushing documents
_TICK_S = 0.2
_QUICK_DEATH_S = 10.0  # a worker that dies this soon after it was ready is crash-looping
_MAX_RESTART_DELAY_S = 10.0


@dataclass
class _Worker:
    slot: int
    process: subprocess.Popen[bytes]
    ready_pipe: int  # read end (-1 once read); the worker writes one byte once it serves
    started: float = field(default_factory=time.monotonic)
    ready_at: float | None = None


class Supervisor:
    def __init__(self, settings: Settings, listener: socket.socket) -> None:
        self.settings = settings
        self.listener = listener
        self.workers: dict[int, _Worker] = {}
        self.stopping = False
        self._quick_deaths: dict[int, int] = {}
        self._restarts: dict[int, float] = {}  # slot -> when to start its new worker
        self._announced = False

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self.settings.workers):
                self._spawn(slot)
            code = self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("supervisor stopped")
        return code

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            return
        self.stopping = True
        log.info("supervisor got %s: stopping %d workers", signal.Signals(signum).name,
                 len(self.workers))

    def _spawn(self, slot: int) -> None:
        read_end, write_end = os.pipe()
        env = {**os.environ, **self.settings.to_env(), "SPRANKEL_WORKERS": "1"}
        command = [sys.executable, "-m", "sprankel.supervisor",
                   "--ready-fd", str(write_end), "--slot", str(slot)]
        fds = [write_end]
        if not REUSE_PORT:
            command += ["--fd", str(self.listener.fileno())]
            fds.append(self.listener.fileno())
        process = subprocess.Popen(command, env=env, pass_fds=fds)
        os.close(write_end)
        self.workers[slot] = _Worker(slot, process, read_end)
        log.info("worker %d started pid=%d", slot, process.pid)

    def _watch(self) -> int:
        while not self.stopping:
            waiting = {w.ready_pipe: w for w in self.workers.values() if w.ready_pipe >= 0}
            readable: list[int] = []
            if waiting:
                try:
                    readable, _, _ = select.select(list(waiting), [], [], _TICK_S)
                except InterruptedError:
                    continue
            else:
                time.sleep(_TICK_S)
            for fd in readable:
                self._on_ready(waiting[fd])
            for slot, when in list(self._restarts.items()):
                if time.monotonic() >= when:
                    del self._restarts[slot]
                    self._spawn(slot)
            for worker in list(self.workers.values()):
                code = worker.process.poll()
                if code is None or self.stopping:
                    continue
                if worker.ready_at is None and not self._announced:
                    log.error("worker %d (pid %d) failed to start (%s); stopping: see the "
                              "lines above for why", worker.slot, worker.process.pid,
                              _describe(code))
                    return 1
                self._replace(worker, code)
        return 0

    def _on_ready(self, worker: _Worker) -> None:
        signal_byte = os.read(worker.ready_pipe, 1)
        os.close(worker.ready_pipe)
        worker.ready_pipe = -1
        if not signal_byte:
            return  # end of file: the worker died before it was ready (handled by _watch)
        worker.ready_at = time.monotonic()
        if not self._announced and all(w.ready_at for w in self.workers.values()):
            self._announced = True
            log.info("all %d workers ready on http://%s:%d", len(self.workers),
                     self.settings.host, self.settings.port)

    def _replace(self, worker: _Worker, code: int) -> None:
        # A replacement that fails to start (Redis gone for long) counts as a quick death.
        if worker.ready_at is None or time.monotonic() - worker.ready_at < _QUICK_DEATH_S:
            self._quick_deaths[worker.slot] = self._quick_deaths.get(worker.slot, 0) + 1
        else:
            self._quick_deaths[worker.slot] = 0
        delay = min(_MAX_RESTART_DELAY_S, 0.5 * (2 ** self._quick_deaths[worker.slot]) - 0.5)
        log.warning("worker %d (pid %d) died (%s); its clients reconnect to the others; "
                    "starting a new one%s", worker.slot, worker.process.pid, _describe(code),
                    f" in {delay:.1f} s" if delay else "")
        del self.workers[worker.slot]
        if worker.ready_pipe >= 0:
            os.close(worker.ready_pipe)
        self._restarts[worker.slot] = time.monotonic() + delay  # _watch starts it then

    def _stop_all(self) -> None:
        for worker in self.workers.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for worker in self.workers.values():
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker %d (pid %d) did not stop in %.0f s: killing it",
                          worker.slot, worker.process.pid, STOP_GRACE_S)
                worker.process.kill()
                worker.process.wait()
            if worker.ready_pipe >= 0:
                os.close(worker.ready_pipe)
        self.workers.clear()


def _describe(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


REUSE_PORT = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
_BACKLOG = 2048


def bind(host: str, port: int, listen: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if REUSE_PORT:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(_BACKLOG)
    return sock


def run_workers(settings: Settings) -> None:
    """Serve with settings.workers processes; returns when stopped, exits 1 on failure."""
    try:
        # With SO_REUSEPORT only the workers listen; this socket just holds the port.
        listener = bind(settings.host, settings.port, listen=not REUSE_PORT)
        listener.set_inheritable(not REUSE_PORT)
    except OSError as error:
        log.error("cannot listen on %s:%d: %s", settings.host, settings.port, error)
        raise SystemExit(1) from error
    log.info("supervisor pid=%d starting %d workers on http://%s:%d", os.getpid(),
             settings.workers, settings.host, settings.port)
    with listener:
        code = Supervisor(settings, listener).run()
    if code:
        raise SystemExit(code)


# The worker side


class WorkerServer(SprankelServer):
    """One worker: tells the supervisor when it serves, and stops when the supervisor dies."""

    def __init__(self, config: object, ready_fd: int, slot: int) -> None:
        super().__init__(config)  # type: ignore[arg-type]
        self.ready_fd: int | None = ready_fd
        self.slot = slot
        self.parent = os.getppid()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit and self.ready_fd is not None:
            os.write(self.ready_fd, b"r")
            os.close(self.ready_fd)
            self.ready_fd = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        stop_waiting()  # a start-up still waiting for Redis gives up now
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if os.getppid() != self.parent and not self.should_exit:
            log.warning("worker %d: the supervisor is gone; shutting down", self.slot)
            self.should_exit = True
        return await super().on_tick(counter)


def worker_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sprankel-worker")
    parser.add_argument("--fd", type=int, default=None,
                        help="an inherited listening socket (without SO_REUSEPORT)")
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--slot", type=int, default=0)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings)
    if args.fd is not None:
        listener = socket.socket(fileno=args.fd)
    else:
        try:
            listener = bind(settings.host, settings.port, listen=True)
        except OSError as error:
            log.error("worker %d cannot listen on %s:%d: %s", args.slot, settings.host,
                      settings.port, error)
            sys.exit(3)
    # The same app and document sockets' shortcut as in a single process.
    app = create_app(settings)
    serve_metrics(settings, app, args.slot)  # worker k: the metrics port + k
    server = WorkerServer(uvicorn_config(settings, app), args.ready_fd, args.slot)
    asyncio.run(server.serve(sockets=[listener]))
    if not server.started:
        sys.exit(3)  # start-up failed; the log says why


if __name__ == "__main__":
    worker_main()
