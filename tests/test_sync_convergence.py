"""Clients editing one document concurrently converge; a late joiner receives everything."""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Array, Doc, Map, Text

from server_process import ServerProcess
from yclient import YClient


def ideas(doc: Doc[Any]) -> Map[Any]:
    return doc.get("ideas", type=Map)


async def connect_many(url: str, n: int) -> list[YClient]:
    return list(await asyncio.gather(*(YClient(url).connect() for _ in range(n))))


async def edit_concurrently(clients: list[YClient], edits_each: int) -> None:
    async def edit(i: int, client: YClient) -> None:
        for j in range(edits_each):
            await client.change(lambda d, i=i, j=j: ideas(d).__setitem__(f"c{i}-{j}", f"idea {j}"))
            await client.change(
                lambda d, i=i, j=j: d.get("log", type=Array).append(f"{i}:{j}")
            )

    await asyncio.gather(*(edit(i, c) for i, c in enumerate(clients)))


async def assert_converged(clients: list[YClient], expected_keys: int) -> None:
    for c in clients:
        await c.wait_for(lambda c=c: len(ideas(c.doc)) == expected_keys, timeout=20)
    states = [c.doc.get("log", type=Array).to_py() for c in clients]
    assert all(s == states[0] for s in states)
    assert all(ideas(c.doc).to_py() == ideas(clients[0].doc).to_py() for c in clients)


async def test_two_clients_converge(open_server: ServerProcess) -> None:
    clients = await connect_many(open_server.ws_url + "/sessions/two/board", 2)
    await edit_concurrently(clients, 10)
    await assert_converged(clients, 20)
    for c in clients:
        await c.close()


async def test_twenty_clients_converge_and_late_joiner_gets_everything(
    open_server: ServerProcess,
) -> None:
    url = open_server.ws_url + "/sessions/twenty/board"
    clients = await connect_many(url, 20)
    await edit_concurrently(clients, 5)
    await assert_converged(clients, 100)

    late = await YClient(url).connect()
    await late.wait_for(lambda: len(ideas(late.doc)) == 100)
    assert late.doc.get("log", type=Array).to_py() == clients[0].doc.get("log", type=Array).to_py()
    for c in [*clients, late]:
        await c.close()


async def test_concurrent_text_edits_merge(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/notes"
    a, b = await connect_many(url, 2)
    await asyncio.gather(
        a.change(lambda d: d.get("t", type=Text).insert(0, "koffie ")),
        b.change(lambda d: d.get("t", type=Text).insert(0, "thee ")),
    )
    for c in (a, b):
        await c.wait_for(lambda c=c: len(str(c.doc.get("t", type=Text))) == 12)
    assert str(a.doc.get("t", type=Text)) == str(b.doc.get("t", type=Text))
    await a.close()
    await b.close()


async def test_every_frame_holds_exactly_one_message(open_server: ServerProcess) -> None:
    # The y-websocket 3 client decodes only the first message of a frame.
    from sprankel.sync.protocol import decode_message

    url = open_server.ws_url + "/frames"
    a, b = await connect_many(url, 2)
    await a.set_awareness({"name": "a"})
    for i in range(30):
        await a.change(lambda d, i=i: ideas(d).__setitem__(str(i), i))
    await b.wait_for(lambda: len(ideas(b.doc)) == 30 and a.client_id in b.awareness)
    for frame in b.received:
        decode_message(frame)  # strict: raises on trailing bytes
    await a.close()
    await b.close()
