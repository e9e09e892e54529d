"""A burst of joins spread over several load processes, so that it measures the server.

In one process the clients of a burst apply their documents one after another,
and the last one's ready time is mostly the load generator's own queue. Here each
of ``processes`` workers (this module, run with ``--worker``) opens its share of
the burst. The workers start, import and connect nothing until the parent has
heard "ready" from every one; then the parent sends them one start time. The
times are ``time.perf_counter_ns()``, which is CLOCK_MONOTONIC on Linux: one
clock for every process on the machine, so the parent can compare them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .load_client import LoadClient

START_DELAY_NS = 50_000_000  # from the parent's "go" to the start: every worker is waiting
WORKER_START_TIMEOUT_S = 30.0  # a worker that has not said "ready" by then is a failure
ROOT = Path(__file__).resolve().parent.parent  # where `-m benchmarks.burst` is found


@dataclass
class BurstRound:
    start_ns: int
    ready_ns: list[int]  # per joined client: its step 2 arrived and was applied
    arrived_ns: list[int]  # the step 2 arrived
    ideas_min: int  # the fewest ideas any client's document held
    errors: list[str]


async def burst_round(url: str, clients: int, processes: int, first_sender: int,
                      timeout: float, apply: bool) -> BurstRound:
    """``clients`` joins of ``url`` at one moment, split as evenly as possible."""
    shares = [clients // processes + (1 if p < clients % processes else 0)
              for p in range(processes)]
    workers = []
    sender = first_sender
    for share in shares:
        if share == 0:
            continue
        workers.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.burst", "--worker", url, str(share), str(sender),
            str(timeout), "1" if apply else "0",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        ))
        sender += share
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), WORKER_START_TIMEOUT_S)
            if line.strip() != b"ready":
                raise RuntimeError(f"a burst worker did not start: {line!r}")
        start_ns = time.perf_counter_ns() + START_DELAY_NS
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(f"{start_ns}\n".encode())
            await worker.stdin.drain()
        outputs = await asyncio.wait_for(
            asyncio.gather(*(w.communicate() for w in workers)), timeout + 30)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    result = BurstRound(start_ns, [], [], sys.maxsize, [])
    for stdout, _ in outputs:
        share = json.loads(stdout.decode().strip().splitlines()[-1])
        result.ready_ns += share["ready_ns"]
        result.arrived_ns += share["arrived_ns"]
        result.ideas_min = min(result.ideas_min, share["ideas_min"])
        result.errors += share["errors"]
    return result


async def _worker(url: str, clients: int, first_sender: int, timeout: float,
                  apply: bool) -> dict[str, object]:
    from .joins import _count_ideas, _open_quietly  # the same join as in one process

    group = [LoadClient(url, sender_id=first_sender + i, keep_sync_payload=True,
                        apply_sync=apply) for i in range(clients)]
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start_ns = int(line)
    await asyncio.sleep(max(0, start_ns - time.perf_counter_ns()) / 1e9)
    await asyncio.gather(*(_open_quietly(c, timeout) for c in group))
    ready = [c for c in group if c.ready_ns]
    # Counted after the clock stopped: the check is not part of the join.
    ideas = [_count_ideas(c.sync_payload) for c in ready]
    await asyncio.gather(*(c.close() for c in group))
    return {
        "ready_ns": [c.ready_ns for c in ready],
        "arrived_ns": [c.arrived_ns for c in ready],
        "ideas_min": min(ideas) if len(ideas) == clients else 0,
        "errors": sorted({c.error or "not ready" for c in group if not c.ready_ns}),
    }


def main(argv: list[str]) -> None:
    if len(argv) != 6 or argv[0] != "--worker":
        raise SystemExit("usage: python -m benchmarks.burst --worker URL CLIENTS FIRST_SENDER "
                         "TIMEOUT_S APPLY(0|1)   (started by burst_round)")
    url, clients, first, timeout, apply = argv[1:]
    share = asyncio.run(_worker(url, int(clients), int(first), float(timeout), apply == "1"))
    print(json.dumps(share), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
