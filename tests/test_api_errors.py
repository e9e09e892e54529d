"""Every refusal of the API is JSON {error, message} with the documented status:
401 token, 403 role, 404 unknown, 409 rules, 410 ended, 413 size, 422 body, 423 phase.
One negative test for every permission rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from api_harness import Api, Member
from conftest import ServerFactory


@pytest.fixture
async def api(start_server: ServerFactory) -> AsyncIterator[Api]:
    client = Api(start_server())
    yield client
    await client.aclose()


async def _error(api: Api, method: str, path: str, token: str | None, body: Any,
                 status: int) -> dict[str, Any]:
    answer = await api.call(method, path, token, body, expect=status)
    assert set(answer) == {"error", "message"} and answer["message"], answer
    return dict(answer)


async def _setup(api: Api) -> tuple[str, Member, Member, Member, str]:
    sid, f, code = await api.create()
    ann = await api.join(sid, code, "Ann")
    obs = await api.join(sid, code, "Olga", role="observer")
    return sid, f, ann, obs, code


async def test_401_without_or_with_a_bad_token(api: Api) -> None:
    sid, f, *_ = await _setup(api)
    await _error(api, "GET", f"/sessions/{sid}", None, None, 401)
    await _error(api, "GET", f"/sessions/{sid}", "v1.abc.def", None, 401)
    response = await api.http.get(f"/api/sessions/{sid}",
                                  headers={"Authorization": f"Basic {f.token}"})
    assert response.status_code == 401


async def test_403_for_a_token_of_another_session(api: Api) -> None:
    sid, *_ = await _setup(api)
    _, other, _ = await api.create(title="Other")
    await _error(api, "GET", f"/sessions/{sid}", other.token, None, 403)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/rounds", {"kind": "ideate", "prompt": "x", "duration_s": 5}),
    ("PATCH", "/rounds/RID", {"prompt": "y"}),
    ("DELETE", "/rounds/RID", None),
    ("POST", "/rounds/RID/start", None),
    ("POST", "/rounds/RID/pause", None),
    ("POST", "/rounds/RID/resume", None),
    ("POST", "/rounds/RID/extend", {"seconds": 5}),
    ("POST", "/rounds/RID/end", None),
    ("POST", "/rounds/RID/reveal", None),
    ("GET", "/hidden-ideas", None),
    ("POST", "/ideas/IDEA/hold", None),
    ("POST", "/ideas/IDEA/release", None),
    ("GET", "/participants", None),
    ("POST", "/lock", None),
    ("POST", "/unlock", None),
    ("POST", "/end", None),
])
async def test_403_for_facilitator_actions_by_a_participant(
        api: Api, method: str, path: str, body: Any) -> None:
    sid, f, ann, *_ = await _setup(api)
    rid = await api.round(sid, f)
    answer = await _error(api, method, f"/sessions/{sid}" + path.replace("RID", rid), ann.token,
                          body, 403)
    assert answer["error"] == "forbidden"


async def test_403_observers_do_not_contribute(api: Api) -> None:
    sid, f, ann, obs, _ = await _setup(api)
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "x"}, expect=201)
    await _error(api, "POST", f"/sessions/{sid}/ideas", obs.token, {"text": "y"}, 403)
    rid = await api.round(sid, f, kind="vote")
    await api.act(sid, f, rid, "start")
    await _error(api, "PUT", f"/sessions/{sid}/votes/{idea['id']}", obs.token, {"count": 1}, 403)
    await api.act(sid, f, rid, "end")
    rate = await api.round(sid, f, kind="rate")
    await api.act(sid, f, rate, "start")
    await _error(api, "PUT", f"/sessions/{sid}/ratings/{idea['id']}", obs.token,
                 {"originality": 3, "feasibility": 3}, 403)
    rated = await api.call("PUT", f"/sessions/{sid}/ratings/{idea['id']}", ann.token,
                           {"originality": 3, "feasibility": 4}, expect=200)
    assert rated["ratings"] == {idea["id"]: {"originality": 3, "feasibility": 4}}


async def test_403_wrong_join_code_and_observers_when_not_allowed(api: Api) -> None:
    sid, _f, code = await api.create(settings={"allow_observers": False})
    await _error(api, "POST", f"/sessions/{sid}/participants", None,
                 {"name": "Eve", "join_code": "guess"}, 403)
    await _error(api, "POST", f"/sessions/{sid}/participants", None,
                 {"name": "Obs", "join_code": code, "role": "observer"}, 403)


async def test_404_for_unknown_sessions_rounds_and_ideas(api: Api) -> None:
    sid, f, ann, *_ = await _setup(api)
    await _error(api, "POST", "/sessions/nosuch/participants", None,
                 {"name": "A", "join_code": "c"}, 404)
    await _error(api, "POST", f"/sessions/{sid}/rounds/nosuch/start", f.token, None, 404)
    await _error(api, "PATCH", f"/sessions/{sid}/rounds/nosuch", f.token, {"prompt": "x"}, 404)
    rid = await api.round(sid, f, kind="vote")
    await api.act(sid, f, rid, "start")
    await _error(api, "PUT", f"/sessions/{sid}/votes/nosuch", ann.token, {"count": 1}, 404)


async def test_409_vote_budget_spent_and_a_second_running_round(api: Api) -> None:
    sid, f, ann, *_ = await _setup(api)
    ideas = [(await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": t},
                             expect=201))["id"] for t in ("a", "b")]
    rid = await api.round(sid, f, kind="vote", vote_budget=1)
    other = await api.round(sid, f)
    await api.act(sid, f, rid, "start")
    await api.call("PUT", f"/sessions/{sid}/votes/{ideas[0]}", ann.token, {"count": 1},
                   expect=200)
    answer = await _error(api, "PUT", f"/sessions/{sid}/votes/{ideas[1]}", ann.token,
                          {"count": 1}, 409)
    assert answer["error"] == "vote_budget_spent"
    await _error(api, "POST", f"/sessions/{sid}/rounds/{other}/start", f.token, None, 409)


async def test_410_after_the_end(api: Api) -> None:
    sid, f, ann, _, code = await _setup(api)
    await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
    await _error(api, "POST", f"/sessions/{sid}/participants", None,
                 {"name": "Late", "join_code": code}, 410)
    await _error(api, "POST", f"/sessions/{sid}/ideas", ann.token, {"text": "late"}, 410)
    await _error(api, "POST", f"/sessions/{sid}/end", f.token, None, 410)


async def test_413_for_a_huge_body(api: Api) -> None:
    sid, f, *_ = await _setup(api)
    await _error(api, "POST", f"/sessions/{sid}/ideas", f.token, {"text": "x" * 70_000}, 413)


@pytest.mark.parametrize(("path", "body", "says"), [
    ("/ideas", {"text": ""}, "text must not be empty"),
    ("/ideas", {"txt": "x"}, "unknown field"),
    ("/ideas", ["x"], "JSON object"),
    ("/rounds", {"kind": "ideate", "prompt": "x", "duration_s": "5"}, "duration_s"),
    ("/rounds", {"kind": "party", "prompt": "x", "duration_s": 5}, "kind must be one of"),
])
async def test_422_says_what_is_wrong(api: Api, path: str, body: Any, says: str) -> None:
    sid, f, *_ = await _setup(api)
    answer = await _error(api, "POST", f"/sessions/{sid}{path}", f.token, body, 422)
    assert says in answer["message"]


async def test_422_for_a_body_that_is_not_json(api: Api) -> None:
    response = await api.http.post("/api/sessions", content=b"{not json",
                                   headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["message"]


async def test_423_outside_the_phase(api: Api) -> None:
    sid, f, ann, *_ = await _setup(api)
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "x"}, expect=201)
    # No voting round runs: votes are refused.
    await _error(api, "PUT", f"/sessions/{sid}/votes/{idea['id']}", ann.token, {"count": 1}, 423)
    rid = await api.round(sid, f)
    await _error(api, "POST", f"/sessions/{sid}/rounds/{rid}/pause", f.token, None, 423)
    # A locked board refuses participants' ideas.
    await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
    answer = await _error(api, "POST", f"/sessions/{sid}/ideas", ann.token, {"text": "y"}, 423)
    assert answer["error"] == "locked"


async def test_icebreakers_in_both_languages(api: Api) -> None:
    nl = await api.call("GET", "/icebreakers?language=nl", expect=200)
    en = await api.call("GET", "/icebreakers?language=en", expect=200)
    assert len(nl["icebreakers"]) == len(en["icebreakers"]) >= 10
    await _error(api, "GET", "/icebreakers?language=fr", None, None, 422)
