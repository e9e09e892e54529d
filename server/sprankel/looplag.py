"""How long the event loop keeps a ready callback waiting: its scheduling delay.

A stall (a long computation on the loop, a call that holds the GIL in a thread)
delays every socket of the process at once. With ``--metrics`` a small task
sleeps ``INTERVAL_S`` again and again and records by how much each wake-up came
late; /metrics shows the histogram and the largest delay since the previous
scrape (a stall between two scrapes is never averaged away). A stall of D
seconds shows as a delay between D - INTERVAL_S and D.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from .sync.stats import Latency

INTERVAL_S = 0.005  # 200 wake-ups a second: about 0.009 cores (measured idle, 2 December)
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class LoopLag:
    def __init__(self) -> None:
        self.delays = Latency(BUCKETS)
        self._max = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._measure(), name="event loop lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def take_max(self) -> float:
        """The largest delay since the previous call (seconds), and start afresh."""
        largest, self._max = self._max, 0.0
        return largest

    async def _measure(self) -> None:
        clock = time.perf_counter
        while True:
            due = clock() + INTERVAL_S
            await asyncio.sleep(INTERVAL_S)
            delay = max(0.0, clock() - due)
            self.delays.observe(delay)
            if delay > self._max:
                self._max = delay
