"""One process killed with SIGKILL mid-editing: its clients move to another and converge.

Nothing the dead process stored is lost, the client's edits made while it was cut
off reach everyone once it reconnects, and the dead process's connections leave the
presence list within the presence expiry (10 s) without anybody saying goodbye.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map
from websockets.exceptions import ConnectionClosed

from api_harness import Api
from conftest import ServerFactory
from redis_server import RedisServer, presence, start_processes
from yclient import YClient

pytestmark = pytest.mark.redis

EDITS = 40


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    # Tests take it before start_server, so servers stop before Redis does.
    with RedisServer(tmp_path / "redis") as server:
        yield server


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def test_clients_of_a_killed_process_reconnect_elsewhere_and_converge(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    survivor, victim = start_processes(start_server, redis, 2)
    doc = "sessions/crash/board"
    a = await YClient(f"{survivor.ws_url}/{doc}").connect()
    b = await YClient(f"{victim.ws_url}/{doc}").connect()
    seen = {e["process"] for e in await asyncio.to_thread(presence, survivor, doc)}
    assert victim.process is not None
    # Process ids read "host-pid-random".
    victim_id = f"-{victim.process.pid}-"
    assert any(victim_id in p for p in seen), seen  # b is listed before the crash

    async def edit_a() -> None:
        for n in range(EDITS):
            await a.change(lambda d, n=n: ideas(d).__setitem__(f"a{n}", n))
            await asyncio.sleep(0.01)

    async def edit_b() -> None:
        for n in range(EDITS):
            if n == EDITS // 2:
                assert victim.process is not None
                victim.process.send_signal(signal.SIGKILL)  # mid-editing
            # Cut off, the edit stays in b's document, as it would in a browser.
            with contextlib.suppress(ConnectionClosed):
                await b.change(lambda d, n=n: ideas(d).__setitem__(f"b{n}", n))
            await asyncio.sleep(0.01)

    await asyncio.gather(edit_a(), edit_b())
    assert victim.process is not None and victim.process.wait(10) == -signal.SIGKILL

    # b reconnects (to the other process, as a load balancer would send it) with its doc.
    await b.wait_closed()
    b_again = await YClient(f"{survivor.ws_url}/{doc}", doc=b.doc).connect()
    for client in (a, b_again):
        await client.wait_for(lambda c=client: len(ideas(c.doc)) == 2 * EDITS, timeout=20)
    assert ideas(a.doc).to_py() == ideas(b_again.doc).to_py()

    # The dead process never said goodbye; its heartbeat expiry removes its connection.
    deadline = time.monotonic() + 20
    while True:
        processes = {e["process"] for e in await asyncio.to_thread(presence, survivor, doc)}
        if not any(victim_id in p for p in processes):
            break
        assert time.monotonic() < deadline, processes
        await asyncio.sleep(0.25)
    assert len(processes) == 1
    await a.close()
    await b_again.close()


async def test_a_process_killed_in_the_middle_of_a_round_loses_nothing_acknowledged(
    redis: RedisServer, start_server: ServerFactory
) -> None:
    """A real session, a running round, participants editing on both processes; one process
    is SIGKILLed in the middle of the round.

    "Acknowledged": a room stores an update before it sends it to anyone (sync/room.py,
    `_run_pump`: `store.append`, then `_broadcast` and the broker), so an update that
    another client received is stored. Every such update is still there afterwards, on
    the survivor and after a restart of the whole server; every client converges; and the
    round still ends at its deadline, on the survivor (its timer, once across processes).
    """
    survivor, victim = start_processes(start_server, redis, 2)
    api = Api(survivor)
    try:
        sid, f, code = await api.create()
        people = [await api.join(sid, code, name) for name in ("Ann", "Bob", "Cem", "Dua")]
        rid = await api.round(sid, f, duration_s=6)
        started = await api.act(sid, f, rid, "start")
        board = f"sessions/{sid}/board"
        # Ann and Bob on the survivor, Cem and Dua on the process that will die.
        hosts = [survivor, survivor, victim, victim]
        clients = [await YClient(f"{host.ws_url}/{board}?token={p.token}").connect()
                   for host, p in zip(hosts, people, strict=True)]

        async def edit(index: int, client: YClient) -> None:
            for n in range(EDITS):
                if index == 2 and n == EDITS // 2:
                    assert victim.process is not None
                    victim.process.send_signal(signal.SIGKILL)  # mid-round, mid-editing
                with contextlib.suppress(ConnectionClosed):
                    await client.change(
                        lambda d, n=n: ideas(d).__setitem__(f"c{index}-{n}", n))
                await asyncio.sleep(0.01)

        await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))
        assert victim.process is not None and victim.process.wait(10) == -signal.SIGKILL

        # What each client received from the others was stored first: acknowledged.
        acknowledged = set()
        for index, client in enumerate(clients):
            acknowledged |= {k for k in ideas(client.doc) if not k.startswith(f"c{index}-")}
        assert any(k.startswith(("c2-", "c3-")) for k in acknowledged)

        # The victim's clients reconnect to the survivor with what they hold.
        for index in (2, 3):
            await clients[index].wait_closed()
            clients[index] = await YClient(f"{survivor.ws_url}/{board}?token="
                                           f"{people[index].token}",
                                           doc=clients[index].doc).connect()
        everything = 4 * EDITS
        for client in clients:
            await client.wait_for(lambda c=client: len(ideas(c.doc)) == everything,
                                  timeout=30)
        assert all(ideas(c.doc).to_py() == ideas(clients[0].doc).to_py() for c in clients)

        # The round ends at its deadline although the process that may have held its
        # timer lease is gone.
        async with api.ws(f"sessions/{sid}/control", f.token) as control:
            def ended() -> bool:
                current = control.doc.get("control", type=Map).get("round") or {}
                return current.get("state") == "ended"

            await control.wait_for(ended, timeout=60)
            ended_at = control.doc.get("control", type=Map)["round"]["ended_at"]
            assert ended_at == started["deadline"]
        for client in clients:
            await client.close()

        # The whole server restarts: everything acknowledged (and more) is stored.
        survivor.stop()
        survivor.start()
        async with api.ws(board, f.token) as fresh:
            stored = set(ideas(fresh.doc).keys())
        assert acknowledged <= stored
        assert len(stored) == everything
    finally:
        await api.aclose()
