"""Read-only connections: the control document for everyone, the board for observers and
while locked, everything once the session ended. Their updates (also the sync step 2
the stock provider sends on connect) are never applied, stored or forwarded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pycrdt import Doc, Map

from api_harness import Api, Member
from conftest import ServerFactory
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.2"))
    yield client
    await client.aclose()


def _put(key: str) -> Any:
    return lambda doc: doc.get("notes", type=Map).__setitem__(key, key)


def _notes(client: YClient) -> set[str]:
    return set(client.doc.get("notes", type=Map).keys())


async def _write_then_marker(api: Api, sid: str, writer: Member, f: Member, key: str
                             ) -> set[str]:
    """writer tries to write `key`; the facilitator then writes a marker. Once a third
    connection has the marker, it shows whether `key` got through."""
    name = f"sessions/{sid}/board"
    async with api.ws(name, f.token) as reader, api.ws(name, writer.token) as w:
        await w.change(_put(key))
        async with api.ws(name, f.token) as fac:
            await fac.change(_put(f"marker-{key}"))
        await reader.wait_for(lambda: f"marker-{key}" in _notes(reader))
        return _notes(reader)


async def test_observers_cannot_write_the_board(api: Api) -> None:
    sid, f, code = await api.create()
    obs = await api.join(sid, code, "Olga", role="observer")
    assert "from-observer" not in await _write_then_marker(api, sid, obs, f, "from-observer")


async def test_a_lock_stops_participants_at_once_and_unlock_lets_them_write(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    name = f"sessions/{sid}/board"
    async with api.ws(name, ann.token) as writer, api.ws(name, f.token) as reader:
        await writer.change(_put("before-lock"))
        await reader.wait_for(lambda: "before-lock" in _notes(reader))
        await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
        # The connection opened before the lock: its next update is dropped.
        await writer.change(_put("while-locked"))
        async with api.ws(name, f.token) as fac:
            await fac.change(_put("facilitator-while-locked"))
        await reader.wait_for(lambda: "facilitator-while-locked" in _notes(reader))
        assert "while-locked" not in _notes(reader)
        await api.call("POST", f"/sessions/{sid}/unlock", f.token, expect=200)
        await writer.change(_put("after-unlock"))
        await reader.wait_for(lambda: "after-unlock" in _notes(reader))


async def test_nobody_writes_the_control_document(api: Api) -> None:
    sid, f, _code = await api.create()
    name = f"sessions/{sid}/control"
    async with api.ws(name, f.token) as writer, api.ws(name, f.token) as reader:
        await writer.change(lambda doc: doc.get("control", type=Map).__setitem__(
            "locked", "forged"))
        await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
        await reader.wait_for(
            lambda: (reader.doc.get("control", type=Map).get("session") or {}).get("locked")
            is True)
        assert "locked" not in reader.doc.get("control", type=Map)


async def test_offline_edits_of_a_read_only_client_are_dropped_on_connect(
        api: Api, start_server: ServerFactory) -> None:
    sid, f, code = await api.create()
    obs = await api.join(sid, code, "Olga", role="observer")
    offline = Doc()
    offline.get("notes", type=Map)["offline-edit"] = "x"
    # The observer's sync step 2 (its answer to the server's step 1) carries the edit.
    async with YClient(f"{api.server.ws_url}/sessions/{sid}/board?token={obs.token}",
                       doc=offline):
        pass
    name = f"sessions/{sid}/board"
    async with api.ws(name, f.token) as fac:
        await fac.change(_put("marker"))
    # Not stored either: a restarted server still has no trace of it.
    api.server.stop()
    api.server.start()
    async with api.ws(name, f.token) as reader:
        assert _notes(reader) == {"marker"}


async def test_an_ended_session_is_read_only_even_for_the_facilitator(api: Api) -> None:
    sid, f, _code = await api.create()
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    name = f"sessions/{sid}/board"
    async with api.ws(name, f.token) as writer:
        await writer.change(_put("after-end"))
    async with api.ws(name, f.token) as reader:
        assert "after-end" not in _notes(reader)


async def test_facilitators_only_read_drafts_and_a_lock_stops_their_owner(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    # Drafts are writable only while a hidden round runs (tests/test_ws_access_frozen_drafts.py).
    await api.act(sid, f, await api.round(sid, f, hidden=True), "start")
    name = f"sessions/{sid}/drafts/{ann.id}"
    async with api.ws(name, ann.token) as owner, api.ws(name, f.token) as facilitator:
        await facilitator.change(_put("from-facilitator"))
        await owner.change(_put("from-owner"))
        await facilitator.wait_for(lambda: "from-owner" in _notes(facilitator))
        await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
        await owner.change(_put("while-locked"))
    async with api.ws(name, ann.token) as reader:
        assert _notes(reader) == {"from-owner"}
