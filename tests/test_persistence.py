"""What clients wrote survives a restart of the server and the eviction of idle rooms."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from pycrdt import Doc, Map, Text

from conftest import ServerFactory
from yclient import YClient


async def write_ideas(url: str, n: int) -> bytes:
    client = await YClient(url).connect()
    for i in range(n):
        await client.change(
            lambda d, i=i: d.get("ideas", type=Map).__setitem__(str(i), f"idee {i}")
        )
    await client.change(lambda d: d.get("title", type=Text).insert(0, "Zoë's brainstorm"))
    # Another client seeing everything means the server stored it (store before fan-out).
    witness = await YClient(url).connect()
    await witness.wait_for(lambda: len(witness.doc.get("ideas", type=Map)) == n)
    await witness.wait_for(lambda: str(witness.doc.get("title", type=Text)) != "")
    state = witness.doc.get_update()
    await client.close()
    await witness.close()
    return state


def content(update: bytes) -> tuple[dict[str, object], str]:
    doc: Doc = Doc()
    doc.apply_update(update)
    return doc.get("ideas", type=Map).to_py() or {}, str(doc.get("title", type=Text))


async def test_content_survives_a_restart_byte_for_byte(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server("--open-documents")
    url = server.ws_url + "/sessions/restart/board"
    before = await write_ideas(url, 50)
    port = server.port
    server.stop()

    server = start_server("--open-documents", port=port)
    client = await YClient(url).connect()
    after = client.doc.get_update()
    fresh: Doc = Doc()
    fresh.apply_update(before)
    assert client.doc.get_state() == fresh.get_state()
    assert content(after) == content(before)
    await client.close()


async def test_idle_room_is_compacted_evicted_and_reloaded(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server("--open-documents", "--room-grace-s", "0.2")
    url = server.ws_url + "/sessions/idle/board"
    before = await write_ideas(url, 20)

    async def evicted() -> None:
        while "room evicted doc=sessions/idle/board" not in server.log():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(evicted(), 10)
    db = sqlite3.connect(tmp_path / "data" / "sprankel.sqlite3")
    log_rows = db.execute("SELECT COUNT(*) FROM updates WHERE doc = 'sessions/idle/board'")
    snapshots = db.execute("SELECT COUNT(*) FROM snapshots WHERE doc = 'sessions/idle/board'")
    assert (log_rows.fetchone()[0], snapshots.fetchone()[0]) == (0, 1)
    db.close()

    client = await YClient(url).connect()
    assert content(client.doc.get_update()) == content(before)
    await client.close()


async def test_log_is_compacted_while_a_room_stays_busy(start_server: ServerFactory,
                                                        tmp_path: Path) -> None:
    server = start_server("--open-documents", "--compact-after", "10")
    url = server.ws_url + "/busy"
    before = await write_ideas(url, 40)
    db = sqlite3.connect(tmp_path / "data" / "sprankel.sqlite3")
    rows = db.execute("SELECT COUNT(*) FROM updates WHERE doc = 'busy'").fetchone()[0]
    db.close()
    assert rows < 10
    port = server.port
    server.stop()
    server = start_server("--open-documents", port=port)
    client = await YClient(url).connect()
    assert content(client.doc.get_update()) == content(before)
    await client.close()


async def test_compaction_removes_deleted_text_from_storage(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server("--open-documents", "--room-grace-s", "0.2")
    url = server.ws_url + "/sessions/erase/board"
    witness = await YClient(url).connect()  # sees edits only after they were stored
    client = await YClient(url).connect()
    await client.change(lambda d: d.get("ideas", type=Map).__setitem__("a", "SECRET-IDEA-42"))
    await client.change(lambda d: d.get("ideas", type=Map).__setitem__("b", "kept"))
    await client.change(lambda d: d.get("ideas", type=Map).pop("a"))
    await witness.wait_for(lambda: witness.doc.get("ideas", type=Map).to_py() == {"b": "kept"})
    await client.close()
    await witness.close()

    async def evicted() -> None:
        while "room evicted doc=sessions/erase/board" not in server.log():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(evicted(), 10)
    server.stop()
    raw = b"".join(p.read_bytes() for p in (tmp_path / "data").glob("sprankel.sqlite3*"))
    assert b"kept" in raw
    assert b"SECRET-IDEA-42" not in raw
