"""Updates that once crashed the server are refused; poison an older version stored is repaired.

Against a real server: the attacker speaks raw WebSocket bytes, the bystander is a YClient.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Map
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from api_harness import Api, Member
from conftest import ServerFactory
from server_process import ServerProcess
from sprankel import status
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync import protocol
from sprankel.sync.guard import UpdateLimits, parse_update
from update_bytes import (
    ATTACKER,
    idea_with_deep_value,
    map_chain_update,
    nested_any_array,
)
from yclient import YClient

ATTACKS = {
    "any_array_40000_deep": nested_any_array(40_000),
    "any_array_15000_deep": nested_any_array(15_000),
    "maps_2000_deep": map_chain_update(2_000),
}


async def attack(url: str, update: bytes) -> tuple[int | None, str]:
    """Send one update as a raw frame; the close code and reason the server answered with."""
    async with connect(url, max_size=None) as ws:
        await ws.send(protocol.create_update_message(update))
        try:
            async with asyncio.timeout(20):
                async for _ in ws:
                    pass
        except ConnectionClosed:
            pass
        return ws.close_code, ws.close_reason or ""


@asynccontextmanager
async def session(server: ServerProcess, hidden: bool = False) -> AsyncIterator[Any]:
    api = Api(server)
    try:
        sid, facilitator, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        bob = await api.join(sid, code, "Bob")
        rid = await api.round(sid, facilitator, hidden=hidden, auto_reveal=False)
        await api.act(sid, facilitator, rid, "start")
        yield api, sid, facilitator, ann, bob, rid
    finally:
        await api.aclose()


async def idea_texts(api: Api, sid: str, who: Member) -> list[str]:
    ideas = (await api.call("GET", f"/sessions/{sid}/ideas", who.token, expect=200))["ideas"]
    return sorted(i["text"] for i in ideas)


async def export_status(api: Api, sid: str, who: Member) -> int:
    response = await api.http.get(f"/api/sessions/{sid}/export.md",
                                  headers={"Authorization": f"Bearer {who.token}"})
    return response.status_code


async def healthy(server: ServerProcess) -> bool:
    async with httpx.AsyncClient() as http:
        return (await http.get(server.http_url + "/healthz")).status_code == 200


@pytest.mark.parametrize("case", sorted(ATTACKS))
async def test_deep_update_is_refused_and_the_server_stays_up(
    case: str, start_server: ServerFactory
) -> None:
    server = start_server()
    async with session(server) as (api, sid, f, ann, bob, _):
        await api.call("POST", f"/sessions/{sid}/ideas", bob.token, {"text": "Walking calls"},
                       expect=201)
        board = f"sessions/{sid}/board"
        bystander = await api.ws(board, bob.token).connect()
        await bystander.wait_for(lambda: len(bystander.doc.get("ideas", type=Map)) == 1)
        state = bystander.doc.get_state()

        code, reason = await attack(f"{server.ws_url}/{board}?token={ann.token}", ATTACKS[case])
        assert code == status.CLOSE_INVALID_PAYLOAD
        assert "refused" in reason and "deep" in reason

        assert await healthy(server)
        assert not bystander.closed.is_set()
        assert bystander.doc.get_state() == state
        assert await idea_texts(api, sid, f) == ["Walking calls"]
        assert await export_status(api, sid, f) == 200
        await bystander.close()

        # Nothing was stored: after a restart the board is as it was.
        server.stop()
        server.start()
        assert await idea_texts(api, sid, f) == ["Walking calls"]
        async with api.ws(board, bob.token) as fresh:
            assert set(fresh.doc.get("ideas", type=Map).keys()) == set(bystander.doc.get(
                "ideas", type=Map).keys())
            assert "x" not in fresh.doc.get("ideas", type=Map)


@pytest.mark.parametrize("case", sorted(ATTACKS))
async def test_deep_update_in_the_attackers_drafts_leaves_the_console_working(
    case: str, start_server: ServerFactory
) -> None:
    server = start_server()
    async with session(server, hidden=True) as (api, sid, f, ann, _bob, rid):
        await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Team radio"},
                       expect=201)
        drafts = f"sessions/{sid}/drafts/{ann.id}"
        code, reason = await attack(f"{server.ws_url}/{drafts}?token={ann.token}",
                                    ATTACKS[case])
        assert code == status.CLOSE_INVALID_PAYLOAD, reason
        assert await healthy(server)

        hidden = await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token, expect=200)
        assert [i["text"] for i in hidden["ideas"]] == ["Team radio"]
        await api.act(sid, f, rid, "end")
        await api.act(sid, f, rid, "reveal")
        assert await idea_texts(api, sid, f) == ["Team radio"]


async def test_poison_stored_by_an_older_version_is_repaired_at_load(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    server = start_server()
    async with session(server, hidden=True) as (api, sid, f, ann, _bob, rid):
        await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Team radio"},
                       expect=201)
        board, drafts = f"sessions/{sid}/board", f"sessions/{sid}/drafts/{ann.id}"
        server.stop()

        # What an older version accepted and stored: deep values, a deep chain of maps.
        store = SQLiteStore(server.data_dir / "sprankel.sqlite3")
        await store.start()
        await store.append(board, idea_with_deep_value(15_000))
        await store.append(board, map_chain_update(2_000, client=ATTACKER + 1))
        await store.append(drafts, idea_with_deep_value(15_000, "poison2", ATTACKER + 2))
        await store.close()

        server.start()
        assert await idea_texts(api, sid, f) == ["poison"]  # the deep value is null now
        assert await export_status(api, sid, f) == 200
        hidden = await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token, expect=200)
        # The drafts were read (and repaired); the poison idea belongs to no round.
        assert [i["text"] for i in hidden["ideas"]] == ["Team radio"]
        await api.act(sid, f, rid, "end")
        await api.act(sid, f, rid, "reveal")
        assert await idea_texts(api, sid, f) == ["Team radio", "poison"]
        assert f"repaired doc={board} values=1" in server.log()
        assert f"repaired doc={drafts} values=1" in server.log()
        server.stop()

    # The repaired state was written back: nothing over-deep is left in the store.
    store = SQLiteStore(server.data_dir / "sprankel.sqlite3")
    await store.start()
    try:
        for name in (board, drafts):
            for part in await store.load(name):
                parse_update(part, UpdateLimits(max_update_structs=len(part)))
    finally:
        await store.close()


async def test_a_full_document_refuses_growth_but_accepts_deletes(
    start_server: ServerFactory,
) -> None:
    server = start_server("--open-documents", "--max-document-size", "20000")
    url = server.ws_url + "/full/board"
    bystander = await YClient(url).connect()
    writer = await YClient(url).connect()
    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("big", "a" * 12_000))
    await bystander.wait_for(lambda: "big" in bystander.doc.get("ideas", type=Map))

    await writer.change(lambda d: d.get("ideas", type=Map).__setitem__("more", "b" * 10_000))
    assert await writer.wait_closed() == status.CLOSE_DOCUMENT_FULL
    assert "full" in writer.close_reason
    assert "more" not in bystander.doc.get("ideas", type=Map)

    # Deleting frees space and is accepted even now.
    async with YClient(url) as cleaner:
        await cleaner.change(lambda d: d.get("ideas", type=Map).pop("big"))
        await bystander.wait_for(lambda: "big" not in bystander.doc.get("ideas", type=Map))
        assert not cleaner.closed.is_set()
    assert not bystander.closed.is_set()
    await writer.close()
    await bystander.close()
