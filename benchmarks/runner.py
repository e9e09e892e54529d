"""The scenarios of the benchmark, the table of ratios, and docs/benchmarks.md.

Imported by run.py once it runs in the load venv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from . import run, servers
from .growth import growth
from .idle import idle_connections
from .joins import board_joins, first_joins
from .looplag import scrape_max_ms
from .noisy import noisy_neighbour
from .procstat import machine_busy_seconds
from .room_load import RoomLoadConfig, run_room_load

Result = dict[str, Any]


@dataclass(frozen=True)
class RoomScenario:
    rooms: int
    clients: int
    rate: float
    duration: float
    cursor_rate: float = 0.0  # whiteboard pointer moves per second per client

    def label(self) -> str:
        where = "one room" if self.rooms == 1 else f"{self.rooms} rooms"
        cursors = f", {self.cursor_rate:g} cursor moves/s" if self.cursor_rate else ""
        return (f"{where}, {self.clients} clients{' each' if self.rooms > 1 else ''} "
                f"x {self.rate:g} ideas/s{cursors}, {self.duration:g} s")


def room_scenarios(quick: bool) -> dict[str, RoomScenario]:
    if quick:
        return {
            "big-room": RoomScenario(1, 50, 0.5, 5),
            "medium-room": RoomScenario(1, 20, 2, 5),
            "small-rooms": RoomScenario(10, 5, 1, 5),
            "redis-pair": RoomScenario(10, 5, 1, 5),
            "cluster-pair": RoomScenario(1, 50, 0.5, 5),
            "postgres": RoomScenario(10, 5, 1, 5),
            "whiteboard": RoomScenario(5, 4, 0.2, 5, cursor_rate=10),
            "noisy-neighbour": RoomScenario(5, 4, 1, 5),
        }
    return {
        "big-room": RoomScenario(1, 200, 0.5, 20),
        "medium-room": RoomScenario(1, 50, 2, 15),
        "small-rooms": RoomScenario(50, 8, 1, 15),
        "redis-pair": RoomScenario(50, 8, 1, 15),  # many small rooms, as issue 17 asks
        "cluster-pair": RoomScenario(1, 200, 0.5, 20),
        "postgres": RoomScenario(50, 8, 1, 15),  # many small rooms: appends of 50 rooms at once
        "whiteboard": RoomScenario(30, 8, 0.2, 15, cursor_rate=10),
        "noisy-neighbour": RoomScenario(20, 8, 1, 15),  # beside a 5 MB board joined every 0.2 s
    }


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---- running one scenario against one server ------------------------------------------


def _profile(target: servers.Target, seconds: float, name: str) -> subprocess.Popen[bytes] | None:
    spy = servers.LOAD_VENV / "bin" / "py-spy"
    if not spy.exists():
        return None
    out = servers.WORK_DIR / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%H%M%S")
    return subprocess.Popen(
        [str(spy), "record", "--pid", str(target.processes[-1].pid), "--duration",
         str(int(seconds)), "--rate", "250", "--format", "raw", "--nonblocking",
         "-o", str(out / f"{name}-{stamp}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


QUIET_CORES = 0.5  # other load below which a latency measurement starts at once
QUIET_WAIT_S = 10.0


def wait_for_quiet() -> float:
    """Wait (boundedly) until the rest of the machine is nearly idle; returns its load.

    The machine is shared: latency measured while other work keeps both cores busy
    says more about that work than about the server.
    """
    deadline = time.monotonic() + QUIET_WAIT_S
    while True:
        t0, busy0 = machine_busy_seconds()
        time.sleep(1.0)
        t1, busy1 = machine_busy_seconds()
        load = (busy1 - busy0) / (t1 - t0)
        if load < QUIET_CORES or time.monotonic() > deadline:
            return load
        _log(f"  waiting for a quieter machine (other load {load:.2f} cores)")


def run_room(target: servers.Target, scenario: RoomScenario, args: argparse.Namespace,
             name: str) -> Result:
    config = RoomLoadConfig(
        url_template=target.url_template, rooms=scenario.rooms,
        clients_per_room=scenario.clients, rate=scenario.rate, duration=scenario.duration,
        processes=args.processes, server_pids=target.pids, python=sys.executable,
        second_url_template=target.second_url_template, room_prefix=name,
        pid_source=lambda: target.pids, cursor_rate=scenario.cursor_rate,
    )
    wait_for_quiet()
    spy = None
    if args.profile and target.name.startswith("sprankel"):
        spy = _profile(target, scenario.duration + 10, f"{name}-{target.name}")
    result = asyncio.run(run_room_load(config))
    if spy is not None:
        spy.wait(60)
    _log(f"  {target.name}: {result.summary()}")
    return asdict(result)


def run_noisy(target: servers.Target, scenario: RoomScenario, args: argparse.Namespace
              ) -> Result:
    config = RoomLoadConfig(
        url_template=target.url_template, rooms=scenario.rooms,
        clients_per_room=scenario.clients, rate=scenario.rate, duration=scenario.duration,
        processes=args.processes, python=sys.executable, room_prefix="noisy",
        pid_source=lambda: target.pids,
    )
    wait_for_quiet()
    ideas = 500 if args.quick else 5000
    result = asyncio.run(noisy_neighbour(config, board_ideas=ideas))
    _log(f"  {target.name}: board {result['board_bytes'] / 2**20:.1f} MiB joined "
         f"{result['board_joins']} times (p50 {result['board_join_p50_ms']} ms); small rooms "
         f"p99 {result['latency_p99_ms']} ms, CPU {result['server_cpu_cores']}, "
         f"lost {result['lost']}")
    return result


def run_first_join(target: servers.Target, quick: bool) -> Result:
    clients, rounds = (20, 2) if quick else (50, 5)
    result = asyncio.run(first_joins(target.url_template, clients=clients, rounds=rounds))
    _log(f"  {target.name}: worst round {result.connected_min}/{clients} ready, "
         f"p50 {result.ready_p50_ms} ms, max {result.ready_max_ms} ms {result.errors}")
    return asdict(result)


def run_board_join(target: servers.Target, quick: bool) -> Result:
    sizes: dict[str, int] = (
        {"ideas": 1000, "alone": 5, "burst": 10, "burst_rounds": 2} if quick else {}
    )
    result = asyncio.run(board_joins(target.url_template, **sizes))
    _log(f"  {target.name}: alone p50 {result.alone_p50_ms} ms, burst of {result.burst_size} "
         f"over {result.burst_processes} processes all ready p50 "
         f"{result.burst_all_ready_p50_ms} ms (from one process "
         f"{result.one_process_burst_all_ready_p50_ms} ms), verified {result.verified} "
         f"{result.errors}")
    return asdict(result)


def run_idle(target: servers.Target, quick: bool) -> Result:
    connections, rooms = (200, 10) if quick else (2000, 100)
    result = asyncio.run(idle_connections(target.url_template, target.pids,
                                          connections=connections, rooms=rooms))
    _log(f"  {target.name}: {result.connected}/{result.connections} connected, "
         f"{result.kib_per_connection:.1f} KiB per connection {result.errors}")
    return asdict(result)


def growth_sizes(quick: bool) -> list[int]:
    return [500, 1000] if quick else [1000, 5000, 20000, 50000]


def run_growth(target: servers.Target, quick: bool) -> Result:
    result: Result = asyncio.run(growth(target.url_template, target.pids, growth_sizes(quick)))
    for size, row in result["rows"].items():
        _log(f"  {target.name}: {size} ideas: join {row['join_ready_p50_ms']:.1f} ms, "
             f"{row['memory_mib']:.1f} MiB, verified {row['verified']}")
    return result


def _project_bench(module: str, args: list[str], timeout: float, label: str) -> Any:
    """A benchmark of Sprankel's own code, run with the project's Python (not the load
    venv's): its JSON output, or {"error": ...}."""
    completed = subprocess.run(
        [str(servers.PROJECT_PYTHON), "-m", module, *args],
        cwd=servers.REPO_ROOT, capture_output=True, text=True, timeout=timeout,
    )
    if completed.returncode != 0:
        message = (completed.stderr.strip().splitlines() or ["failed"])[-1]
        _log(f"  {label}: {message}")
        return {"error": message}
    return json.loads(completed.stdout)


def run_growth_store(quick: bool) -> Result:
    """Compaction and export by size."""
    sizes = ",".join(map(str, growth_sizes(quick)))
    rows: Result = _project_bench("benchmarks.growth_store", ["--sizes", sizes], 1800,
                                  "growth (store)")
    if "error" in rows:
        return rows
    _log(f"  sprankel store: {rows}")
    return {"rows": rows}


def run_export(quick: bool) -> Result:
    ideas = 500 if quick else 5000
    result: Result = _project_bench("benchmarks.export_bench", ["--ideas", str(ideas)], 600,
                                    "export")
    if "error" not in result:
        _log(f"  sprankel: export of {ideas} ideas: {result}")
    return result


def _with_server(name: str, body: Callable[[servers.Target], Result]) -> Result:
    try:
        target = servers.start(name)
    except Exception as error:
        _log(f"  {name}: could not start: {error}")
        return {"error": f"could not start: {error}"}
    try:
        scrape_max_ms(target.metrics_urls)  # starts the scenario's loop-lag maximum afresh
        result = body(target)
        if target.metrics_urls:
            result["loop_lag_max_ms"] = scrape_max_ms(target.metrics_urls)
        if not target.alive():
            # Keep the numbers: the process may have died when the clients left.
            result["server_exited"] = True
            _log(f"  {name}: the server process exited\n{target.log_tail(5)}")
        return result
    except Exception as error:
        _log(f"  {name}: failed: {type(error).__name__}: {error}\n{target.log_tail()}")
        return {"error": f"{type(error).__name__}: {error}"}
    finally:
        target.stop()


# The store rows: the same load on one process with SQLite and with PostgreSQL.
STORE_SERVERS = ("sprankel", "sprankel-postgres")


def postgres_available() -> str | None:
    """Why the PostgreSQL row cannot run, or None when it can."""
    from . import pg_cluster

    if pg_cluster.binaries() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    return None


def redis_available() -> str | None:
    """Why the two-process row cannot run, or None when it can."""
    broker = servers.REPO_ROOT / "server" / "sprankel" / "broker" / "redis" / "__init__.py"
    if not broker.exists():
        return "the Redis broker (server/sprankel/broker/redis/) has not landed yet"
    if subprocess.run(["which", "redis-server"], capture_output=True).returncode != 0:
        return "redis-server is not installed"
    return None


# Correctness counts take the worst run; measurements take the median of the runs.
_WORST_HIGH = {"lost", "duplicates", "closed_during_run", "failed", "worker_cpu_max"}
_WORST_LOW = {"connected", "connected_min", "alone_joins"}


def merge_runs(runs: list[Result]) -> Result:
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    merged: Result = {"runs": runs}
    for key, value in good[0].items():
        values = [r.get(key) for r in good]
        if key == "errors":
            merged[key] = sorted({e for r in good for e in r.get("errors", [])})
        elif key == "rows" and isinstance(value, dict):  # the growth table: per size, medians
            merged[key] = {size: {field: statistics.median(float(r[key][size][field])
                                                           for r in good)
                                  for field in row}
                           for size, row in value.items()}
        elif isinstance(value, bool):
            merged[key] = any(values) if key == "client_saturated" else all(values)
        elif isinstance(value, (int, float)) and all(isinstance(v, (int, float)) for v in values):
            numbers = [float(v) for v in values if v is not None]
            if key in _WORST_HIGH:
                merged[key] = max(numbers)
            elif key in _WORST_LOW:
                merged[key] = min(numbers)
            else:
                merged[key] = statistics.median(numbers)
        else:
            merged[key] = value
    if len(good) < len(runs):
        failed = f"{len(runs) - len(good)} of {len(runs)} runs failed"
        merged.setdefault("errors", []).append(failed)
    return merged


def _scenario_body(
    scenario: str, rooms: dict[str, RoomScenario], args: argparse.Namespace
) -> Callable[[servers.Target], Result]:
    if scenario == "noisy-neighbour":
        return partial(run_noisy, scenario=rooms[scenario], args=args)
    if scenario in rooms:
        return partial(run_room, scenario=rooms[scenario], args=args, name=scenario)
    if scenario == "first-join":
        return partial(run_first_join, quick=args.quick)
    if scenario == "board-join":
        return partial(run_board_join, quick=args.quick)
    if scenario == "idle":
        return partial(run_idle, quick=args.quick)
    if scenario == "growth":
        return partial(run_growth, quick=args.quick)
    raise SystemExit(f"unknown scenario {scenario!r}")


def run_all(args: argparse.Namespace) -> int:
    chosen_servers = [s for s in args.servers.split(",") if s]
    chosen = [s for s in args.scenarios.split(",") if s]
    rooms = room_scenarios(args.quick)
    results: dict[str, dict[str, Result]] = {}
    meta = {
        "date": run.timestamp(), "machine": run.machine_description(),
        "revision": run.git_revision(), "quick": args.quick,
        "versions": versions(), "scenarios": {k: v.label() for k, v in rooms.items()},
    }
    for scenario in chosen:
        _log(f"scenario {scenario}")
        results[scenario] = {}
        if scenario not in ("export", "redis-pair", "cluster-pair", "postgres") and args.repeat > 1:
            runs: dict[str, list[Result]] = {name: [] for name in chosen_servers}
            for _ in range(args.repeat):  # interleaved: A B C A B C, so drift hits all alike
                for name in chosen_servers:
                    runs[name].append(
                        _with_server(name, _scenario_body(scenario, rooms, args))
                    )
            results[scenario] = {name: merge_runs(r) for name, r in runs.items()}
            if scenario == "growth":
                results[scenario]["store"] = run_growth_store(args.quick)
            continue
        if scenario == "export":
            results[scenario]["sprankel"] = run_export(args.quick)
            continue
        if scenario == "postgres":
            missing = postgres_available()
            if missing:
                _log(f"  skipped: {missing}")
                results[scenario] = {name: {"error": missing} for name in STORE_SERVERS}
                continue
            store_runs: dict[str, list[Result]] = {name: [] for name in STORE_SERVERS}
            for _ in range(args.repeat):  # interleaved, as above
                for name in STORE_SERVERS:
                    store_runs[name].append(
                        _with_server(name, _scenario_body(scenario, rooms, args)))
            results[scenario] = {name: merge_runs(r) for name, r in store_runs.items()}
            continue
        if scenario in ("redis-pair", "cluster-pair"):
            server = "sprankel-redis" if scenario == "redis-pair" else "sprankel-cluster"
            missing = redis_available()
            if missing:
                _log(f"  skipped: {missing}")
                results[scenario][server] = {"error": missing}
                continue
            results[scenario][server] = _with_server(
                server, _scenario_body(scenario, rooms, args)
            )
            continue
        for name in chosen_servers:
            body = _scenario_body(scenario, rooms, args)
            results[scenario][name] = _with_server(name, body)
        if scenario == "growth":
            results[scenario]["store"] = run_growth_store(args.quick)
    data = {"meta": meta, "results": results}
    path = run.write_json(f"results-{time.strftime('%Y%m%dT%H%M%S')}.json", data)
    from .table import render_store_table, render_table, update_doc, update_store_doc

    _log(f"raw results: {path}")
    # The store comparison has its own block, so that running it alone (it needs no
    # Node or pycrdt-websocket) leaves the main table as it was.
    if "postgres" in results:
        store_table = render_store_table(data)
        print(store_table)
        if not args.no_write:
            update_store_doc(run.DOC, data, store_table)
    if set(results) - {"postgres"}:
        table = render_table(data)
        print(table)
        if not args.no_write:
            update_doc(run.DOC, data, table)
    if not args.no_write:
        _log(f"tables written to {run.DOC}")
    return 0


def versions() -> dict[str, str]:
    out = {}
    try:
        out["node"] = servers.version_of_node_server()
    except (OSError, ValueError, KeyError):
        out["node"] = "not installed"
    freeze = subprocess.run([str(servers.PYCRDT_VENV / "bin" / "pip"), "freeze"],
                            capture_output=True, text=True).stdout
    wanted = [line for line in freeze.splitlines()
              if line.split("==")[0] in ("pycrdt-websocket", "pycrdt", "uvicorn", "websockets")]
    out["pycrdt-websocket"] = ", ".join(wanted) + " (uvicorn defaults, permessage-deflate on)"
    probe = (
        "import importlib.metadata as m; print(', '.join(f'{n} {m.version(n)}' for n in "
        "('sprankel', 'pycrdt', 'starlette', 'uvicorn', 'websockets')))"
    )
    sprankel = subprocess.run([str(servers.PROJECT_PYTHON), "-c", probe],
                              capture_output=True, text=True, cwd=servers.REPO_ROOT)
    out["sprankel"] = sprankel.stdout.strip() or sprankel.stderr.strip()[-200:]
    out["load generator"] = f"Python {sys.version.split()[0]}, " + ", ".join(
        line for line in subprocess.run(
            [sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True
        ).stdout.splitlines() if line.split("==")[0] in ("pycrdt", "websockets", "uvloop")
    )
    return out


__all__ = ["Path", "run_all"]
