"""The CPU a room spends per client update, without the network: handle, store, broadcast.

A room with 20 connections that only count what they are handed and a store that keeps
nothing; every update is its own batch (the pump is awaited after each), the worst case
for what is paid per batch. What remains is Sprankel's own Python on the hot path
(decode, guard, apply, merge, the metrics counters, the broadcast loop), so a change
to it shows here even on a busy machine where the load generator's numbers do not.

    python -m benchmarks.room_hot_path                      # this checkout (PYTHONPATH)
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from pycrdt import Doc, Map

from sprankel.broker.memory import MemoryBroker
from sprankel.sync import protocol
from sprankel.sync.room import Room


class _NullStore:
    async def load(self, name: str) -> list[bytes]:
        return []

    async def append(self, name: str, update: bytes) -> None:
        pass

    async def get_record(self, kind: str, key: str) -> None:
        return None

    async def put_record(self, kind: str, key: str, value: Any) -> None:
        pass


class _Access:
    def can_write(self) -> bool:
        return True


class _Socket:
    def __init__(self) -> None:
        self.access = _Access()
        self.client_ids: set[int] = set()
        self.messages = 0

    def send(self, data: bytes, frame: bytes | None = None) -> None:
        self.messages += 1

    def close(self, code: int, reason: str) -> None:
        pass


async def one_run(updates: int, sockets: int) -> float:
    store: Any = _NullStore()  # the part of the Store interface a room uses
    room = Room("bench", store, MemoryBroker())
    await room.load()
    conns: list[Any] = [_Socket() for _ in range(sockets)]
    for conn in conns:
        room.add(conn)
    source: Doc[Any] = Doc()
    ideas = source.get("ideas", type=Map)
    frames = []
    for i in range(updates):
        before = source.get_state()
        ideas[f"i{i}"] = "x" * 100
        frames.append(protocol.create_update_message(source.get_update(before)))
    started = time.process_time()
    for i, frame in enumerate(frames):
        room.handle(conns[i % sockets], frame)
        await room.wait_stored(room._queued)
    spent = time.process_time() - started
    await room.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.room_hot_path",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=20000)
    parser.add_argument("--sockets", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    best = min(asyncio.run(one_run(args.updates, args.sockets)) for _ in range(args.repeat))
    print(f"{1e6 * best / args.updates:.1f} us of CPU per update (best of {args.repeat}, "
          f"{args.updates} updates, {args.sockets} sockets)")


if __name__ == "__main__":
    main()
