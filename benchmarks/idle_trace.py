"""What a Sprankel server holds per idle /ws/ connection, by traceback.

Starts ``sprankel serve`` with tracemalloc on (and a SIGUSR1 handler that writes a
snapshot), opens N idle clients (synced, one awareness state each, as in
idle.py), snapshots, opens N more, snapshots again, and prints the growth per
connection grouped by where it was allocated, with the growth of the RSS:

    .venv/bin/python -m benchmarks.idle_trace --connections 500 --frames 6

Tracing slows the server and adds its own memory to the RSS: compare its RSS
figure only with another run of this tool, and take the idle scenario of
benchmarks.run for the figure against Node.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
import tracemalloc
from pathlib import Path

from .idle import SETTLE_S, _open_all
from .load_client import LoadClient
from .procstat import rss_bytes
from .servers import PROJECT_PYTHON, REPO_ROOT, _log_path, _spawn, _wait_listening, free_port

# Run in the server process: trace, and dump a snapshot to the file named on SIGUSR1.
_SERVER = """
import signal, sys, tracemalloc
tracemalloc.start(int(sys.argv[1]))
def dump(signum, frame):
    import gc; gc.collect()
    tracemalloc.take_snapshot().dump(sys.argv[2] + '.tmp')
    import os; os.replace(sys.argv[2] + '.tmp', sys.argv[2])
signal.signal(signal.SIGUSR1, dump)
from sprankel.cli import main
sys.exit(main(sys.argv[3:]))
"""


async def _snapshot(pid: int, path: Path) -> tracemalloc.Snapshot:
    # The server writes to the path it was started with (work / "snap").
    exists = os.path.exists
    if exists(path):
        os.unlink(path)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while not exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError("the server wrote no snapshot within 60 s")
        await asyncio.sleep(0.1)
    return tracemalloc.Snapshot.load(str(path))


async def measure(port: int, pid: int, work: Path, connections: int, rooms: int,
                  top: int) -> None:
    url = f"ws://127.0.0.1:{port}/ws/trace-{time.time_ns() % 10**9:x}-{{room}}"
    urls = [url.format(room=r) for r in range(rooms)]
    waves = [[LoadClient(urls[i % rooms], sender_id=1000 + w * connections + i)
              for i in range(connections)] for w in range(2)]
    holders = [LoadClient(u, sender_id=1 + r) for r, u in enumerate(urls)]
    try:
        await _open_all(holders, 50, 60)
        for wave in waves[:1]:
            await _open_all(wave, 50, 60)
        await asyncio.sleep(SETTLE_S)
        before, rss_before = await _snapshot(pid, work / "snap"), rss_bytes([pid])
        await _open_all(waves[1], 50, 60)
        await asyncio.sleep(SETTLE_S)
        after, rss_after = await _snapshot(pid, work / "snap"), rss_bytes([pid])
        opened = sum(1 for c in waves[1] if c.ready_ns and c.is_open)
    finally:
        await asyncio.gather(*(c.close() for c in holders + waves[0] + waves[1]))
        stats = after.compare_to(before, "traceback")
    traced = sum(s.size_diff for s in stats) / 1024 / connections
    rss = (rss_after - rss_before) / 1024 / connections
    print(f"{opened}/{connections} opened in the second wave; per connection: traced "
          f"{traced:.2f} KiB, RSS {rss:.2f} KiB")
    for stat in stats[:top]:
        print(f"\n{stat.size_diff / 1024 / connections:7.3f} KiB  "
              f"{stat.count_diff / connections:6.2f} blocks per connection")
        for line in stat.traceback.format(most_recent_first=True)[:12]:
            print("    " + line.strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=500, help="per wave (two waves)")
    parser.add_argument("--rooms", type=int, default=25)
    parser.add_argument("--frames", type=int, default=6, help="traceback depth to group by")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="sprankel-trace-"))
    log = _log_path("sprankel-trace")
    flags = ["serve", "--open-documents", "--port", str(port), "--data-dir", str(work / "data"),
             "--log-level", "warning", "--connections-per-address", "0",
             "--ws-per-address", "0", "--ws-per-document", "0"]
    server = _spawn([str(PROJECT_PYTHON), "-c", _SERVER, str(args.frames), str(work / "snap"),
                     *flags], log, cwd=REPO_ROOT)
    try:
        _wait_listening(port, server, log, timeout=60)
        asyncio.run(measure(port, server.pid, work, args.connections, args.rooms, args.top))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
