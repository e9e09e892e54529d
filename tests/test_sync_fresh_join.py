"""A fresh join is answered from the room's kept encoding of the whole document; every
change (an addition, a deletion) makes the next fresh join see it."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from server_process import ServerProcess
from sprankel.sync import protocol
from yclient import YClient


def ideas(doc: Doc[Any]) -> dict[str, Any]:
    return dict(doc.get("ideas", type=Map).to_py() or {})


async def joined(url: str) -> dict[str, Any]:
    """What a fresh client holds once synced: the answer to its empty step 1 alone."""
    async with YClient(url) as client:
        return ideas(client.doc)


async def edit_and_wait(writer: YClient, observer: YClient, edit: Callable[[Map[Any]], Any],
                        expected: dict[str, Any]) -> None:
    """Once the observer has the change, the server has applied, stored and sent it."""
    await writer.change(lambda d: edit(d.get("ideas", type=Map)))
    await observer.wait_for(lambda: ideas(observer.doc) == expected, timeout=30)


async def test_a_fresh_join_after_an_update_sees_it(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/fresh/board"
    async with YClient(url) as writer, YClient(url) as observer:
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("a", "first"),
                            {"a": "first"})
        assert await joined(url) == {"a": "first"}
        assert await joined(url) == {"a": "first"}  # the kept answer, twice

        await edit_and_wait(writer, observer, lambda m: m.__setitem__("b", "second"),
                            {"a": "first", "b": "second"})
        assert await joined(url) == {"a": "first", "b": "second"}

        # A deletion leaves the state vector as it was; a fresh join must still see it.
        await edit_and_wait(writer, observer, lambda m: m.pop("a"), {"b": "second"})
        assert await joined(url) == {"b": "second"}


async def test_a_join_with_a_state_gets_what_it_lacks(open_server: ServerProcess) -> None:
    url = open_server.ws_url + "/sessions/partial/board"
    async with YClient(url) as writer, YClient(url) as observer:
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("a", "first"),
                            {"a": "first"})
        assert await joined(url) == {"a": "first"}  # fills the kept answer
        known: Doc[Any] = Doc()
        known.apply_update(writer.doc.get_update())
        await edit_and_wait(writer, observer, lambda m: m.__setitem__("b", "second"),
                            {"a": "first", "b": "second"})
        async with YClient(url, doc=known) as late:
            await late.wait_for(lambda: ideas(late.doc) == {"a": "first", "b": "second"})


def _frame(payload: bytes) -> bytes:
    """One masked binary frame, as a client sends it (RFC 6455, 5.2); payload < 126 bytes."""
    mask = os.urandom(4)
    return bytes((0x82, 0x80 | len(payload))) + mask + bytes(
        b ^ mask[k % 4] for k, b in enumerate(payload))


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readexactly(2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return await reader.readexactly(length)


async def test_a_socket_that_is_behind_gets_the_kept_answer_whole(
        open_server: ServerProcess) -> None:
    """Two fresh joins on one socket that does not read: the first answer fills the
    transport, so the second waits in the connection's outbox, copied out of the kept
    frame. Both must arrive whole and alike."""
    url = open_server.ws_url + "/sessions/behind/board"
    text = "x" * 100_000
    async with YClient(url) as writer:
        for k in range(60):  # about 6 MB: more than the loopback buffers take at once
            await writer.change(lambda d, k=k: d.get("ideas", type=Map).__setitem__(
                f"idea-{k}", f"{k} {text}"))
        await writer.wait_for(lambda: len(ideas(writer.doc)) == 60, timeout=30)
        async with YClient(url) as observer:  # the server holds all of it
            assert len(ideas(observer.doc)) == 60

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", open_server.port))
    reader, stream = await asyncio.open_connection(sock=sock, limit=2**24)
    key = base64.b64encode(os.urandom(16)).decode()
    stream.write(f"GET /ws/sessions/behind/board HTTP/1.1\r\nHost: 127.0.0.1:{open_server.port}"
                 f"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}"
                 "\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    fresh_join = b"\x00\x00\x01\x00"  # sync step 1 with an empty state vector
    stream.write(_frame(fresh_join) + _frame(fresh_join))  # both before reading anything
    answers: list[bytes] = []
    for _ in range(10):  # the server's step 1, maybe awareness, then the two answers
        message = await asyncio.wait_for(_read_message(reader), timeout=30)
        if message[:2] == b"\x00\x01":
            answers.append(message)
            if len(answers) == 2:
                break
    stream.close()
    await stream.wait_closed()
    assert len(answers) == 2 and answers[0] == answers[1]
    doc: Doc[Any] = Doc()
    doc.apply_update(protocol.read_var_bytes(answers[0], 2)[0])
    assert len(ideas(doc)) == 60 and ideas(doc)["idea-59"] == f"59 {text}"
