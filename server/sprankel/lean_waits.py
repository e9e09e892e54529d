"""The two waits of uvicorn's WebSocket protocol, without a deque each while idle.

uvicorn gives every WebSocket an ``asyncio.Queue`` (for the app's receive) and an
``asyncio.Event`` (writable); together they make five deques of about 0.74 KiB,
3.7 KiB per connection, that an idle socket never fills: tracemalloc of 500 idle
/ws/ sockets (benchmarks/idle_trace.py). These do the same for the calls uvicorn
makes (``put_nowait``, ``get``, ``empty``; ``set``, ``clear``, ``is_set``,
``wait``), and hold a list only while something waits or is queued.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

Item = TypeVar("Item")


Waiters = list[asyncio.Future[None]]


def _enlist(waiters: Waiters | None) -> tuple[Waiters, asyncio.Future[None]]:
    """A new waiter, on the list (made when there was none)."""
    waiter = asyncio.get_running_loop().create_future()
    waiters = [] if waiters is None else waiters
    waiters.append(waiter)
    return waiters, waiter


def _delist(waiters: Waiters | None, waiter: asyncio.Future[None]) -> Waiters | None:
    """The list without this waiter; None once it is empty (nothing held while idle)."""
    if waiters is not None and waiter in waiters:
        waiters.remove(waiter)
    return waiters or None


def _wake_first(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
            return


class ReceiveQueue(Generic[Item]):
    """First in, first out, unbounded, like ``asyncio.Queue()``."""

    __slots__ = ("_getters", "_items")

    def __init__(self) -> None:
        self._items: deque[Item] | None = None
        self._getters: list[asyncio.Future[None]] | None = None

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def put_nowait(self, item: Item) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        if self._getters:
            _wake_first(self._getters)

    async def get(self) -> Item:
        while not self._items:
            self._getters, waiter = _enlist(self._getters)
            try:
                await waiter
            except BaseException:
                self._getters = _delist(self._getters, waiter)
                # Woken and then cancelled: the item goes to the next getter, as in asyncio.
                if self._items and self._getters and waiter.done() and not waiter.cancelled():
                    _wake_first(self._getters)
                raise
            self._getters = _delist(self._getters, waiter)
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item


class Flag:
    """A set or cleared flag that can be waited for, like ``asyncio.Event``."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        self._waiters, waiter = _enlist(self._waiters)
        try:
            await waiter
        finally:
            self._waiters = _delist(self._waiters, waiter)
        return True
