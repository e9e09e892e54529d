"""Anonymous means anonymous: no byte another member receives links an idea to its author.

The attack: an observer (or a participant) records every frame of the board, the
control document and awareness, and joins the Yjs client ids that wrote an idea with
the client ids that awareness shows next to a name. Anonymous ideas are therefore
written by the server, and anonymous sessions publish awareness without names.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pycrdt import Map

from api_harness import Api, Member
from conftest import ServerFactory
from sprankel.sync import protocol
from update_bytes import writers as frames_writers
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


def writers(client: YClient) -> set[int]:
    """The client ids that wrote any update this connection received."""
    return frames_writers(client.received)


def named_in_awareness(client: YClient) -> dict[int, str]:
    """Client id -> name, for every awareness state that carried a name."""
    out = {}
    for frame in client.received:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.AwarenessMessage):
            for entry in protocol.decode_awareness(message.payload):
                state = json.loads(entry.state)
                name = (state or {}).get("user", {}).get("name")
                if isinstance(name, str):
                    out[entry.client_id] = name
    return out


def everything(*clients: YClient) -> bytes:
    return b"".join(frame for client in clients for frame in client.received)


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 10) -> Any:
    """Poll check() until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_awareness_in_an_anonymous_session_carries_no_name_and_no_id(api: Api) -> None:
    sid, _, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Annelies Vermeer")
    watcher = await api.join(sid, code, "Wim", role="observer")
    observer = await api.ws(f"sessions/{sid}/board", watcher.token).connect()
    author = await api.ws(f"sessions/{sid}/board", ann.token).connect()
    await author.set_awareness({"user": {"id": ann.id, "name": "Annelies Vermeer",
                                         "role": "participant", "color": "#123456"},
                                "pointer": {"x": 1, "y": 2}})
    await observer.wait_for(lambda: author.client_id in observer.awareness)
    user = observer.awareness[author.client_id]["user"]
    assert set(user) <= {"role", "color"} and user["role"] == "participant"
    assert isinstance(user["color"], str)  # cursors still get a colour
    assert b"Annelies" not in everything(observer) and ann.id.encode() not in everything(observer)
    await author.close()
    await observer.close()


async def _record_an_anonymous_idea(api: Api, sid: str, author_member: Member,
                                    spy_member: Member, text: str
                                    ) -> tuple[YClient, list[YClient], dict[str, Any]]:
    """The author is on the board with awareness (like a browser) and adds an idea."""
    spies = [await api.ws(f"sessions/{sid}/{doc}", spy_member.token).connect()
             for doc in ("board", "control")]
    author = await api.ws(f"sessions/{sid}/board", author_member.token).connect()
    await author.set_awareness({"user": {"name": "whatever"}, "typing": False})
    await spies[0].wait_for(lambda: author.client_id in spies[0].awareness)
    idea = await api.call("POST", f"/sessions/{sid}/ideas", author_member.token,
                          {"text": text}, expect=201)
    await spies[0].wait_for(lambda: text in json.dumps(spies[0].doc.get(
        "ideas", type=Map).to_py()))
    return author, spies, idea


async def test_an_idea_in_an_anonymous_session_cannot_be_linked_to_its_author(api: Api) -> None:
    sid, _, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Annelies Vermeer")
    bob = await api.join(sid, code, "Bob")
    author, spies, idea = await _record_an_anonymous_idea(api, sid, ann, bob, "Koffie om tien")
    assert idea["author_id"] is None and idea["author_name"] is None
    recorded = everything(*spies)
    assert b"Annelies" not in recorded and ann.id.encode() not in recorded
    assert author.client_id not in writers(spies[0])  # the server wrote it
    assert not writers(spies[0]) & set(named_in_awareness(spies[0]))
    for client in (author, *spies):
        await client.close()


