"""Reactions: an emoji from anyone in the session floats up on every screen for a moment.

They travel as an awareness state of the server's own on the control document: never in
a document or the store, naming nobody, rate-limited per participant.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pycrdt import Map

from api_harness import Api, Member, session_of_four
from conftest import ServerFactory
from sprankel.sync import protocol
from sprankel.sync.awareness import SERVER_CLIENT_IDS
from yclient import YClient

THUMBS = "👍"


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    # A low rate, so the burst of 10 is what a test can spend.
    client = Api(start_server("--room-grace-s", "0.5", "--reactions-per-minute", "1"))
    yield client
    await client.aclose()


def reactions(client: YClient) -> list[tuple[int, str]]:
    """Every (number, emoji) the server's awareness states brought this connection."""
    seen: dict[int, str] = {}
    for client_id, state in client.awareness.items():
        if client_id >= SERVER_CLIENT_IDS and state:
            seen.update((n, e) for n, e in state["reactions"])
    return sorted(seen.items())


async def react(api: Api, sid: str, who: Member, emoji: Any = THUMBS,
                expect: int = 202) -> Any:
    return await api.call("POST", f"/sessions/{sid}/reactions", who.token, {"emoji": emoji},
                          expect=expect)


async def test_a_reaction_reaches_everyone_on_the_control_document(api: Api) -> None:
    sid, f, ann, bob, obs = await session_of_four(api)
    watchers = [await api.ws(f"sessions/{sid}/control", m.token).connect()
                for m in (f, bob, obs)]
    sent = await react(api, sid, ann, "🎉")
    assert sent["emoji"] == "🎉"
    for client in watchers:
        await client.wait_for(lambda c=client: (sent["number"], "🎉") in reactions(c))
    await react(api, sid, f, "💡")  # facilitators react too
    await watchers[1].wait_for(lambda: ("💡" in dict(reactions(watchers[1])).values()))
    for client in watchers:
        await client.close()


async def test_a_reaction_is_stored_nowhere(api: Api) -> None:
    sid, f, ann, _, _ = await session_of_four(api)
    board = await api.ws(f"sessions/{sid}/board", f.token).connect()
    control = await api.ws(f"sessions/{sid}/control", f.token).connect()
    before = (board.doc.get_update(), control.doc.get("control", type=Map).to_py())
    first = await react(api, sid, ann)
    await control.wait_for(lambda: bool(reactions(control)))
    assert (board.doc.get_update(), control.doc.get("control", type=Map).to_py()) == before
    # Not in the snapshot a newcomer gets (the moment has passed): it sees the next only.
    late = await api.ws(f"sessions/{sid}/control", f.token).connect()
    await late.send_raw(bytes([protocol.MESSAGE_QUERY_AWARENESS]))
    await react(api, sid, ann, "🤔")
    await late.wait_for(lambda: "🤔" in dict(reactions(late)).values())
    assert not any(state and state.get("reactions") for i, state in late.awareness.items()
                   if i < SERVER_CLIENT_IDS)
    # The state carries the last seconds' reactions: the first may ride along, no older.
    assert [n for n, _ in reactions(late)][:1] in ([first["number"]], [first["number"] + 1])
    for client in (board, control, late):
        await client.close()


async def test_the_echo_of_a_server_state_is_dropped_and_nobody_poses_as_the_server(
        api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    control = await api.ws(f"sessions/{sid}/control", ann.token).connect()
    other = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    await react(api, sid, ann)
    await control.wait_for(lambda: bool(reactions(control)))
    # The stock client sends back every state it receives; and a forged one.
    for message in [frame for frame in control.received if frame[0] == 1]:
        await control.send_raw(message)
    forged = protocol.encode_awareness_entry(SERVER_CLIENT_IDS + 5, 99,
                                             json.dumps({"reactions": [[9999, "🤔"]]}).encode())
    await control.send_raw(protocol.encode_awareness([forged]))
    second = await react(api, sid, bob, "😂")
    await other.wait_for(lambda: (second["number"], "😂") in reactions(other))
    assert not control.closed.is_set()
    assert 9999 not in dict(reactions(other))
    await control.close()
    await other.close()


async def test_a_reaction_names_nobody_in_an_anonymous_session(api: Api) -> None:
    sid, _, code = await api.create(settings={"anonymous": True})
    ann = await api.join(sid, code, "Annelies Vermeer")
    bob = await api.join(sid, code, "Bob")
    spies = [await api.ws(f"sessions/{sid}/{doc}", bob.token).connect()
             for doc in ("board", "control")]
    sent = await react(api, sid, ann, "❤️")
    await spies[1].wait_for(lambda: (sent["number"], "❤️") in reactions(spies[1]))
    recorded = b"".join(frame for spy in spies for frame in spy.received)
    assert b"Annelies" not in recorded and ann.id.encode() not in recorded
    state = next(s for i, s in spies[1].awareness.items() if i >= SERVER_CLIENT_IDS)
    assert state == {"reactions": [[sent["number"], "❤️"]]}  # no user, no id, nothing else
    for spy in spies:
        await spy.close()


async def test_reactions_are_rate_limited_per_participant(api: Api) -> None:
    sid, _, ann, bob, _ = await session_of_four(api)
    for _ in range(10):  # the burst
        await react(api, sid, ann)
    response = await api.http.post(f"/api/sessions/{sid}/reactions", json={"emoji": THUMBS},
                                   headers={"Authorization": f"Bearer {ann.token}"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"] == "rate_limited"
    await react(api, sid, bob)  # someone else's reactions are their own
    await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)  # the rest works
    assert "api failure" not in api.server.log()


@pytest.mark.parametrize("body", [{}, {"emoji": "🐍"}, {"emoji": 1}, {"emoji": THUMBS, "x": 1},
                                  [THUMBS], {"emoji": None}])
async def test_bad_reactions_are_refused_and_nothing_is_sent(api: Api, body: Any) -> None:
    sid, f, ann, _, _ = await session_of_four(api)
    control = await api.ws(f"sessions/{sid}/control", f.token).connect()
    refused = await api.call("POST", f"/sessions/{sid}/reactions", ann.token, body, expect=422)
    assert refused["error"] == "invalid" and refused["message"]
    sent = await react(api, sid, ann, "🤔")
    await control.wait_for(lambda: bool(reactions(control)))
    assert reactions(control) == [(sent["number"], "🤔")]
    await control.close()


async def test_who_may_react(api: Api) -> None:
    sid, f, ann, _, obs = await session_of_four(api)
    refused = await react(api, sid, obs, expect=403)
    assert refused["error"] == "forbidden"
    await api.call("POST", f"/sessions/{sid}/reactions", None, {"emoji": THUMBS}, expect=401)
    other = await api.http.post("/api/sessions/nosuchsession/reactions",
                                json={"emoji": THUMBS},
                                headers={"Authorization": f"Bearer {ann.token}"})
    assert other.status_code in (403, 404)
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    await react(api, sid, ann, expect=410)
