"""A whole session through the HTTP API and WebSockets on a real server: create, join,
agenda, warm-up, timed hidden ideation, reveal, clustering on the board, voting with
tallies in the control document, lock, end, and the join link stops working."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pycrdt import Map

from api_harness import Api, Member
from conftest import ServerFactory
from yclient import YClient


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server("--room-grace-s", "0.5"))
    yield client
    await client.aclose()


def _control(client: YClient) -> dict[str, object]:
    return dict(client.doc.get("control", type=Map).items())


def _round_state(client: YClient) -> str | None:
    current = _control(client).get("round")
    return current.get("state") if isinstance(current, dict) else None


async def test_a_facilitator_runs_a_whole_session(api: Api) -> None:
    created = await api.call("POST", "/sessions", body={
        "title": "Koffie op afstand", "goal": "Meer contact", "language": "en",
        "settings": {"vote_budget": 3}}, expect=201)
    sid, f_token, code = created["id"], created["facilitator_token"], created["join_code"]
    assert created["links"]["join"].endswith(f"/join/{sid}?code={code}")
    assert created["links"]["facilitator"].endswith(f"/s/{sid}/console#token={f_token}")
    f = Member(created["participant_id"], f_token, "facilitator")
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")

    # The agenda.
    warmup = await api.call("POST", f"/sessions/{sid}/rounds", f_token,
                            {"kind": "warmup", "duration_s": 300}, expect=201)
    assert warmup["icebreaker"] and warmup["prompt"] == warmup["icebreaker"]
    ideate = await api.call("POST", f"/sessions/{sid}/rounds", f_token,
                            {"kind": "ideate", "prompt": "How do we keep in touch?",
                             "duration_s": 1, "hidden": True, "auto_reveal": True}, expect=201)
    vote = await api.call("POST", f"/sessions/{sid}/rounds", f_token,
                          {"kind": "vote", "prompt": "Which first?", "duration_s": 600,
                           "max_votes_per_idea": 2}, expect=201)

    control = await api.ws(f"sessions/{sid}/control", ann.token).connect()
    board = await api.ws(f"sessions/{sid}/board", ann.token).connect()
    try:
        await api.act(sid, f, warmup["id"], "start")
        await api.act(sid, f, warmup["id"], "end")

        # A timed hidden round of one second: it ends and reveals by itself.
        await api.act(sid, f, ideate["id"], "pause", expect=423)
        await api.act(sid, f, ideate["id"], "start")
        view = await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)
        assert view["current_round"]["id"] == ideate["id"]
        assert view["deadline"] > 0 and view["server_time"] > 0
        for who, text in ((ann, "Virtual coffee roulette"), (bob, "Walking calls"),
                          (ann, "Team radio")):
            idea = await api.call("POST", f"/sessions/{sid}/ideas", who.token,
                                  {"text": text}, expect=201)
            assert idea["hidden"] is True
        await control.wait_for(lambda: _round_state(control) == "ended"
                               and (_control(control)["round"] or {}).get("revealed") is True)
        await board.wait_for(lambda: len(board.doc.get("ideas", type=Map)) == 3)
        ideas = {i["text"]: i["id"] for i in board.doc.get("ideas", type=Map).values()}

        # Clustering is content: Ann makes a cluster on the board and puts two ideas in it.
        def cluster(doc: object) -> None:
            board.doc.get("clusters", type=Map)["c1"] = Map({
                "id": "c1", "title": "Informal contact", "color": "blue", "created_at": 1})
            for text in ("Virtual coffee roulette", "Walking calls"):
                board.doc.get("ideas", type=Map)[ideas[text]]["cluster_id"] = "c1"

        await board.change(cluster)

        # Voting: three dots each, at most two per idea.
        await api.act(sid, f, vote["id"], "start")
        first, second = ideas["Virtual coffee roulette"], ideas["Team radio"]
        mine = await api.call("PUT", f"/sessions/{sid}/votes/{first}", ann.token,
                              {"count": 2}, expect=200)
        assert mine["left"] == 1
        await api.call("PUT", f"/sessions/{sid}/votes/{first}", ann.token, {"count": 3},
                       expect=409)
        await api.call("PUT", f"/sessions/{sid}/votes/{second}", ann.token, {"count": 1},
                       expect=200)
        await api.call("PUT", f"/sessions/{sid}/votes/{second}", bob.token, {"count": 2},
                       expect=200)
        spent = await api.call("PUT", f"/sessions/{sid}/votes/{first}", ann.token,
                               {"count": 2}, expect=200)
        assert spent["left"] == 0
        view = await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)
        assert view["my_votes"]["votes"] == {first: 2, second: 1}
        assert view["tallies"] is None
        await api.act(sid, f, vote["id"], "end")
        await control.wait_for(
            lambda: (_control(control).get("round") or {}).get("tallies") is not None)
        assert _control(control)["round"]["tallies"] == {first: 2.0, second: 3.0}  # type: ignore[index]

        # Lock, then end: the join link stops working, the export stays.
        await api.call("POST", f"/sessions/{sid}/lock", f_token, expect=200)
        await control.wait_for(lambda: (_control(control).get("session") or {}).get("locked")
                               is True)
        await api.call("POST", f"/sessions/{sid}/end", f_token, expect=200)
        await api.call("POST", f"/sessions/{sid}/participants",
                       body={"name": "Late", "join_code": code}, expect=410)
        view = await api.call("GET", f"/sessions/{sid}", f_token, expect=200)
        assert view["state"] == "ended" and view["ended"] is True
        clusters = board.doc.get("ideas", type=Map)[first]["cluster_id"]
        assert clusters == "c1"
    finally:
        await control.close()
        await board.close()

