"""The spotlight: the facilitator puts one idea on the board in front of everyone, through
the API; the control document carries it until the facilitator takes it out or the
phase changes."""

from __future__ import annotations

from typing import Any

from pycrdt import Map

from api_harness import Api, session_of_four
from yclient import YClient


def spotlight(control: YClient) -> Any:
    return control.doc.get("control", type=Map).to_py().get("spotlight", "unset")


async def test_the_facilitator_spotlights_an_idea_for_everyone(api: Api) -> None:
    sid, f, ann, bob, obs = await session_of_four(api)
    rid = await api.round(sid, f)
    await api.act(sid, f, rid, "start")
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Koffie"},
                          expect=201)
    watchers = [await api.ws(f"sessions/{sid}/control", m.token).connect() for m in (bob, obs)]
    put = await api.call("PUT", f"/sessions/{sid}/spotlight", f.token,
                         {"idea_id": idea["id"]}, expect=200)
    assert put == {"idea_id": idea["id"]}
    for control in watchers:
        await control.wait_for(lambda c=control: spotlight(c) == idea["id"])
    await api.call("DELETE", f"/sessions/{sid}/spotlight", f.token, expect=200)
    for control in watchers:
        await control.wait_for(lambda c=control: spotlight(c) is None)
    for control in watchers:
        await control.close()


async def test_the_spotlight_goes_out_when_the_phase_changes(api: Api) -> None:
    sid, f, ann, _, _ = await session_of_four(api)
    rid = await api.round(sid, f)
    await api.act(sid, f, rid, "start")
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Thee"},
                          expect=201)
    control = await api.ws(f"sessions/{sid}/control", ann.token).connect()
    await api.call("PUT", f"/sessions/{sid}/spotlight", f.token, {"idea_id": idea["id"]},
                   expect=200)
    await control.wait_for(lambda: spotlight(control) == idea["id"])
    await api.act(sid, f, rid, "pause")  # the same phase: still in the spotlight
    await api.act(sid, f, rid, "resume")
    view = await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)
    assert view["current_round"]["state"] == "running"
    assert spotlight(control) == idea["id"]
    await api.act(sid, f, rid, "end")
    await control.wait_for(lambda: spotlight(control) is None)
    # In the next phase it can shine again.
    await api.call("PUT", f"/sessions/{sid}/spotlight", f.token, {"idea_id": idea["id"]},
                   expect=200)
    await control.wait_for(lambda: spotlight(control) == idea["id"])
    await control.close()


async def test_only_the_facilitator_spotlights(api: Api) -> None:
    sid, f, ann, _, obs = await session_of_four(api)
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Lunch"},
                          expect=201)
    for who in (ann, obs):
        refused = await api.call("PUT", f"/sessions/{sid}/spotlight", who.token,
                                 {"idea_id": idea["id"]}, expect=403)
        assert refused["error"] == "forbidden"
        await api.call("DELETE", f"/sessions/{sid}/spotlight", who.token, expect=403)
    await api.call("PUT", f"/sessions/{sid}/spotlight", None, {"idea_id": idea["id"]},
                   expect=401)
    view = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    control = await api.ws(f"sessions/{sid}/control", f.token).connect()
    assert spotlight(control) in (None, "unset") and view["id"] == sid  # nothing changed
    await control.close()


async def test_bad_spotlights_are_refused_and_change_nothing(api: Api) -> None:
    sid, f, ann, bob, _ = await session_of_four(api)
    rid = await api.round(sid, f, hidden=True)
    await api.act(sid, f, rid, "start")
    hidden = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Geheim"},
                            expect=201)
    assert hidden["hidden"] is True
    control = await api.ws(f"sessions/{sid}/control", bob.token).connect()
    version = control.doc.get("control", type=Map).get("version")
    path = f"/sessions/{sid}/spotlight"
    refused = await api.call("PUT", path, f.token, {"idea_id": hidden["id"]}, expect=409)
    assert refused["error"] == "hidden"
    await api.act(sid, f, rid, "end")  # writing closed, not revealed: still hidden
    await api.call("PUT", path, f.token, {"idea_id": hidden["id"]}, expect=409)
    assert (await api.call("PUT", path, f.token, {"idea_id": "no-such-idea"},
                           expect=404))["error"] == "not_found"
    for body in ({}, {"idea_id": ""}, {"idea_id": 7}, {"idea_id": "x", "more": 1}, ["x"],
                 {"idea_id": "x" * 200}):
        assert (await api.call("PUT", path, f.token, body, expect=422))["error"] == "invalid"
    after = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    assert after["current_round"]["state"] == "ended"
    await control.wait_for(lambda: control.doc.get("control", type=Map).get("version")
                           != version)  # the round's end, and nothing more:
    assert spotlight(control) is None
    await api.act(sid, f, rid, "reveal")
    await api.call("PUT", path, f.token, {"idea_id": hidden["id"]}, expect=200)
    await control.wait_for(lambda: spotlight(control) == hidden["id"])
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    await api.call("PUT", path, f.token, {"idea_id": hidden["id"]}, expect=410)
    await control.wait_for(lambda: spotlight(control) is None)
    await control.close()
