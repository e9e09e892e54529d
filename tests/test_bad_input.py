"""Bad input closes the offending connection with a fitting code and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pycrdt import Map
from websockets.asyncio.client import connect

from conftest import ServerFactory
from server_process import ServerProcess
from sprankel import status
from sprankel.sync import protocol
from yclient import YClient

VALID_IDEA_COUNT = 3


async def room_with_content(url: str) -> tuple[YClient, YClient]:
    # The bystander joins first, so it sees the ideas only through fan-out, which
    # happens after the server stored them.
    bystander = await YClient(url).connect()
    writer = await YClient(url).connect()
    for i in range(VALID_IDEA_COUNT):
        await writer.change(lambda d, i=i: d.get("ideas", type=Map).__setitem__(str(i), "ok"))
    await bystander.wait_for(lambda: len(bystander.doc.get("ideas", type=Map)) == 3)
    return writer, bystander


def stored_rows(data_dir: Path, doc: str) -> int:
    db = sqlite3.connect(data_dir / "sprankel.sqlite3")
    try:
        return int(db.execute("SELECT COUNT(*) FROM updates WHERE doc = ?", (doc,)).fetchone()[0])
    finally:
        db.close()


BAD_FRAMES = {
    "truncated_sync": (bytes([0, 2, 10, 1, 2]), status.CLOSE_PROTOCOL_ERROR),
    "truncated_number": (bytes([0, 2, 0x80]), status.CLOSE_PROTOCOL_ERROR),
    "unknown_message_type": (bytes([7, 1, 2, 3]), status.CLOSE_PROTOCOL_ERROR),
    "unknown_sync_step": (bytes([0, 9, 0]), status.CLOSE_PROTOCOL_ERROR),
    "trailing_bytes": (protocol.create_update_message(b"\x00\x00") + b"\x01",
                       status.CLOSE_PROTOCOL_ERROR),
    "empty_frame": (b"", status.CLOSE_PROTOCOL_ERROR),
    "update_pycrdt_cannot_apply": (protocol.create_update_message(b"\xff\xff\xff\x01\x02\x03"),
                                   status.CLOSE_INVALID_PAYLOAD),
    "awareness_not_json": (protocol.encode_awareness(
        [protocol.encode_awareness_entry(5, 1, b"{not json")]), status.CLOSE_INVALID_PAYLOAD),
    "awareness_truncated": (bytes([1, 5, 1, 7, 1]), status.CLOSE_PROTOCOL_ERROR),
}


@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
async def test_bad_frame_is_refused_without_harm(
    case: str, open_server: ServerProcess, tmp_path: Path
) -> None:
    frame, expected_code = BAD_FRAMES[case]
    url = open_server.ws_url + f"/bad/{case}"
    writer, bystander = await room_with_content(url)
    rows_before = stored_rows(tmp_path / "data", f"bad/{case}")
    state_before = bystander.doc.get_state()

    attacker = await YClient(url).connect()
    await attacker.send_raw(frame)
    assert await attacker.wait_closed() == expected_code
    assert attacker.close_reason  # a reason a person can read
    await attacker.close()

    # The others are unaffected and keep collaborating; nothing was stored.
    assert stored_rows(tmp_path / "data", f"bad/{case}") == rows_before
    assert bystander.doc.get_state() == state_before
    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("after", "still works"))
    await bystander.wait_for(lambda: "after" in bystander.doc.get("ideas", type=Map))
    for c in (writer, bystander):
        await c.close()


async def test_text_frame_is_refused(open_server: ServerProcess) -> None:
    client = await YClient(open_server.ws_url + "/bad/text").connect()
    await client.send_raw("hello")
    assert await client.wait_closed() == status.CLOSE_UNSUPPORTED_DATA
    await client.close()


async def test_message_over_the_limit_is_refused(start_server: ServerFactory) -> None:
    server = start_server("--open-documents", "--max-message-size", "65536")
    url = server.ws_url + "/bad/big"
    writer, bystander = await room_with_content(url)
    attacker = await YClient(url).connect()
    big = protocol.create_update_message(b"\x00" * 70_000)
    await attacker.send_raw(big)
    assert await attacker.wait_closed() == status.CLOSE_MESSAGE_TOO_BIG
    await attacker.close()
    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("after", "ok"))
    await bystander.wait_for(lambda: "after" in bystander.doc.get("ideas", type=Map))
    for c in (writer, bystander):
        await c.close()


@pytest.mark.parametrize("name", ["a b", "a//b", "../etc", "x" * 201, "a/b/", "naïve", "a?b"])
async def test_invalid_document_names_are_refused(open_server: ServerProcess, name: str) -> None:
    from urllib.parse import quote

    async with connect(open_server.ws_url + "/" + quote(name, safe="/")) as ws:
        await ws.wait_closed()
        assert ws.close_code == status.CLOSE_BAD_REQUEST


async def test_documents_are_closed_without_open_documents(start_server: ServerFactory) -> None:
    server = start_server()
    client = YClient(server.ws_url + "/scratch")
    await client.connect(wait_synced=False)
    assert await client.wait_closed() == status.CLOSE_NOT_FOUND
    assert client.received == []  # refused before any content was sent
    await client.close()
