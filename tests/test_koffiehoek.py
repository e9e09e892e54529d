"""The Koffiehoek: a team's drop-in space with chat, presence, nudges and brainstorms."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Array, Doc

from conftest import ServerFactory
from server_process import ServerProcess
from sprankel import status
from sprankel.broker.memory import MemoryBroker
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.tokens import TokenSigner
from sprankel.koffiehoek import chat
from sprankel.koffiehoek.chat import chat_name
from sprankel.koffiehoek.spaces import RATE_MAX_POSTS, Koffiehoek
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager
from yclient import YClient


@pytest.fixture
def server(start_server: ServerFactory) -> ServerProcess:
    return start_server()


def api(server: ServerProcess, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=server.http_url, headers=headers, timeout=10)


async def new_space(server: ServerProcess) -> tuple[str, str, str]:
    async with api(server) as http:
        created = await http.post("/api/spaces", json={"name": "Team ICT", "your_name": "Ada",
                                                        "language": "nl"})
        assert created.status_code == 201, created.text
        space = created.json()
        joined = await http.post(f"/api/spaces/{space['id']}/members", json={"name": "Zoë"})
        assert joined.status_code == 201, joined.text
        return space["id"], space["token"], joined.json()["token"]


def chat_url(server: ServerProcess, space_id: str, token: str) -> str:
    return f"{server.ws_url}/{chat_name(space_id)}?token={token}"


def messages(client: YClient) -> list[dict[str, Any]]:
    return client.doc.get("messages", type=Array).to_py() or []


async def test_two_members_chat_and_see_who_is_around(server: ServerProcess) -> None:
    space_id, ada_token, zoe_token = await new_space(server)
    ada = await YClient(chat_url(server, space_id, ada_token)).connect()
    zoe = await YClient(chat_url(server, space_id, zoe_token)).connect()

    async with api(server, ada_token) as http:
        posted = await http.post(f"/api/spaces/{space_id}/messages",
                                 json={"text": "Iemand een idee voor de heidag?"})
        assert posted.status_code == 201, posted.text
        await zoe.wait_for(lambda: len(messages(zoe)) == 1)
        message = messages(zoe)[0]
        assert message["author_name"] == "Ada"
        assert message["text"] == "Iemand een idee voor de heidag?"

        overview = (await http.get(f"/api/spaces/{space_id}")).json()
        assert [p["name"] for p in overview["present"]] == ["Ada", "Zoë"]
        assert {m["name"] for m in overview["today"]} == {"Ada", "Zoë"}
        assert overview["icebreaker"]
        assert overview["retention_days"] == 7

        await zoe.close()
        for _ in range(50):
            overview = (await http.get(f"/api/spaces/{space_id}")).json()
            if [p["name"] for p in overview["present"]] == ["Ada"]:
                break
            await asyncio.sleep(0.1)
        assert [p["name"] for p in overview["present"]] == ["Ada"]
        assert {m["name"] for m in overview["today"]} == {"Ada", "Zoë"}  # was around today
    await ada.close()


async def test_coffee_nudge_reaches_everyone(server: ServerProcess) -> None:
    space_id, ada_token, zoe_token = await new_space(server)
    zoe = await YClient(chat_url(server, space_id, zoe_token)).connect()
    async with api(server, ada_token) as http:
        assert (await http.post(f"/api/spaces/{space_id}/coffee")).status_code == 201
    await zoe.wait_for(lambda: [m["kind"] for m in messages(zoe)] == ["coffee"])
    assert messages(zoe)[0]["author_name"] == "Ada"
    await zoe.close()


async def test_chat_is_read_only_for_clients(server: ServerProcess) -> None:
    space_id, ada_token, zoe_token = await new_space(server)
    ada = await YClient(chat_url(server, space_id, ada_token)).connect()
    zoe = await YClient(chat_url(server, space_id, zoe_token)).connect()
    # A client writing straight into the document bypasses length, rate and expiry rules.
    await zoe.change(lambda d: d.get("messages", type=Array).append({"text": "sneaky"}))
    async with api(server, ada_token) as http:
        await http.post(f"/api/spaces/{space_id}/messages", json={"text": "via the server"})
    await ada.wait_for(lambda: len(messages(ada)) == 1)
    assert [m["text"] for m in messages(ada)] == ["via the server"]
    await ada.close()
    await zoe.close()


async def test_rate_and_length_limits_give_clear_errors(server: ServerProcess) -> None:
    space_id, ada_token, _ = await new_space(server)
    url = f"/api/spaces/{space_id}/messages"
    async with api(server, ada_token) as http:
        too_long = await http.post(url, json={"text": "x" * 501})
        assert too_long.status_code == 422
        assert "at most 500" in too_long.json()["message"]
        empty = await http.post(url, json={"text": "   "})
        assert empty.status_code == 422
        not_json = await http.post(url, content=b"{nope")
        assert not_json.status_code == 422
        for i in range(RATE_MAX_POSTS):
            assert (await http.post(url, json={"text": f"bericht {i}"})).status_code == 201
        limited = await http.post(url, json={"text": "one too many"})
        assert limited.status_code == 429
        assert limited.json()["error"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
    ada = await YClient(chat_url(server, space_id, ada_token)).connect()
    assert [m["text"] for m in messages(ada)] == [f"bericht {i}" for i in range(RATE_MAX_POSTS)]
    await ada.close()


async def test_members_only(server: ServerProcess) -> None:
    space_id, _, _ = await new_space(server)
    _, other_token, _ = await new_space(server)
    async with api(server) as http:
        assert (await http.get(f"/api/spaces/{space_id}")).status_code == 401
        assert (await http.get(f"/api/spaces/{space_id}/about")).json()["name"] == "Team ICT"
        assert (await http.get("/api/spaces/nope/about")).status_code == 404
        bad = await http.post(f"/api/spaces/{space_id}/members", json={"name": ""})
        assert bad.status_code == 422
    async with api(server, other_token) as http:
        assert (await http.get(f"/api/spaces/{space_id}")).status_code == 401
    for token in ("", "v1.forged.token", other_token):
        client = YClient(chat_url(server, space_id, token))
        await client.connect(wait_synced=False)
        assert await client.wait_closed() == status.CLOSE_UNAUTHORIZED
        assert client.received == []
        await client.close()


async def test_start_a_brainstorm_from_a_chat_message(server: ServerProcess) -> None:
    space_id, _ada_token, zoe_token = await new_space(server)
    zoe = await YClient(chat_url(server, space_id, zoe_token)).connect()
    async with api(server, zoe_token) as http:
        posted = (await http.post(f"/api/spaces/{space_id}/messages",
                                  json={"text": "Hoe maken we onboarding leuker?"})).json()
        started = await http.post(f"/api/spaces/{space_id}/sessions",
                                  json={"message_id": posted["id"]})
        assert started.status_code == 201, started.text
        result = started.json()
        missing = await http.post(f"/api/spaces/{space_id}/sessions", json={"message_id": "x"})
        assert missing.status_code == 404
    sid = result["session_id"]

    # The creator facilitates; the goal is the message; everyone in the chat is invited.
    async with api(server, result["facilitator_token"]) as http:
        session = (await http.get(f"/api/sessions/{sid}")).json()
        assert session["goal"] == "Hoe maken we onboarding leuker?"
    await zoe.wait_for(lambda: any(m["kind"] == "session" for m in messages(zoe)))
    invite = next(m for m in messages(zoe) if m["kind"] == "session")
    code = invite["session"]["join_path"].split("code=")[1]
    async with api(server) as http:
        joined = await http.post(f"/api/sessions/{sid}/participants",
                                 json={"name": "Ada", "join_code": code})
        assert joined.status_code == 201, joined.text

    async with api(server, zoe_token) as http:
        listed = (await http.get(f"/api/spaces/{space_id}")).json()["sessions"]
        assert [s["id"] for s in listed] == [sid]
        summary = await http.get(listed[0]["summary"])
        assert summary.status_code == 200
        assert "Hoe maken we onboarding leuker?" in summary.text
    await zoe.close()


async def test_a_member_cannot_download_a_session_that_does_not_allow_export(
        server: ServerProcess) -> None:
    space_id, ada_token, zoe_token = await new_space(server)
    async with api(server, zoe_token) as http:
        posted = (await http.post(f"/api/spaces/{space_id}/messages",
                                  json={"text": "Geheime plannen"})).json()
        started = (await http.post(f"/api/spaces/{space_id}/sessions",
                                   json={"message_id": posted["id"]})).json()
    sid = started["session_id"]
    async with api(server, started["facilitator_token"]) as http:
        idea = await http.post(f"/api/sessions/{sid}/ideas", json={"text": "IDEA-OF-ZOE"})
        assert idea.status_code == 201, idea.text
        session = (await http.get(f"/api/sessions/{sid}")).json()
        assert session["settings"]["participants_can_export"] is False
    path = f"/api/spaces/{space_id}/sessions/{sid}/summary.md"
    async with api(server, ada_token) as http:
        listed = (await http.get(f"/api/spaces/{space_id}")).json()["sessions"]
        assert [(s["id"], s["summary"]) for s in listed] == [(sid, None)]
        refused = await http.get(path)
        assert refused.status_code == 403
        assert refused.json()["error"] == "forbidden"
        assert "IDEA-OF-ZOE" not in refused.text and "Zoë" not in refused.text
    # The member who started it still can, and nothing changed for them.
    async with api(server, zoe_token) as http:
        allowed = await http.get(path)
        assert allowed.status_code == 200
        assert "IDEA-OF-ZOE" in allowed.text


async def test_expired_messages_leave_the_document_and_the_store(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.start()
    rooms = RoomManager(store, MemoryBroker(), grace_s=60, outbox_limit=1 << 20)
    clock = ManualClock()
    koffiehoek = Koffiehoek(store, MemoryBroker(), rooms, TokenSigner(b"k" * 32),
                            retention_days=7, clock=clock)
    space, ada, _ = await koffiehoek.create_space("Team", "Ada", "nl")
    await koffiehoek.post(space, ada, "OLD-SECRET-MESSAGE")
    await clock.advance(6 * 86_400)
    await koffiehoek.post(space, ada, "still fresh")
    await clock.advance(1 * 86_400 + 1)

    assert await koffiehoek.expire(space.id) == 1
    assert [m["text"] for m in await koffiehoek.messages(space.id)] == ["still fresh"]
    await rooms.shutdown()
    await store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))
    assert b"still fresh" in raw
    assert b"OLD-SECRET-MESSAGE" not in raw


def test_chat_document_is_bounded() -> None:
    doc: Doc[Any] = Doc()
    for i in range(chat.MAX_MESSAGES + 10):
        chat.append_message(doc, {"id": str(i), "at": i})
    kept = chat.read_messages(doc)
    assert len(kept) == chat.MAX_MESSAGES
    assert kept[0]["id"] == "10"


async def test_read_only_members_still_share_presence(server: ServerProcess) -> None:
    # The chat is read-only, but names and cursors travel through awareness.
    space_id, ada_token, zoe_token = await new_space(server)
    ada = await YClient(chat_url(server, space_id, ada_token)).connect()
    zoe = await YClient(chat_url(server, space_id, zoe_token)).connect()
    await zoe.set_awareness({"user": {"name": "Zoë"}})
    await ada.wait_for(lambda: zoe.client_id in ada.awareness)
    await ada.close()
    await zoe.close()
