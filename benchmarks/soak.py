"""A bounded soak: sessions come and go, clients join and leave, for --minutes.

It starts its own `sprankel serve` (this checkout's code: the interpreter and
PYTHONPATH it runs with), then, until the time is up, keeps --sessions sessions
going: each has a facilitator and participants who join through the API, open
the board and control documents with their tokens, add ideas and leave again;
every --session-minutes a session is ended and a new one created, so rooms are
loaded and evicted all along. Every --sample-s it reads the server's resident
memory and open file descriptors from /proc (and the documents and connections
the server counts, from its /metrics), and at the end reports both over time and
their growth: from the first sample to the last, and a minute over the second
half of the run, where what a warm-up fills has levelled off and a leak still
rises.

    python -m benchmarks.soak                    # 10 minutes
    python -m benchmarks.soak --minutes 3 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .load_client import LoadClient
from .procstat import sample

ROUND_S = 10  # each session's round, ended by its deadline


@dataclass
class Sample:
    at_s: float
    rss_mib: float
    open_fds: int
    clients: int
    sessions_created: int
    documents: int  # sprankel_documents_in_memory: rooms loaded (evicted after the grace)
    connections: int  # sprankel_connections_open, as the server counts them


@dataclass
class SoakResult:
    minutes: float
    sessions_created: int = 0
    joins: int = 0
    leaves: int = 0
    ideas: int = 0
    errors: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    rss_growth_mib: float | None = None  # last sample minus the first
    fds_growth: float | None = None
    rss_mib_per_min_late: float | None = None  # the slope over the second half
    fds_per_min_late: float | None = None


class Http:
    """The sessions API over urllib, in a thread (the load loop must not block)."""

    def __init__(self, base: str) -> None:
        self.base = base

    async def call(self, method: str, path: str, body: Any = None,
                   token: str | None = None) -> Any:
        return await asyncio.to_thread(self._call, method, path, body, token)

    def _call(self, method: str, path: str, body: Any, token: str | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None


@dataclass
class SoakSession:
    sid: str
    facilitator: str
    code: str
    created_at: float
    clients: list[LoadClient] = field(default_factory=list)


class Soak:
    def __init__(self, http: Http, ws_base: str, result: SoakResult, sessions: int,
                 clients: int, session_s: float) -> None:
        self.http = http
        self.ws_base = ws_base
        self.result = result
        self.target_sessions = sessions
        self.target_clients = clients
        self.session_s = session_s
        self.sessions: list[SoakSession] = []
        self.next_sender = 1

    @property
    def open_clients(self) -> int:
        return sum(len(s.clients) for s in self.sessions)

    async def new_session(self) -> None:
        created = await self.http.call("POST", "/api/sessions",
                                       {"title": f"Soak {self.result.sessions_created}"})
        self.result.sessions_created += 1
        session = SoakSession(created["id"], created["facilitator_token"],
                              created["join_code"], time.monotonic())
        self.sessions.append(session)
        await self.connect(session, session.facilitator, "control", awareness=False)
        # A short hidden round that ends by its deadline: the timer, its lease and the
        # reveal run all along as well.
        rnd = await self.http.call(
            "POST", f"/api/sessions/{session.sid}/rounds",
            {"kind": "ideate", "prompt": "Wat nu?", "duration_s": ROUND_S, "hidden": True},
            session.facilitator)
        await self.http.call("POST", f"/api/sessions/{session.sid}/rounds/{rnd['id']}/start",
                             {}, session.facilitator)

    async def end_session(self, session: SoakSession) -> None:
        self.sessions.remove(session)
        await self.http.call("POST", f"/api/sessions/{session.sid}/end", {},
                             session.facilitator)
        await asyncio.gather(*(self.leave(session, c) for c in list(session.clients)))

    async def join(self, session: SoakSession) -> None:
        joined = await self.http.call(
            "POST", f"/api/sessions/{session.sid}/participants",
            {"name": f"Deelnemer {self.next_sender}", "join_code": session.code})
        self.result.joins += 1
        await self.connect(session, joined["token"], "board")

    async def connect(self, session: SoakSession, token: str, document: str,
                      awareness: bool = True) -> None:
        client = LoadClient(f"{self.ws_base}/sessions/{session.sid}/{document}?token={token}",
                            sender_id=self.next_sender, deflate=False, awareness=awareness)
        self.next_sender += 1
        await client.open(timeout=30)
        session.clients.append(client)

    async def leave(self, session: SoakSession, client: LoadClient) -> None:
        if client in session.clients:
            session.clients.remove(client)
        self.result.leaves += 1
        await client.close()

    async def step(self) -> None:
        """One turn: sessions ended and created, people joining, writing and leaving."""
        now = time.monotonic()
        for session in [s for s in self.sessions if now - s.created_at > self.session_s]:
            await self.end_session(session)
        while len(self.sessions) < self.target_sessions:
            await self.new_session()
        for session in self.sessions:
            board = [c for c in session.clients if "/board?" in c.url]
            if len(board) > 1 and random.random() < 0.5:
                await self.leave(session, random.choice(board))
            per_session = self.target_clients // self.target_sessions
            while len([c for c in session.clients if "/board?" in c.url]) < per_session:
                await self.join(session)
            for client in session.clients:
                if "/board?" in client.url and client.is_open and random.random() < 0.5:
                    client.send_idea()
                    self.result.ideas += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


METRICS_TOKEN = secrets.token_urlsafe(24)


def server_metrics(port: int) -> dict[str, float]:
    """The unlabelled samples of the server's /metrics (the text format, line by line)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if line and not line.startswith("#") and "{" not in name:
            out[name] = float(value)
    return out


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sprankel.cli", "serve", "--port", str(port),
             "--data-dir", str(data_dir), "--room-grace-s", "2", "--log-level", "warning",
             "--sessions-per-minute", "0", "--joins-per-minute", "0",
             "--joins-per-session-per-minute", "0",
             "--metrics", f"--metrics-token={METRICS_TOKEN}"],  # it may start with "-"
            stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")


