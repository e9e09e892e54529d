"""The WebSocket protocol's receive queue and writable flag (lean_waits.py) behave as the
asyncio.Queue and asyncio.Event they replace, for the calls uvicorn makes: order,
waking, cancellation (a woken getter that is cancelled passes the item on)."""

from __future__ import annotations

import asyncio

import pytest

from sprankel.lean_waits import Flag, ReceiveQueue


async def test_items_come_out_in_order_and_a_waiting_getter_is_woken() -> None:
    queue: ReceiveQueue[int] = ReceiveQueue()
    assert queue.empty() and queue.qsize() == 0
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait(1)
    queue.put_nowait(2)
    assert await getter == 1
    assert queue.qsize() == 1
    assert await queue.get() == 2
    assert queue.empty()


async def test_a_cancelled_getter_leaves_the_item_for_the_next() -> None:
    queue: ReceiveQueue[str] = ReceiveQueue()
    first = asyncio.ensure_future(queue.get())
    second = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("only")  # wakes the first getter ...
    first.cancel()  # ... which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await asyncio.wait_for(second, 5) == "only"
    assert queue.empty()


async def test_a_getter_cancelled_while_waiting_takes_nothing() -> None:
    queue: ReceiveQueue[str] = ReceiveQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getter
    queue.put_nowait("kept")
    assert await queue.get() == "kept"


async def test_the_flag_wakes_every_waiter_and_clear_makes_them_wait_again() -> None:
    flag = Flag()
    assert not flag.is_set()
    waiters = [asyncio.ensure_future(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    assert await asyncio.gather(*waiters) == [True, True, True]
    assert await flag.wait() is True  # set: no wait
    flag.clear()
    late = asyncio.ensure_future(flag.wait())
    await asyncio.sleep(0)
    assert not late.done()
    late.cancel()
    with pytest.raises(asyncio.CancelledError):
        await late
    flag.set()  # the cancelled waiter is gone; nothing breaks
    assert flag.is_set()
