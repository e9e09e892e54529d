"""The tables' rules on two in-process brokers sharing one hub (two "processes"): a removed
member is dropped at once everywhere, and a process that goes away takes its seats along."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from koffiehoek_harness import Seen
from sprankel.broker.memory import MemoryBroker, MemoryHub
from sprankel.voice.ice import IceServers
from sprankel.voice.tables import TableSpec, Voice

TABLE = TableSpec("koffietafel", "Koffietafel", 6)


async def load() -> list[TableSpec]:
    return [TABLE]


async def until(check: Callable[[], bool], timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def test_a_removed_member_is_dropped_on_every_process() -> None:
    hub = MemoryHub()
    a, b = Voice(MemoryBroker(hub), IceServers()), Voice(MemoryBroker(hub), IceServers())
    await a.start()
    await b.start()
    ada, zoe = Seen("m-ada", "Ada"), Seen("m-zoe", "Zoë")
    await a.watch("spaces/s1", ada, load)
    await b.watch("spaces/s1", zoe, load)
    await a.sit("spaces/s1", ada, TABLE)
    await b.sit("spaces/s1", zoe, TABLE)
    await until(lambda: ada.sitting() == ["Ada", "Zoë"])

    await a.drop_member("spaces/s1", "m-zoe", "you were removed from this space", 4403)
    await until(lambda: zoe.closed is not None)
    assert zoe.closed == (4403, "you were removed from this space")
    assert ada.closed is None
    await b.unwatch("spaces/s1", zoe)  # what the socket's end does
    await until(lambda: ada.sitting() == ["Ada"])
    await a.stop()
    await b.stop()


async def test_a_process_that_goes_away_takes_its_seats() -> None:
    hub = MemoryHub()
    broker_b = MemoryBroker(hub)
    a, b = Voice(MemoryBroker(hub), IceServers()), Voice(broker_b, IceServers())
    await a.start()
    await b.start()
    ada, zoe = Seen("m-ada", "Ada"), Seen("m-zoe", "Zoë")
    await a.watch("spaces/s1", ada, load)
    await b.watch("spaces/s1", zoe, load)
    await b.sit("spaces/s1", zoe, TABLE)
    await until(lambda: ada.sitting() == ["Zoë"])
    await broker_b.close()  # as a crash: its presence vanishes
    await a.tables_changed("spaces/s1")
    await until(lambda: ada.sitting() == [])
    await a.stop()
    await b.stop()
