"""A hidden idea's bytes never reach another participant's connection before reveal,
and a held-back idea's bytes never reach them at all (byte-level, real server)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


def _seen(clients: list[YClient], text: str) -> bool:
    needle = text.encode("utf-8")
    return any(needle in frame for c in clients for frame in c.received)


async def test_hidden_idea_never_reaches_other_participants(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    rid = await api.round(sid, f, hidden=True, auto_reveal=False)
    await api.act(sid, f, rid, "start")

    bob_board = await api.ws(f"sessions/{sid}/board", bob.token).connect()
    bob_control = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    bob_drafts = await api.ws(f"sessions/{sid}/drafts/{bob.id}", bob.token).connect()
    bobs = [bob_board, bob_control, bob_drafts]
    try:
        from_browser = f"browser-secret-{secrets.token_hex(8)}"
        from_api = f"api-secret-{secrets.token_hex(8)}"
        abusive = f"abusive-secret-{secrets.token_hex(8)}"
        # Ann writes like the browser does: into her drafts document.
        async with api.ws(f"sessions/{sid}/drafts/{ann.id}", ann.token) as drafts:
            def add(doc: object) -> None:
                ideas = drafts.doc.get("ideas", type=Map)
                ideas["i-browser"] = Map({"id": "i-browser", "text": from_browser,
                                          "author_id": ann.id, "author_name": "Ann",
                                          "round_id": rid, "cluster_id": None,
                                          "color": "blue", "created_at": 1})

            await drafts.change(add)
        await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": from_api},
                       expect=201)
        held = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": abusive},
                              expect=201)

        # The facilitator sees all three before reveal and holds one back.
        hidden = await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token, expect=200)
        assert {i["text"] for i in hidden["ideas"]} == {from_browser, from_api, abusive}
        await api.call("POST", f"/sessions/{sid}/ideas/{held['id']}/hold", f.token, expect=200)
        # Participants cannot list hidden ideas.
        await api.call("GET", f"/sessions/{sid}/hidden-ideas", bob.token, expect=403)
        bob_view = await api.call("GET", f"/sessions/{sid}", bob.token, expect=200)
        assert "hidden_ideas" not in bob_view

        # Bob's connections have had every update the server made so far (the round's
        # start, the control changes): still none of Ann's text.
        for text in (from_browser, from_api, abusive):
            assert not _seen(bobs, text)

        await api.act(sid, f, rid, "reveal")
        await bob_board.wait_for(lambda: _seen([bob_board], from_browser)
                                 and _seen([bob_board], from_api))
        ideas = {i["text"] for i in bob_board.doc.get("ideas", type=Map).values()}
        assert ideas == {from_browser, from_api}
        view = await api.call("GET", f"/sessions/{sid}", bob.token, expect=200)
        assert view["current_round"]["held_back_count"] == 1
    finally:
        for c in bobs:
            await c.close()
    # After everything, the held-back text has still never reached Bob.
    assert not _seen(bobs, abusive)


async def test_a_held_back_idea_stays_off_bobs_connections_until_it_is_released(
        api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    rid = await api.round(sid, f, hidden=True)
    later = await api.round(sid, f, hidden=True)
    await api.act(sid, f, rid, "start")
    secret = f"held-secret-{secrets.token_hex(8)}"
    kind = f"kind-{secrets.token_hex(8)}"
    held = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": secret},
                          expect=201)
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": kind}, expect=201)
    await api.act(sid, f, rid, "end")  # writing closes; nothing is revealed yet
    bob_board = await api.ws(f"sessions/{sid}/board", bob.token).connect()
    bob_control = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    bobs = [bob_board, bob_control]
    try:
        view = await api.call("GET", f"/sessions/{sid}", bob.token, expect=200)
        assert view["current_round"]["awaiting_reveal"] is True and view["my_hidden"] == []
        await api.call("POST", f"/sessions/{sid}/ideas/{held['id']}/hold", f.token, expect=200)
        await api.call("POST", f"/sessions/{sid}/ideas/{held['id']}/reveal", f.token,
                       expect=423)  # held back: it must be released first
        await api.call("POST", f"/sessions/{sid}/ideas/{held['id']}/reveal", bob.token,
                       expect=403)
        await api.act(sid, f, rid, "reveal")
        await bob_board.wait_for(lambda: _seen([bob_board], kind))
        # A later round runs and ends; the held-back idea is still only Ann's.
        await api.act(sid, f, later, "start")
        await api.act(sid, f, later, "end")
        mine = (await api.call("GET", f"/sessions/{sid}", ann.token, expect=200))["my_hidden"]
        assert mine == [{"id": held["id"], "round_id": rid, "state": "held_back"}]
        bob_view = await api.call("GET", f"/sessions/{sid}", bob.token, expect=200)
        assert bob_view["my_hidden"] == [] and "hidden_ideas" not in bob_view
        assert not _seen(bobs, secret)

        await api.call("POST", f"/sessions/{sid}/ideas/{held['id']}/release", f.token,
                       expect=200)
        await bob_board.wait_for(lambda: _seen([bob_board], secret))
    finally:
        for c in bobs:
            await c.close()