def late_slope(values: list[float], times: list[float]) -> float | None:
    """Growth a minute over the second half of the run (least squares): memory that a
    warm-up fills (caches, the allocator's arenas) levels off, a leak keeps rising."""
    half = [(t, v) for t, v in zip(times, values, strict=True) if t >= times[-1] / 2]
    if len(half) < 4:
        return None
    mean_t = sum(t for t, _ in half) / len(half)
    mean_v = sum(v for _, v in half) / len(half)
    spread = sum((t - mean_t) ** 2 for t, _ in half)
    if spread == 0:
        return None
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in half) / spread


async def soak(minutes: float, sessions: int, clients: int, session_minutes: float,
               sample_s: float, step_s: float) -> SoakResult:
    result = SoakResult(minutes=minutes)
    with tempfile.TemporaryDirectory(prefix="sprankel-soak-") as folder:
        port = free_port()
        server = start_server(Path(folder) / "data", port, Path(folder) / "server.log")
        try:
            runner = Soak(Http(f"http://127.0.0.1:{port}"), f"ws://127.0.0.1:{port}/ws",
                          result, sessions, clients, session_minutes * 60)
            started = time.monotonic()
            next_sample = started
            while (now := time.monotonic()) - started < minutes * 60:
                try:
                    await runner.step()
                except (OSError, TimeoutError, ValueError) as error:
                    if len(result.errors) < 20:
                        result.errors.append(f"{type(error).__name__}: {error}")
                if now >= next_sample:
                    process = sample(server.pid)
                    seen = await asyncio.to_thread(server_metrics, port)
                    result.samples.append(Sample(
                        round(now - started, 1), round(process.rss_bytes / 2**20, 2),
                        open_fds(server.pid), runner.open_clients, result.sessions_created,
                        int(seen.get("sprankel_documents_in_memory", -1)),
                        int(seen.get("sprankel_connections_open", -1))))
                    next_sample += sample_s
                await asyncio.sleep(step_s)
            for session in list(runner.sessions):
                await runner.end_session(session)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if server.returncode not in (0, -signal.SIGTERM):
                log = (Path(folder) / "server.log").read_text(errors="replace")[-2000:]
                result.errors.append(f"server exited with {server.returncode}: {log}")
    if not result.samples:
        return result
    first, last = result.samples[0], result.samples[-1]
    result.rss_growth_mib = round(last.rss_mib - first.rss_mib, 2)
    result.fds_growth = last.open_fds - first.open_fds
    times = [s.at_s for s in result.samples]
    rss = late_slope([s.rss_mib for s in result.samples], times)
    fds = late_slope([float(s.open_fds) for s in result.samples], times)
    result.rss_mib_per_min_late = None if rss is None else round(rss, 3)
    result.fds_per_min_late = None if fds is None else round(fds, 3)
    return result


def report(result: SoakResult) -> str:
    lines = [f"soak: {result.minutes:g} min, {result.sessions_created} sessions, "
             f"{result.joins} joins, {result.leaves} leaves, {result.ideas} ideas, "
             f"{len(result.errors)} errors",
             "  t (s)   RSS (MiB)   fds   clients   sessions   documents   connections"]
    for s in result.samples:
        lines.append(f"  {s.at_s:6.0f}   {s.rss_mib:9.1f}   {s.open_fds:3d}   {s.clients:7d}"
                     f"   {s.sessions_created:8d}   {s.documents:9d}   {s.connections:11d}")
    lines.append(f"growth, first to last sample: RSS {result.rss_growth_mib} MiB, fds "
                 f"{result.fds_growth}; over the second half, a minute: RSS "
                 f"{result.rss_mib_per_min_late} MiB, fds {result.fds_per_min_late}")
    lines.extend(f"error: {e}" for e in result.errors)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sessions", type=int, default=5, help="sessions open at once")
    parser.add_argument("--clients", type=int, default=40, help="board clients, all sessions")
    parser.add_argument("--session-minutes", type=float, default=1.0,
                        help="how long a session lasts before it is ended and replaced")
    parser.add_argument("--sample-s", type=float, default=10.0)
    parser.add_argument("--step-s", type=float, default=0.5, help="pause between turns")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(soak(args.minutes, args.sessions, args.clients, args.session_minutes,
                              args.sample_s, args.step_s))
    print(json.dumps(asdict(result)) if args.json else report(result))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