async def test_an_idea_in_an_anonymous_round_of_a_named_session_cannot_be_linked(
        api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Annelies Vermeer")
    bob = await api.join(sid, code, "Bob")
    rid = await api.round(sid, f, anonymous=True)
    await api.act(sid, f, rid, "start")
    author, spies, idea = await _record_an_anonymous_idea(api, sid, ann, bob, "Lunch samen")
    assert idea["author_id"] is None
    names = named_in_awareness(spies[0])
    assert names[author.client_id] == "Annelies Vermeer"  # a named session: names are shown
    assert not writers(spies[0]) & set(names)  # ... but no one who wrote the idea
    for client in (author, *spies):
        await client.close()


async def test_the_author_edits_and_deletes_an_anonymous_idea_through_the_api(
        api: Api) -> None:
    sid, f, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    obs = await api.join(sid, code, "Olga", role="observer")
    spy = await api.ws(f"sessions/{sid}/board", bob.token).connect()
    first = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "eerst"},
                           expect=201)
    second = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "tweede"},
                            expect=201)
    path = f"/sessions/{sid}/ideas/{first['id']}"

    # Others may not change it; bad input changes nothing.
    for who, expect in ((bob, 403), (obs, 403)):
        refused = await api.call("PATCH", path, who.token, {"text": "van mij"}, expect=expect)
        assert refused["error"] and refused["message"]
    assert (await api.call("PATCH", path, ann.token, {"txt": "x"}, expect=422))["error"]
    assert (await api.call("PATCH", path, ann.token, {}, expect=422))["error"]
    await api.call("PATCH", f"/sessions/{sid}/ideas/nope", ann.token, {"text": "x"}, expect=404)
    await api.call("DELETE", f"/sessions/{sid}/ideas/{first['id']}", bob.token, expect=403)
    board = {i["id"]: i for i in (await api.call("GET", f"/sessions/{sid}/ideas",
                                                  bob.token))["ideas"]}
    assert board[first["id"]]["text"] == "eerst"

    edited = await api.call("PATCH", path, ann.token, {"text": "beter", "color": "blue"},
                            expect=200)
    assert edited["text"] == "beter" and edited["color"] == "blue"
    assert edited["author_id"] is None
    await spy.wait_for(lambda: "beter" in json.dumps(spy.doc.get(
        "ideas", type=Map).to_py()))

    # Locked: only the facilitator; then the author may delete again.
    await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
    await api.call("PATCH", path, ann.token, {"text": "op slot"}, expect=423)
    await api.call("POST", f"/sessions/{sid}/unlock", f.token, expect=200)
    await api.call("DELETE", path, ann.token, expect=204)
    await api.call("DELETE", f"/sessions/{sid}/ideas/{second['id']}", f.token, expect=204)
    assert (await api.call("GET", f"/sessions/{sid}/ideas", bob.token))["ideas"] == []
    assert b"Ann" not in everything(spy) and ann.id.encode() not in everything(spy)

    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    await api.call("PATCH", path, ann.token, {"text": "te laat"}, expect=410)
    await spy.close()


async def test_the_author_of_a_revealed_anonymous_hidden_idea_may_edit_it(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    rid = await api.round(sid, f, hidden=True, anonymous=True, auto_reveal=True)
    await api.act(sid, f, rid, "start")
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "verborgen"},
                          expect=201)
    assert idea["hidden"] is True
    await api.act(sid, f, rid, "end")  # reveals (auto_reveal)
    board = (await api.call("GET", f"/sessions/{sid}/ideas", bob.token))["ideas"]
    assert [(i["id"], i["author_id"]) for i in board] == [(idea["id"], None)]
    path = f"/sessions/{sid}/ideas/{idea['id']}"
    await api.call("PATCH", path, bob.token, {"text": "niet van jou"}, expect=403)
    assert (await api.call("PATCH", path, ann.token, {"text": "onthuld"}))["text"] == "onthuld"


async def test_presence_names_go_only_to_facilitators_in_an_anonymous_session(api: Api) -> None:
    sid, f, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Annelies Vermeer")
    bob = await api.join(sid, code, "Bob")
    obs = await api.join(sid, code, "Olga", role="observer")
    clients = [await api.ws(f"sessions/{sid}/board", m.token).connect() for m in (ann, bob)]

    async def everyone_here() -> Any:
        view = await api.call("GET", f"/sessions/{sid}", f.token)
        return view if view["presence_count"] == 2 else None

    view = await until(everyone_here)  # presence is written as connections open
    assert {p["name"] for p in view["presence"]} == {"Annelies Vermeer", "Bob"}
    for who in (bob, obs):
        seen = await api.call("GET", f"/sessions/{sid}", who.token)
        assert seen["presence"] == [] and seen["presence_count"] == 2
        assert "Annelies" not in json.dumps(seen) and ann.id not in json.dumps(seen)
        raw = await api.call("GET", f"/presence/sessions/{sid}/board", who.token)
        assert raw["count"] == 2 and "Annelies" not in json.dumps(raw)
    for client in clients:
        await client.close()


async def test_presence_names_stay_visible_in_a_named_session(api: Api) -> None:
    sid, _, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    client = await api.ws(f"sessions/{sid}/board", ann.token).connect()

    async def here() -> Any:
        view = await api.call("GET", f"/sessions/{sid}", ann.token)
        return view if view["presence_count"] == 1 else None

    view = await until(here)
    assert [p["name"] for p in view["presence"]] == ["Ann"]
    await client.close()


async def test_the_export_of_an_anonymous_session_names_nobody(api: Api) -> None:
    sid, f, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Annelies Vermeer")
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Een idee"},
                   expect=201)
    for fmt in ("md", "json", "csv"):
        response = await api.http.get(f"/api/sessions/{sid}/export.{fmt}",
                                      headers={"Authorization": f"Bearer {f.token}"})
        assert response.status_code == 200, response.text
        assert "Een idee" in response.text
        assert "Annelies" not in response.text and ann.id not in response.text
