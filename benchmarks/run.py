"""Run every scenario against the reference servers and Sprankel, back to back.

    python3 -m benchmarks.run                  # everything, about 15 minutes
    python3 -m benchmarks.run --quick          # smaller sizes, to try the machinery
    python3 -m benchmarks.run --servers node,sprankel --scenarios big-room

It installs what it needs into benchmarks/.work/ (the Node reference server with
npm ci, pycrdt-websocket and the load generator in their own venvs), then
re-runs itself with the load venv's Python (which has uvloop). For each
scenario it starts each server afresh on a free loopback port, runs the
scenario, stops the server, and goes on with the next server, so the ratios
in the table come from the same minutes of the same machine. The table goes
into docs/benchmarks.md between its result markers (``--no-write`` to skip),
the raw numbers into benchmarks/.work/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import servers

SERVERS = ("node", "pycrdt-websocket", "sprankel")
SCENARIOS = (
    "big-room", "medium-room", "small-rooms", "whiteboard", "noisy-neighbour", "first-join",
    "board-join", "idle", "redis-pair", "cluster-pair", "export", "growth", "postgres",
)
DOC = servers.REPO_ROOT / "docs" / "benchmarks.md"
RESULTS_DIR = servers.WORK_DIR / "results"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_python = servers.ensure_all()
    if Path(sys.prefix).resolve() != servers.LOAD_VENV.resolve() and not args.no_reexec:
        os.chdir(servers.REPO_ROOT)
        raw = list(sys.argv[1:] if argv is None else argv)
        os.execv(str(load_python), [str(load_python), "-m", "benchmarks.run", *raw])
    from .runner import run_all  # needs pycrdt and websockets: only in the load venv

    return run_all(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.run",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help="comma-separated (default: %(default)s)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter windows")
    parser.add_argument("--processes", type=int, default=2, help="load worker processes")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each scenario N times, servers interleaved; report medians")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--profile", action="store_true",
                        help="record a py-spy profile of Sprankel during the room scenarios")
    parser.add_argument("--no-reexec", action="store_true", help=argparse.SUPPRESS)
    return parser


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def git_revision() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=servers.REPO_ROOT,
                            capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def timestamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def write_json(name: str, data: object) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


if __name__ == "__main__":
    sys.exit(main())
