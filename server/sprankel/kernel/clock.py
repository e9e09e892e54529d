"""Time for the rules: the real clock, and a manual one that tests move forward by hand.

The engine never sleeps; it asks the clock to call it back at a round's deadline.
Times are milliseconds since the epoch, as the API and the control document carry them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import ClassVar, Protocol

Callback = Callable[[], Awaitable[None]]


class Cancel(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now_ms(self) -> int: ...

    def call_at(self, when_ms: int, callback: Callback) -> Cancel:
        """Run callback() once at (or soon after) when_ms; cancel() stops it."""
        ...


class _TaskTimer:
    # The loop keeps only weak references to tasks: hold them until they are done.
    _running: ClassVar[set[asyncio.Task[None]]] = set()

    def __init__(self, delay_s: float, callback: Callback) -> None:
        self._task = asyncio.create_task(self._run(delay_s, callback), name="round timer")
        self._running.add(self._task)
        self._task.add_done_callback(self._running.discard)

    @staticmethod
    async def _run(delay_s: float, callback: Callback) -> None:
        await asyncio.sleep(delay_s)
        await callback()

    def cancel(self) -> None:
        self._task.cancel()


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def call_at(self, when_ms: int, callback: Callback) -> Cancel:
        return _TaskTimer(max(0.0, (when_ms - self.now_ms()) / 1000), callback)


class _ManualTimer:
    def __init__(self, when_ms: int, callback: Callback) -> None:
        self.when_ms = when_ms
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that stands still until advance() moves it and runs what fell due."""

    def __init__(self, start_ms: int = 1_800_000_000_000) -> None:
        self._now = start_ms
        self._timers: list[_ManualTimer] = []

    def now_ms(self) -> int:
        return self._now

    def call_at(self, when_ms: int, callback: Callback) -> Cancel:
        timer = _ManualTimer(when_ms, callback)
        self._timers.append(timer)
        return timer

    @property
    def pending(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)

    async def advance(self, seconds: float) -> None:
        """Move time forward and run every callback that fell due, earliest first."""
        self._now += int(seconds * 1000)
        for _ in range(10_000):  # callbacks may arm new timers that are due as well
            due = [t for t in self._timers if not t.cancelled and t.when_ms <= self._now]
            if not due:
                return
            timer = min(due, key=lambda t: t.when_ms)
            self._timers.remove(timer)
            await timer.callback()
        raise RuntimeError("timers keep re-arming in the past")
