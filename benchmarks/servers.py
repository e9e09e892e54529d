"""Install and start the servers under test, each on a free loopback port.

- ``node``: the reference ``@y/websocket-server`` (pinned in benchmarks/package.json),
  installed with ``npm ci`` into benchmarks/.work/node/.
- ``pycrdt-websocket``: the Python peer, in its own venv benchmarks/.work/pycrdt-websocket-venv.
- ``sprankel``: ``sprankel serve --open-documents`` from the project's .venv.
- ``sprankel-redis``: two ``sprankel serve`` processes sharing a redis-server started here.
- ``sprankel-cluster``: the same two processes on a Redis Cluster started here (three
  masters, three replicas, ``--redis-cluster``).
- ``sprankel-postgres``: one ``sprankel serve --store postgres`` on a PostgreSQL started
  here (pg_cluster.py), with PostgreSQL's default durability.

Everything this module starts is stopped by ``Target.stop()``; nothing listens
beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .procstat import tree

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
NODE_DIR = WORK_DIR / "node"
LOAD_VENV = WORK_DIR / "load-venv"
PYCRDT_VENV = WORK_DIR / "pycrdt-websocket-venv"
PROJECT_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- installing -----------------------------------------------------------------------


def _stamp_ok(directory: Path, inputs: Sequence[Path]) -> bool:
    stamp = directory / ".installed-from"
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    return stamp.exists() and stamp.read_text() == digest


def _write_stamp(directory: Path, inputs: Sequence[Path]) -> None:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs)).hexdigest()
    (directory / ".installed-from").write_text(digest)


def ensure_node_reference() -> None:
    """npm ci the pinned reference server into .work/node (again only when the lock changed)."""
    inputs = [BENCH_DIR / "package.json", BENCH_DIR / "package-lock.json"]
    if _stamp_ok(NODE_DIR, inputs):
        return
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    for source in inputs:
        shutil.copy(source, NODE_DIR / source.name)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)
    _write_stamp(NODE_DIR, inputs)


def ensure_venv(venv: Path, requirements: Path) -> Path:
    """A venv with exactly the pinned requirements; returns its python."""
    python = venv / "bin" / "python"
    if _stamp_ok(venv, [requirements]) and python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(requirements)], check=True)
    _write_stamp(venv, [requirements])
    return python


def ensure_all() -> Path:
    """Install every reference server and the load venv; returns the load venv's python."""
    ensure_node_reference()
    ensure_venv(PYCRDT_VENV, BENCH_DIR / "requirements-pycrdt-websocket.txt")
    return ensure_venv(LOAD_VENV, BENCH_DIR / "requirements-load.txt")


