"""Join scenarios: many first joins of a new room at once, and joining a big board.

"Ready" is what the y-websocket provider calls synced: the server's sync step 2
(the whole document) has arrived in answer to the client's step 1 and is applied
into the client's document. The time is taken from the start of the TCP connect
The burst of a board join is spread over several load processes (burst.py), so
that it measures the server; the same burst from this one process, where the
clients apply their documents one after another, is kept beside it (labelled
"one load process"). The board's content is checked after the clock stopped,
by applying it into a pycrdt Doc and counting the ideas.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pycrdt import Doc, Map

from .burst import BurstRound, burst_round
from .load_client import LoadClient

IDEA_TEXTS = (
    "Coffee corner chat on Friday afternoons, camera optional",
    "A shared playlist for focus hours",
    "Rotate who opens the weekly meeting with a personal story",
    "Walking meetings by phone for one-on-ones",
    "A quiet channel for questions nobody dares to ask",
)


@dataclass
class FirstJoinResult:
    rounds: int
    clients_per_round: int
    connected_min: int  # the worst round: how many of its clients got ready
    ready_p50_ms: float | None
    ready_max_ms: float | None
    errors: list[str] = field(default_factory=list)


@dataclass
class BoardJoinResult:
    ideas: int
    board_bytes: int
    alone_joins: int
    alone_p50_ms: float | None
    burst_size: int
    burst_rounds: int
    burst_processes: int  # load processes the burst is spread over
    burst_all_ready_p50_ms: float | None  # per round: until the last of the burst is ready
    burst_all_ready_max_ms: float | None
    # The same without the client's apply: until the step 2 arrived (the server's part).
    alone_arrived_p50_ms: float | None
    burst_all_arrived_p50_ms: float | None
    # The same burst from this one process (the first and second rounds' figure).
    one_process_burst_all_ready_p50_ms: float | None
    one_process_burst_all_arrived_p50_ms: float | None
    verified: bool  # every join received all ideas
    errors: list[str] = field(default_factory=list)


def _ready_ms(client: LoadClient) -> float:
    return (client.ready_ns - client.started_ns) / 1e6


async def _open_quietly(client: LoadClient, timeout: float) -> None:
    try:
        await client.open(timeout=timeout)
    except (TimeoutError, OSError, ConnectionError) as error:
        client.error = client.error or f"{type(error).__name__}: {error}"


async def first_joins(
    url_template: str, clients: int = 50, rounds: int = 5, timeout: float = 10.0,
    prefix: str = "first-join",
) -> FirstJoinResult:
    """``clients`` users open a room nobody has opened before, all at the same moment."""
    run = f"{prefix}-{time.time_ns() % 10**12:x}"
    ready: list[float] = []
    connected_min = clients
    errors: set[str] = set()
    for index in range(rounds):
        url = url_template.format(room=f"{run}-{index}")
        group = [LoadClient(url, sender_id=i + 1) for i in range(clients)]
        await asyncio.gather(*(_open_quietly(c, timeout) for c in group))
        ok = [c for c in group if c.ready_ns]
        connected_min = min(connected_min, len(ok))
        ready.extend(_ready_ms(c) for c in ok)
        errors.update(c.error or "not ready" for c in group if not c.ready_ns)
        await asyncio.gather(*(c.close() for c in group))
    return FirstJoinResult(
        rounds=rounds, clients_per_round=clients, connected_min=connected_min,
        ready_p50_ms=statistics.median(ready) if ready else None,
        ready_max_ms=max(ready) if ready else None, errors=sorted(errors)[:5],
    )


def _add_ideas(doc: Doc[Any], first: int, count: int, padding: int = 0) -> None:
    ideas = doc.get("ideas", type=Map)
    # A long idea (a pasted paragraph) without repeating itself exactly.
    extra = (" " + " ".join(IDEA_TEXTS) * (padding // 200 + 1))[:padding] if padding else ""
    with doc.transaction():
        for number in range(first, first + count):
            ideas[f"idea-{number}"] = Map({
                "text": f"{IDEA_TEXTS[number % len(IDEA_TEXTS)]} (#{number}){extra}",
                "author": f"participant-{number % 200}",
                "cluster": f"cluster-{number % 40}",
                "votes": number % 7,
                "created": 1_790_000_000_000 + number,
            })


async def seed_board(url: str, ideas: int, batch: int = 100, padding: int = 0) -> LoadClient:
    """Connect a holder and send ``ideas`` idea cards in updates of ``batch`` ideas.

    The holder stays connected: the reference servers drop (pycrdt-websocket) or keep
    (the Node server) a room without connections, so holding one is fair to all.
    """
    holder = LoadClient(url, sender_id=999_999, awareness=False)
    await holder.open()
    for first in range(0, ideas, batch):
        count = min(batch, ideas - first)
        holder.send_update(partial(_add_ideas, first=first, count=count, padding=padding))
        await asyncio.sleep(0)  # let the socket drain between batches
    # Wait until the server has everything: a probe's sync must hold all ideas.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        probe = LoadClient(url, sender_id=999_998, awareness=False, keep_sync_payload=True)
        await probe.open()
        count = _count_ideas(probe.sync_payload)
        await probe.close()
        if count >= ideas:
            return holder
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not hold all {ideas} ideas within 60 s")


def _count_ideas(update: bytes) -> int:
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    return len(doc.get("ideas", type=Map))


async def board_joins(
    url_template: str, ideas: int = 5000, alone: int = 20, burst: int = 20, burst_rounds: int = 5,
    timeout: float = 30.0, apply: bool = True, burst_processes: int = 4,
) -> BoardJoinResult:
    room = f"board-{time.time_ns() % 10**12:x}"
    url = url_template.format(room=room)
    holder = await seed_board(url, ideas)
    errors: set[str] = set()
    verified = True
    board_bytes = 0
    try:
        alone_ms: list[float] = []
        alone_arrived: list[float] = []
        for index in range(alone):
            client = LoadClient(url, sender_id=10_000 + index, keep_sync_payload=True,
                                apply_sync=apply)
            await _open_quietly(client, timeout)
            if client.ready_ns:
                alone_ms.append(_ready_ms(client))
                alone_arrived.append((client.arrived_ns - client.started_ns) / 1e6)
                board_bytes = len(client.sync_payload)
                verified = verified and _count_ideas(client.sync_payload) >= ideas
            else:
                errors.add(client.error or "not ready")
            await client.close()
        spread = [await burst_round(url, burst, burst_processes, 20_000 + r * burst, timeout,
                                    apply) for r in range(burst_rounds)]
        one = [await _one_process_burst(url, burst, 40_000 + r * burst, timeout, apply)
               for r in range(burst_rounds)]
        for burst_result in spread + one:
            errors.update(burst_result.errors)
            verified = verified and len(burst_result.ready_ns) == burst and (
                burst_result.ideas_min >= ideas)
    finally:
        await holder.close()
    return BoardJoinResult(
        ideas=ideas, board_bytes=board_bytes, alone_joins=len(alone_ms),
        alone_p50_ms=statistics.median(alone_ms) if alone_ms else None,
        burst_size=burst, burst_rounds=burst_rounds, burst_processes=burst_processes,
        burst_all_ready_p50_ms=_last_p50(spread, "ready_ns"),
        burst_all_ready_max_ms=max(_lasts(spread, "ready_ns"), default=None),
        alone_arrived_p50_ms=statistics.median(alone_arrived) if alone_arrived else None,
        burst_all_arrived_p50_ms=_last_p50(spread, "arrived_ns"),
        one_process_burst_all_ready_p50_ms=_last_p50(one, "ready_ns"),
        one_process_burst_all_arrived_p50_ms=_last_p50(one, "arrived_ns"),
        verified=verified and not errors, errors=sorted(errors)[:5],
    )


async def _one_process_burst(url: str, clients: int, first_sender: int, timeout: float,
                             apply: bool) -> BurstRound:
    group = [LoadClient(url, sender_id=first_sender + i, keep_sync_payload=True,
                        apply_sync=apply) for i in range(clients)]
    start_ns = time.perf_counter_ns()
    await asyncio.gather(*(_open_quietly(c, timeout) for c in group))
    ready = [c for c in group if c.ready_ns]
    ideas = [_count_ideas(c.sync_payload) for c in ready]
    await asyncio.gather(*(c.close() for c in group))
    return BurstRound(start_ns, [c.ready_ns for c in ready], [c.arrived_ns for c in ready],
                      min(ideas) if len(ideas) == clients else 0,
                      sorted({c.error or "not ready" for c in group if not c.ready_ns}))


def _lasts(rounds: list[BurstRound], stamp: str) -> list[float]:
    # Per round: from the common start until the last client of the burst.
    return [(max(getattr(r, stamp)) - r.start_ns) / 1e6 for r in rounds if getattr(r, stamp)]


def _last_p50(rounds: list[BurstRound], stamp: str) -> float | None:
    lasts = _lasts(rounds, stamp)
    return statistics.median(lasts) if lasts else None


def main(argv: list[str] | None = None) -> None:
    """Both join scenarios at small sizes, as JSON (for the smoke test and quick checks)."""
    import argparse
    import json
    from dataclasses import asdict

    parser = argparse.ArgumentParser(description="Join scenarios against one server.")
    parser.add_argument("--url", required=True, help="WebSocket URL template with {room}")
    parser.add_argument("--clients", type=int, default=10, help="first joins per round")
    parser.add_argument("--ideas", type=int, default=200, help="ideas on the board")
    parser.add_argument("--burst", type=int, default=3, help="joins per burst")
    args = parser.parse_args(argv)

    async def run() -> dict[str, Any]:
        first = await first_joins(args.url, clients=args.clients, rounds=1)
        board = await board_joins(args.url, ideas=args.ideas, alone=2, burst=args.burst,
                                  burst_rounds=1)
        return {"first_join": asdict(first), "board_join": asdict(board)}

    print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
