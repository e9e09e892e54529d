"""Rooms of clients sending idea updates at a fixed rate: fan-out latency, loss, CPU.

The coordinator (``run_room_load``) spreads the clients over worker processes
(``python -m benchmarks.room_load --worker SPEC``) so that one Python process is
not the bottleneck, and steps them through one run over their stdin/stdout:

    worker -> {"type": "ready"}       every client connected and synced (or failed)
    coord  -> {"type": "go"}          the wall-clock start of the send window
    worker -> {"type": "sent"}        how many ideas each of its clients sent
    coord  -> {"type": "expect"}      how many each room sent: receivers wait for them
    worker -> {"type": "result"}      deliveries, latency histogram, its own CPU

Every client connects before the window opens and nothing is sent after it, so a
receiver expects exactly the ideas its room-mates sent; what has not arrived when
the drain time is up counts as lost. Each worker reports the CPU it used during
the window: a worker near one full core measures itself, not the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .histogram import Histogram
from .load_client import LoadClient
from .procstat import ProcessSample, machine_busy_seconds, sample_processes

REPO_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
SATURATED_CPU = 0.85  # a worker above this share of a core distorts the latency it measures


@dataclass
class RoomLoadConfig:
    url_template: str  # e.g. "ws://127.0.0.1:8000/ws/{room}"
    rooms: int
    clients_per_room: int
    rate: float  # ideas per second per client
    duration: float  # seconds of the send window
    processes: int = 2
    room_prefix: str = "bench"
    deflate: bool = True
    awareness_interval: float = 15.0  # as the y-websocket client renews its awareness; 0 = off
    cursor_rate: float = 0.0  # whiteboard pointer moves (awareness) per second per client
    connect_concurrency: int = 50
    connect_timeout: float = 60.0
    drain_timeout: float = 15.0
    server_pids: Sequence[int] = ()
    # When set, asked for the server's processes as the window opens instead (processes
    # that the server started while the clients connected count too).
    pid_source: Callable[[], Sequence[int]] | None = None
    # Clients whose index is odd connect to the second URL template (two server processes).
    second_url_template: str | None = None
    # The interpreter of the worker processes (the runner passes its venv with uvloop).
    python: str | None = None


@dataclass
class RoomLoadResult:
    clients: int
    connected: int
    failed: int
    ideas_sent: int
    deliveries_expected: int
    deliveries_received: int
    lost: int
    duplicates: int
    closed_during_run: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    server_cpu_cores: float | None
    server_rss_mib: float | None
    worker_cpu_max: float
    worker_cpu_total: float
    client_saturated: bool
    other_load_cores: float  # busy cores of the machine beyond the server and the workers
    deliveries_per_second: float
    # Whiteboard cursors (cursor_rate > 0): relay latency of the cursor states that
    # arrived, and (receiver, sender) pairs whose newest state never arrived.
    cursor_moves_sent: int = 0
    cursor_p50_ms: float | None = None
    cursor_p99_ms: float | None = None
    cursor_newest_missing: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.connected}/{self.clients} connected, {self.ideas_sent} ideas sent, "
            f"{self.deliveries_received}/{self.deliveries_expected} delivered "
            f"({self.lost} lost, {self.duplicates} duplicates), "
            f"p50 {fmt(self.latency_p50_ms)} ms, p99 {fmt(self.latency_p99_ms)} ms, "
            f"max {fmt(self.latency_max_ms)} ms, server CPU {fmt(self.server_cpu_cores, 2)} cores, "
            f"worker CPU max {self.worker_cpu_max:.2f}, other load {self.other_load_cores:.2f}"
            + (" (SATURATED)" if self.client_saturated else "")
            + (f", cursors: {self.cursor_moves_sent} moves, p50 {fmt(self.cursor_p50_ms)} ms, "
               f"p99 {fmt(self.cursor_p99_ms)} ms, newest missing {self.cursor_newest_missing}"
               if self.cursor_moves_sent else "")
        )


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


# ---- the worker process ---------------------------------------------------------------


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _read_command(reader: asyncio.StreamReader, expected: str) -> dict[str, Any]:
    line = await reader.readline()
    if not line:
        raise SystemExit("coordinator went away")
    command: dict[str, Any] = json.loads(line)
    if command.get("type") != expected:
        raise SystemExit(f"expected {expected!r}, got {command!r}")
    return command


async def _open_all(clients: list[LoadClient], concurrency: int, timeout: float) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def open_one(client: LoadClient) -> None:
        async with gate:
            try:
                await client.open(timeout=timeout)
            except (TimeoutError, OSError, ConnectionError) as error:
                client.error = client.error or f"{type(error).__name__}: {error}"

    await asyncio.gather(*(open_one(client) for client in clients))


async def _at_rate(
    client: LoadClient, send: Callable[[], None], rate: float, start: float, duration: float,
    rng: random.Random,
) -> None:
    """Call ``send`` ``rate`` times a second through the window, from a random phase."""
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate
    phase = rng.uniform(0.0, interval)
    for k in range(int(duration * rate)):
        delay = start + phase + k * interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if not client.is_open:
            return
        send()


async def _renew_awareness(
    client: LoadClient, interval: float, start: float, duration: float, rng: random.Random
) -> None:
    loop = asyncio.get_running_loop()
    phase = rng.uniform(0.0, interval)
    for k in range(int(duration / interval) + 1):
        at = start + phase + k * interval
        if at > start + duration:
            return
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if not client.is_open:
            return
        client.send_awareness()


def _cursors_missing(client: LoadClient, newest: dict[int, int]) -> int:
    """Room-mates whose newest cursor state has not reached this client."""
    return sum(1 for sender, seq in newest.items()
               if sender != client.sender_id and client.cursor_newest.get(sender, 0) < seq)


async def _wait_for_deliveries(
    clients: list[LoadClient], expected: dict[int, int], timeout: float,
    cursors: dict[int, dict[int, int]],
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((len(c.seen) >= expected[c.sender_id]
                and _cursors_missing(c, cursors.get(c.sender_id, {})) == 0) or not c.is_open
               for c in clients):
            return
        await asyncio.sleep(0.05)


async def run_worker(spec: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    latency = Histogram()
    cursor_latency = Histogram() if spec["cursor_rate"] > 0 else None
    rooms: dict[int, str] = {}
    clients: list[LoadClient] = []
    for entry in spec["clients"]:
        client = LoadClient(
            entry["url"], entry["sender_id"], latency=latency, deflate=spec["deflate"],
            cursor_latency=cursor_latency,
        )
        rooms[entry["sender_id"]] = entry["room"]
        clients.append(client)
    await _open_all(clients, spec["connect_concurrency"], spec["connect_timeout"])
    failed = [c for c in clients if not c.is_open or c.ready_ns == 0]
    _emit({
        "type": "ready",
        "connected": len(clients) - len(failed),
        "errors": sorted({c.error or "not synced" for c in failed})[:5],
    })

    go = await _read_command(reader, "go")
    start = loop.time() + (go["start_ns"] - time.time_ns()) / 1e9
    duration: float = spec["duration"]
    rng = random.Random(spec["seed"])
    tasks = [
        asyncio.ensure_future(_at_rate(c, c.send_idea, spec["rate"], start, duration, rng))
        for c in clients
    ]
    if spec["cursor_rate"] > 0:
        tasks += [
            asyncio.ensure_future(_at_rate(c, c.send_cursor, spec["cursor_rate"], start, duration,
                                            rng))
            for c in clients
        ]
    if spec["awareness_interval"] > 0:
        tasks += [
            asyncio.ensure_future(
                _renew_awareness(c, spec["awareness_interval"], start, duration, rng)
            )
            for c in clients
        ]
    await asyncio.sleep(max(0.0, start - loop.time()))
    cpu_start = time.process_time()
    wall_start = time.monotonic()
    await asyncio.gather(*tasks)
    cpu = (time.process_time() - cpu_start) / max(1e-9, time.monotonic() - wall_start)
    _emit({"type": "sent", "sent": {str(c.sender_id): c.seq for c in clients},
           "cursors": {str(c.sender_id): c.cursor_seq for c in clients}})

    expect = await _read_command(reader, "expect")
    room_totals: dict[str, int] = expect["room_totals"]
    expected = {c.sender_id: room_totals[rooms[c.sender_id]] - c.seq for c in clients}
    # Per receiver: the newest cursor seq of each room-mate, which must arrive.
    room_cursors: dict[str, dict[str, int]] = expect.get("room_cursors", {})
    cursors = {c.sender_id: {int(s): q for s, q in room_cursors.get(rooms[c.sender_id], {}).items()
                             if q} for c in clients}
    await _wait_for_deliveries(clients, expected, spec["drain_timeout"], cursors)
    _emit({
        "type": "result",
        "expected": sum(expected.values()),
        "received": sum(min(len(c.seen), expected[c.sender_id]) for c in clients),
        "duplicates": sum(c.duplicates for c in clients),
        "closed": sum(1 for c in clients if c.ready_ns and not c.is_open),
        "close_codes": sorted({str(c.close_code) for c in clients if not c.is_open}),
        "latency": latency.to_json(),
        "cursor_latency": cursor_latency.to_json() if cursor_latency is not None else None,
        "cursor_missing": sum(_cursors_missing(c, cursors[c.sender_id]) for c in clients
                              if c.is_open),
        "cpu": cpu,
    })
    await asyncio.gather(*(c.close() for c in clients))


# ---- the coordinator ------------------------------------------------------------------


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def read(self, expected: str, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise RuntimeError(f"load worker exited before sending {expected!r}")
                try:
                    message: dict[str, Any] = json.loads(line)
                except ValueError:
                    continue  # a stray print; the protocol lines are JSON
                if message.get("type") == expected:
                    return message

    def write(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())


def _worker_specs(config: RoomLoadConfig, run_id: str) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = [
        {
            "clients": [],
            "rate": config.rate,
            "duration": config.duration,
            "deflate": config.deflate,
            "awareness_interval": config.awareness_interval,
            "cursor_rate": config.cursor_rate,
            "connect_concurrency": config.connect_concurrency,
            "connect_timeout": config.connect_timeout,
            "drain_timeout": config.drain_timeout,
            "seed": index,
        }
        for index in range(config.processes)
    ]
    total = config.rooms * config.clients_per_room
    for index in range(total):
        room = f"{config.room_prefix}-{run_id}-{index % config.rooms}"
        template = config.url_template
        if config.second_url_template and index % 2 == 1:
            template = config.second_url_template
        specs[index % config.processes]["clients"].append(
            {"url": template.format(room=room), "room": room, "sender_id": index + 1}
        )
    return specs


def _write_spec(run_id: str, index: int, spec: dict[str, Any]) -> Path:
    path = Path(tempfile.gettempdir()) / f"sprankel-bench-{run_id}-{index}.json"
    path.write_text(json.dumps(spec))
    return path


async def run_room_load(config: RoomLoadConfig) -> RoomLoadResult:
    run_id = f"{int(time.time() * 1000) % 100_000_000:x}{os.getpid() % 1000}"
    specs = _worker_specs(config, run_id)
    total = sum(len(spec["clients"]) for spec in specs)
    workers: list[_Worker] = []
    spec_files: list[Path] = []
    try:
        for index, spec in enumerate(specs):
            spec_file = _write_spec(run_id, index, spec)
            spec_files.append(spec_file)
            process = await asyncio.create_subprocess_exec(
                config.python or sys.executable, "-m", "benchmarks.room_load",
                "--worker", str(spec_file),
                cwd=REPO_ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                limit=64 * 1024 * 1024,
            )
            workers.append(_Worker(process))
        ready_timeout = config.connect_timeout * (1 + total / config.connect_concurrency / 10)
        ready = [await w.read("ready", ready_timeout + 30) for w in workers]
        connected = sum(r["connected"] for r in ready)
        errors = sorted({e for r in ready for e in r["errors"]})

        start_ns = time.time_ns() + 1_000_000_000
        for worker in workers:
            worker.write({"type": "go", "start_ns": start_ns})
        await asyncio.sleep((start_ns - time.time_ns()) / 1e9)
        pids = config.pid_source() if config.pid_source else config.server_pids
        before = sample_processes(pids)
        machine_before = machine_busy_seconds()
        await asyncio.sleep(config.duration)
        after = sample_processes(pids)
        machine_after = machine_busy_seconds()

        window_timeout = config.duration + 60
        sent_reports = [await w.read("sent", window_timeout) for w in workers]
        sent: dict[str, int] = {}
        cursor_moves: dict[str, int] = {}
        for report in sent_reports:
            sent.update(report["sent"])
            cursor_moves.update(report.get("cursors", {}))
        room_totals: dict[str, int] = {}
        room_cursors: dict[str, dict[str, int]] = {}
        for spec in specs:
            for entry in spec["clients"]:
                room, sender = entry["room"], str(entry["sender_id"])
                room_totals[room] = room_totals.get(room, 0) + sent[sender]
                room_cursors.setdefault(room, {})[sender] = cursor_moves.get(sender, 0)
        for worker in workers:
            worker.write({"type": "expect", "room_totals": room_totals,
                          "room_cursors": room_cursors})
        results = [await w.read("result", config.drain_timeout + 60) for w in workers]
        for worker in workers:
            async with asyncio.timeout(30):
                await worker.process.wait()
    finally:
        for worker in workers:
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()
        for spec_file in spec_files:
            spec_file.unlink(missing_ok=True)

    latency = Histogram()
    cursor_latency = Histogram()
    for result in results:
        latency.merge(Histogram.from_json(result["latency"]))
        if result.get("cursor_latency"):
            cursor_latency.merge(Histogram.from_json(result["cursor_latency"]))
    expected = sum(r["expected"] for r in results)
    received = sum(r["received"] for r in results)
    worker_cpu = [float(r["cpu"]) for r in results]
    close_codes = sorted({code for r in results for code in r["close_codes"]})
    if close_codes:
        errors.append("close codes seen: " + ", ".join(close_codes))
    server_cpu, server_rss = _server_usage(before, after)
    machine = (machine_after[1] - machine_before[1]) / (machine_after[0] - machine_before[0])
    # What the rest of the machine (other people's work) used during the window.
    other = machine - (server_cpu or 0.0) - sum(worker_cpu)
    return RoomLoadResult(
        clients=total,
        connected=connected,
        failed=total - connected,
        ideas_sent=sum(sent.values()),
        deliveries_expected=expected,
        deliveries_received=received,
        lost=expected - received,
        duplicates=sum(r["duplicates"] for r in results),
        closed_during_run=sum(r["closed"] for r in results),
        latency_p50_ms=_ms(latency.percentile(50)),
        latency_p99_ms=_ms(latency.percentile(99)),
        latency_max_ms=_ms(latency.percentile(100)),
        server_cpu_cores=server_cpu,
        server_rss_mib=server_rss,
        worker_cpu_max=max(worker_cpu, default=0.0),
        worker_cpu_total=sum(worker_cpu),
        client_saturated=any(c > SATURATED_CPU for c in worker_cpu),
        other_load_cores=max(0.0, other),
        deliveries_per_second=expected / config.duration if config.duration else 0.0,
        cursor_moves_sent=sum(cursor_moves.values()),
        cursor_p50_ms=_ms(cursor_latency.percentile(50)),
        cursor_p99_ms=_ms(cursor_latency.percentile(99)),
        cursor_newest_missing=sum(int(r.get("cursor_missing", 0)) for r in results),
        errors=errors,
    )


def _ms(us: float | None) -> float | None:
    return None if us is None else us / 1000.0


def _server_usage(
    before: list[ProcessSample], after: list[ProcessSample]
) -> tuple[float | None, float | None]:
    if not before or not after:
        return None, None
    cpu = sum(a.cpu_seconds for a in after) - sum(b.cpu_seconds for b in before)
    wall = max(a.wall for a in after) - min(b.wall for b in before)
    rss = sum(a.rss_bytes for a in after) / (1024 * 1024)
    return cpu / wall if wall > 0 else None, rss


# ---- command line ---------------------------------------------------------------------


def run_fast(main: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it is installed (the runner's load venv has it): a load
    client spends most of its time in the event loop, and uvloop halves that."""
    try:
        import uvloop  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return asyncio.run(main)
    result: T = uvloop.run(main)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/{room}",
                        help="WebSocket URL template with {room} (default: %(default)s)")
    parser.add_argument("--rooms", type=int, default=1)
    parser.add_argument("--clients", type=int, default=20, help="clients per room")
    parser.add_argument("--rate", type=float, default=0.5, help="ideas per second per client")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    parser.add_argument("--processes", type=int, default=2, help="load worker processes")
    parser.add_argument("--no-deflate", action="store_true",
                        help="do not offer permessage-deflate (browsers offer it)")
    parser.add_argument("--awareness-interval", type=float, default=15.0)
    parser.add_argument("--cursor-rate", type=float, default=0.0,
                        help="whiteboard cursor moves per second per client")
    parser.add_argument("--server-pid", type=int, action="append", default=[],
                        help="a server process whose CPU and memory to report")
    parser.add_argument("--python", help="interpreter for the worker processes")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.worker:
        run_fast(run_worker(json.loads(args.worker.read_text())))
        return
    config = RoomLoadConfig(
        url_template=args.url, rooms=args.rooms, clients_per_room=args.clients, rate=args.rate,
        duration=args.duration, processes=args.processes, deflate=not args.no_deflate,
        awareness_interval=args.awareness_interval, cursor_rate=args.cursor_rate,
        server_pids=args.server_pid,
        python=args.python,
    )
    result = asyncio.run(run_room_load(config))
    print(json.dumps(asdict(result), indent=2) if args.json else result.summary())


if __name__ == "__main__":
    main()
