"""Hold-back cannot be bypassed: once a hidden round ends, its drafts are read-only for
their author, also on connections opened before the end, so what the facilitator
reviewed is exactly what reveal publishes (real server, real WebSocket updates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pycrdt import Map

from api_harness import Api, Member
from conftest import ServerFactory
from sprankel.sync import protocol
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


def _draft(key: str, text: str, author: Member, round_id: str) -> Any:
    def edit(doc: Any) -> None:
        doc.get("ideas", type=Map)[key] = Map({
            "id": key, "text": text, "author_id": author.id, "author_name": "Ann",
            "round_id": round_id, "cluster_id": None, "color": "blue", "created_at": 1})
    return edit


def _step2_count(client: YClient) -> int:
    count = 0
    for frame in client.received:
        message = protocol.decode_message(frame)
        if isinstance(message, protocol.SyncMessage) and message.step == protocol.SYNC_STEP2:
            count += 1
    return count


async def _handled(client: YClient) -> None:
    """Wait until the server has handled everything this client sent: it handles one
    connection's messages in order, so its answer to a new sync step 1 comes after."""
    before = _step2_count(client)
    await client.send_raw(protocol.create_sync_step1_message(client.doc.get_state()))
    await client.wait_for(lambda: _step2_count(client) > before)


def _texts(ideas: list[dict[str, Any]]) -> set[str]:
    return {i["text"] for i in ideas}


async def test_drafts_freeze_when_the_hidden_round_ends_and_reveal_publishes_the_review(
        api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    rid = await api.round(sid, f, hidden=True, auto_reveal=False)
    await api.act(sid, f, rid, "start")
    drafts = f"sessions/{sid}/drafts/{ann.id}"
    bob_board = await api.ws(f"sessions/{sid}/board", bob.token).connect()
    ann_drafts = await api.ws(drafts, ann.token).connect()
    try:
        await ann_drafts.change(_draft("i-kind", "a kind idea", ann, rid))
        await ann_drafts.change(_draft("i-rude", "a rude remark", ann, rid))
        await _handled(ann_drafts)
        await api.act(sid, f, rid, "end")

        # The facilitator reviews the ended round and holds the rude remark back.
        hidden = (await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token,
                                 expect=200))["ideas"]
        assert _texts(hidden) == {"a kind idea", "a rude remark"}
        await api.call("POST", f"/sessions/{sid}/ideas/i-rude/hold", f.token, expect=200)

        # The attack, on the connection Ann opened while the round ran: rewrite the
        # reviewed idea, and re-add the held-back text under a new key.
        await ann_drafts.change(_draft("i-kind", "rewritten after review", ann, rid))
        await ann_drafts.change(_draft("i-again", "a rude remark", ann, rid))
        await _handled(ann_drafts)
        # And on a new connection, as a reconnecting browser's offline edits.
        async with api.ws(drafts, ann.token) as fresh:
            await fresh.change(_draft("i-fresh", "a rude remark", ann, rid))
            await _handled(fresh)

        after = (await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token,
                                expect=200))["ideas"]
        assert _texts(after) == {"a kind idea", "a rude remark"}

        await api.act(sid, f, rid, "reveal")
        await bob_board.wait_for(
            lambda: "a kind idea" in {i["text"] for i in
                                      bob_board.doc.get("ideas", type=Map).values()})
        board = (await api.call("GET", f"/sessions/{sid}/ideas", bob.token, expect=200))
        assert _texts(board["ideas"]) == {"a kind idea"}
        assert {i["text"] for i in bob_board.doc.get("ideas", type=Map).values()} == {
            "a kind idea"}
        assert not bob_board.closed.is_set()  # the bystander is unaffected
    finally:
        await ann_drafts.close()
        await bob_board.close()


async def test_drafts_are_writable_again_when_the_next_hidden_round_runs(api: Api) -> None:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    first = await api.round(sid, f, hidden=True, auto_reveal=False)
    second = await api.round(sid, f, hidden=True, auto_reveal=False)
    drafts = f"sessions/{sid}/drafts/{ann.id}"
    async with api.ws(drafts, ann.token) as ann_drafts:
        # Before any round starts, nothing is taken either.
        await ann_drafts.change(_draft("i-early", "too early", ann, first))
        await _handled(ann_drafts)
        await api.act(sid, f, first, "start")
        await api.act(sid, f, first, "end")
        await api.act(sid, f, first, "reveal")
        await api.act(sid, f, second, "start")
        await ann_drafts.change(_draft("i-second", "in the second round", ann, second))
        await _handled(ann_drafts)
        hidden = (await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token,
                                 expect=200))["ideas"]
        assert _texts(hidden) == {"in the second round"}


async def test_a_rewrite_in_the_next_hidden_round_changes_nothing_that_was_reviewed(
        api: Api) -> None:
    """The next hidden round opens Ann's drafts again: her rewrite of a held-back idea,
    and of one still waiting for the reveal, must not be what release and reveal publish."""
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    first = await api.round(sid, f, hidden=True)
    second = await api.round(sid, f, hidden=True)
    drafts = f"sessions/{sid}/drafts/{ann.id}"
    async with api.ws(drafts, ann.token) as ann_drafts, \
            api.ws(f"sessions/{sid}/board", bob.token) as bob_board:
        await api.act(sid, f, first, "start")
        await ann_drafts.change(_draft("i-held", "a sharp remark", ann, first))
        await ann_drafts.change(_draft("i-wait", "a waiting idea", ann, first))
        await _handled(ann_drafts)
        await api.act(sid, f, first, "end")
        await api.call("POST", f"/sessions/{sid}/ideas/i-held/hold", f.token, expect=200)
        mine = (await api.call("GET", f"/sessions/{sid}", ann.token, expect=200))["my_hidden"]
        assert {m["id"]: m["state"] for m in mine} == {"i-held": "held_back",
                                                        "i-wait": "waiting"}

        await api.act(sid, f, second, "start")  # Ann's drafts are writable again
        await ann_drafts.change(_draft("i-held", "rewritten after the review", ann, first))
        await ann_drafts.change(_draft("i-wait", "rewritten while waiting", ann, first))
        await _handled(ann_drafts)
        hidden = (await api.call("GET", f"/sessions/{sid}/hidden-ideas", f.token,
                                 expect=200))["ideas"]
        assert {i["text"] for i in hidden if i["round_id"] == first} == {
            "a sharp remark", "a waiting idea"}

        await api.act(sid, f, first, "reveal")
        await api.call("POST", f"/sessions/{sid}/ideas/i-held/release", f.token, expect=200)
        board = (await api.call("GET", f"/sessions/{sid}/ideas", bob.token, expect=200))
        assert _texts(board["ideas"]) == {"a sharp remark", "a waiting idea"}
        await bob_board.wait_for(lambda: {i["text"] for i in bob_board.doc.get(
            "ideas", type=Map).values()} == {"a sharp remark", "a waiting idea"})
        assert not any(b"rewritten" in frame for frame in bob_board.received)
