"""Merging a document's log off the event loop, in a child process when it is big.

pycrdt holds the GIL while it applies and encodes updates, so a merge in a thread
still stops the event loop: a 5,000-idea board held it for 14 to 140 ms on a
shared machine (benchmarks/growth_store.py). A child process has an interpreter
of its own; the loop's process only pickles the bytes there and back. Logs below
``CHILD_ABOVE`` bytes merge in a thread (a few milliseconds at most), so small
documents never start the child. A native crash while merging (a malformed update
that slipped through) ends the child, not the server: the compaction fails, the
log stays as it was, and the next big merge starts a fresh child.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .base import compact_updates

CHILD_ABOVE = 64 * 1024  # bytes of snapshot and log together


class Merger:
    """One per store: ``merge`` returns what ``compact_updates`` would, off the loop."""

    def __init__(self, child_above: int = CHILD_ABOVE) -> None:
        self._child_above = child_above
        self._pool: ProcessPoolExecutor | None = None
        self.child_merges = 0  # for tests and benchmarks

    async def merge(self, parts: list[bytes]) -> bytes:
        if sum(len(part) for part in parts) < self._child_above:
            return await asyncio.to_thread(compact_updates, parts)
        if self._pool is None:
            self._pool = await asyncio.to_thread(_start_child)
        loop = asyncio.get_running_loop()
        try:
            merged = await loop.run_in_executor(self._pool, compact_updates, parts)
        except BrokenProcessPool:
            self._pool = None  # the child died: the next merge starts a fresh one
            raise
        self.child_merges += 1
        return merged

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _start_child() -> ProcessPoolExecutor:
    """Start the child and wait until it runs, in a thread: starting a process (and its
    imports) takes a moment that the event loop should not wait for."""
    # spawn, not fork: the server has threads (the store's, uvicorn's), and a forked
    # child would inherit their locks in whatever state they were.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    pool.submit(compact_updates, []).result()
    return pool