def version_of_node_server() -> str:
    package = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "package.json"
    yjs = NODE_DIR / "node_modules" / "yjs" / "package.json"
    server_version = json.loads(package.read_text())["version"]
    yjs_version = json.loads(yjs.read_text())["version"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return f"@y/websocket-server {server_version} (yjs {yjs_version}, Node.js {node})"


# ---- running --------------------------------------------------------------------------


@dataclass
class Target:
    """One server under test: how to reach a room, and which processes to measure."""

    name: str
    url_template: str  # with {room}
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]
    second_url_template: str | None = None
    extra_pids: list[int] = field(default_factory=list)  # e.g. redis-server
    cleanup: list[Path] = field(default_factory=list)
    # Processes whose descendants count too, found afresh each time (PostgreSQL's
    # postmaster starts a backend per connection as the pool grows).
    extra_roots: list[int] = field(default_factory=list)
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    # Sprankel's /metrics of each process (its event-loop lag: benchmarks/looplag.py).
    metrics_urls: list[str] = field(default_factory=list)

    @property
    def pids(self) -> list[int]:
        """The server processes and their children (e.g. uvicorn workers), and extras."""
        pids: list[int] = []
        for process in self.processes:
            pids.extend(tree(process.pid))
        for root in self.extra_roots:
            pids.extend(tree(root))
        return pids + self.extra_pids

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)
        for stop in self.on_stop:
            stop()

    def log_tail(self, lines: int = 20) -> str:
        out = []
        for log in self.logs:
            with contextlib.suppress(FileNotFoundError):
                out.append("\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(out)


def _spawn(argv: Sequence[str], log: Path, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            list(argv), stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path,
                    timeout: float = 30.0, http_path: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if http_path:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{http_path}", timeout=1):
                    return
            else:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start in {timeout} s")


def _log_path(name: str) -> Path:
    (WORK_DIR / "logs").mkdir(parents=True, exist_ok=True)
    return WORK_DIR / "logs" / f"{name}-{int(time.time())}.log"


def start_node() -> Target:
    port = free_port()
    log = _log_path("node")
    process = _spawn(
        ["node", str(NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js")],
        log, env={"HOST": "127.0.0.1", "PORT": str(port)},
    )
    _wait_listening(port, process, log)
    return Target("node", f"ws://127.0.0.1:{port}/{{room}}", [process], [log])


def start_pycrdt_websocket(deflate: bool = True) -> Target:
    port = free_port()
    log = _log_path("pycrdt-websocket")
    argv = [str(PYCRDT_VENV / "bin" / "python"), str(BENCH_DIR / "pycrdt_websocket_server.py"),
            str(port)]
    process = _spawn(argv + ([] if deflate else ["--no-deflate"]), log)
    _wait_listening(port, process, log)
    return Target("pycrdt-websocket", f"ws://127.0.0.1:{port}/{{room}}", [process], [log])


def _metrics_flags() -> tuple[list[str], str]:
    """A loopback metrics address of its own (the loop-lag column), and its URL."""
    port = free_port()
    return (["--metrics", "--metrics-address", f"127.0.0.1:{port}"],
            f"http://127.0.0.1:{port}/metrics")


def _sprankel_argv(port: int, data_dir: Path, flags: Sequence[str]) -> list[str]:
    script = REPO_ROOT / ".venv" / "bin" / "sprankel"
    command = [str(script)] if script.exists() else [str(PROJECT_PYTHON), "-m", "sprankel.cli"]
    # Every load client comes from 127.0.0.1: lift the limits per address and per document
    # (the idle scenario alone holds 2000 sockets). The message rate limit stays on.
    no_limits = ["--connections-per-address", "0", "--ws-per-address", "0",
                 "--ws-per-document", "0"]
    return [*command, "serve", "--open-documents", "--port", str(port),
            "--data-dir", str(data_dir), "--log-level", "warning", *no_limits, *flags]


def start_sprankel(flags: Sequence[str] = ()) -> Target:
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="sprankel-bench-"))
    log = _log_path("sprankel")
    metrics, metrics_url = _metrics_flags()
    process = _spawn(_sprankel_argv(port, data_dir, [*flags, *metrics]), log, cwd=REPO_ROOT)
    _wait_listening(port, process, log, http_path="/healthz")
    return Target("sprankel", f"ws://127.0.0.1:{port}/ws/{{room}}", [process], [log],
                  cleanup=[data_dir], metrics_urls=[metrics_url])


def _start_redis_cluster(data_dir: Path) -> tuple[list[subprocess.Popen[bytes]], list[Path],
                                                    int]:
    """Six cluster nodes (three masters with a replica each), joined; returns one port."""
    ports: list[int] = []
    while len(ports) < 6:
        port = free_port()
        if port + 10000 <= 65535 and port not in ports:  # the cluster bus is port + 10000
            ports.append(port)
    processes, logs = [], []
    for port in ports:
        node_dir = data_dir / f"node-{port}"
        node_dir.mkdir(parents=True)
        log = _log_path(f"redis-cluster-{port}")
        processes.append(_spawn(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(node_dir), "--cluster-enabled", "yes",
             "--cluster-config-file", "nodes.conf"], log))
        logs.append(log)
        _wait_listening(port, processes[-1], log)
    subprocess.run(["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports),
                    "--cluster-replicas", "1", "--cluster-yes"],
                   check=True, capture_output=True, timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = [subprocess.run(["redis-cli", "-p", str(p), "cluster", "info"],
                                 capture_output=True, text=True).stdout for p in ports]
        if all("cluster_state:ok" in state for state in states):
            return processes, logs, ports[0]
        time.sleep(0.2)
    raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")


def start_sprankel_redis_pair(flags: Sequence[str] = (), cluster: bool = False) -> Target:
    """Two Sprankel processes on two ports, sharing a redis-server (or a cluster) started
    here."""
    name = "sprankel-cluster" if cluster else "sprankel-redis"
    data_dir = Path(tempfile.mkdtemp(prefix=f"{name}-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    if cluster:
        processes, logs, redis_port = _start_redis_cluster(data_dir)
        flags = [*flags, "--redis-cluster"]
    else:
        redis_port = free_port()
        redis_log = _log_path("redis")
        redis = _spawn(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--dir", str(data_dir)], redis_log)
        _wait_listening(redis_port, redis, redis_log)
        processes, logs = [redis], [redis_log]
    env = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    urls = []
    metrics_urls = []
    try:
        for index in range(2):
            port = free_port()
            log = _log_path(f"{name}-{index}")
            metrics, metrics_url = _metrics_flags()
            metrics_urls.append(metrics_url)
            process = _spawn(_sprankel_argv(port, data_dir / "shared", [*flags, *metrics]), log,
                             env=env, cwd=REPO_ROOT)
            processes.append(process)
            logs.append(log)
            _wait_listening(port, process, log, http_path="/healthz")
            urls.append(f"ws://127.0.0.1:{port}/ws/{{room}}")
    except Exception:
        Target(name, "", processes, logs, cleanup=[data_dir]).stop()
        raise
    # The redis-servers count as part of the server: their CPU is in the measurement.
    return Target(name, urls[0], processes, logs, second_url_template=urls[1],
                  cleanup=[data_dir], metrics_urls=metrics_urls)


def start_sprankel_postgres(flags: Sequence[str] = ()) -> Target:
    """One Sprankel process whose store is a PostgreSQL started here (its CPU counts)."""
    from . import pg_cluster

    cluster = pg_cluster.start(free_port())
    try:
        target = start_sprankel(["--store", "postgres", "--database-url", cluster.url, *flags])
    except Exception:
        cluster.stop()
        raise
    target.name = "sprankel-postgres"
    target.extra_roots.append(cluster.postmaster_pid())
    target.on_stop.append(cluster.stop)
    return target


def start(name: str) -> Target:
    if name == "node":
        return start_node()
    if name == "pycrdt-websocket":
        return start_pycrdt_websocket()
    if name == "sprankel":
        return start_sprankel()
    if name == "sprankel-redis":
        return start_sprankel_redis_pair()
    if name == "sprankel-cluster":
        return start_sprankel_redis_pair(cluster=True)
    if name == "sprankel-postgres":
        return start_sprankel_postgres()
    raise ValueError(f"unknown server {name!r}")
