"""Removing a participant or a Koffiehoek member, co-facilitators, token expiry and key
rotation, on real servers with real WebSocket clients (issue 13)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_harness import Api, refused, session_of_four
from conftest import ServerFactory
from redis_server import RedisServer
from sprankel import status

OLD_KEY = "the-old-key-of-sixteen-bytes-or-more"
NEW_KEY = "the-new-key-of-sixteen-bytes-or-more"


async def test_a_removed_participant_is_refused_at_once_and_their_ideas_stay(api: Api) -> None:
    sid, f, ann, bob, _ = await session_of_four(api)
    rid = await api.round(sid, f)
    await api.act(sid, f, rid, "start")
    idea = await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": "Koffie"},
                          expect=201)
    async with api.ws(f"sessions/{sid}/board", ann.token) as board, \
            api.ws(f"sessions/{sid}/board", bob.token) as other:
        await api.call("DELETE", f"/sessions/{sid}/participants/{ann.id}", f.token, expect=204)
        assert await board.wait_closed() == status.CLOSE_FORBIDDEN
        assert "removed" in board.close_reason
        assert not other.closed.is_set()  # only hers
    refusal = await api.call("GET", f"/sessions/{sid}", ann.token, expect=401)
    assert refusal["error"] == "removed"
    assert (await refused(api.ws(f"sessions/{sid}/board", ann.token)))[0] == \
        status.CLOSE_UNAUTHORIZED
    ideas = await api.call("GET", f"/sessions/{sid}/ideas", f.token, expect=200)
    assert idea["id"] in [i["id"] for i in ideas["ideas"]]
    listed = await api.call("GET", f"/sessions/{sid}/participants", f.token, expect=200)
    flags = {p["id"]: (p["removed"], p["creator"], p["with_account"])
             for p in listed["participants"]}
    assert flags[ann.id] == (True, False, False) and flags[f.id] == (False, True, False)
    view = await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
    assert view["participant_count"] == 2  # the facilitator and Bob
    trail = await api.call("GET", f"/sessions/{sid}/audit", f.token, expect=200)
    assert [(e["actor"]["participant_id"], e["object"]["id"]) for e in trail["entries"]
            if e["action"] == "participant.removed"] == [(f.id, ann.id)]


async def test_who_may_remove_whom(api: Api) -> None:
    sid, f, ann, bob, _ = await session_of_four(api)
    base = f"/sessions/{sid}/participants"
    assert (await api.call("DELETE", f"{base}/{bob.id}", ann.token, expect=403))["error"] \
        == "forbidden"
    await api.call("DELETE", f"{base}/{f.id}", f.token, expect=403)  # the creator stays
    await api.call("DELETE", f"{base}/nosuchperson", f.token, expect=404)
    await api.call("DELETE", f"{base}/{'x' * 300}", f.token, expect=422)
    await api.call("DELETE", f"{base}/{bob.id}", None, expect=401)
    await api.call("GET", f"/sessions/{sid}", bob.token, expect=200)  # nothing changed


async def test_a_co_facilitator_runs_the_session_until_undone(api: Api) -> None:
    sid, f, ann, bob, obs = await session_of_four(api)
    base = f"/sessions/{sid}/participants"
    await api.call("POST", f"/sessions/{sid}/lock", ann.token, expect=403)
    async with api.ws(f"sessions/{sid}/board", ann.token) as board:
        made = await api.call("PUT", f"{base}/{ann.id}/facilitator", f.token, expect=200)
        assert made["role"] == "facilitator"
        # Her connections reconnect under the new rights (4000 is not permanent).
        assert await board.wait_closed() == status.CLOSE_ACCESS_CHANGED
    await api.call("POST", f"/sessions/{sid}/lock", ann.token, expect=200)
    # A co-facilitator may not demote the session's own facilitator, nor an observer join.
    await api.call("DELETE", f"{base}/{f.id}/facilitator", ann.token, expect=403)
    await api.call("PUT", f"{base}/{obs.id}/facilitator", f.token, expect=409)
    # ... but may remove someone.
    await api.call("DELETE", f"{base}/{bob.id}", ann.token, expect=204)
    undone = await api.call("DELETE", f"{base}/{ann.id}/facilitator", f.token, expect=200)
    assert undone["role"] == "participant"
    await api.call("POST", f"/sessions/{sid}/unlock", ann.token, expect=403)


async def test_a_removed_koffiehoek_member_is_refused_and_closed(api: Api) -> None:
    created = await api.call("POST", "/spaces", body={"name": "Team", "your_name": "Kim"},
                             expect=201)
    space, kim = created["id"], created["token"]
    joined = await api.call("POST", f"/spaces/{space}/members", body={"name": "Lex"},
                            expect=201)
    lex, lex_id = joined["token"], joined["member_id"]
    await api.call("POST", f"/spaces/{space}/messages", lex, {"text": "hoi"}, expect=201)
    # Only the creator sees the members and may remove them.
    assert (await api.call("GET", f"/spaces/{space}", lex, expect=200))["members"] is None
    view = await api.call("GET", f"/spaces/{space}", kim, expect=200)
    assert {m["name"] for m in view["members"]} == {"Kim", "Lex"}
    await api.call("DELETE", f"/spaces/{space}/members/{created['member_id']}", lex,
                   expect=403)
    await api.call("DELETE", f"/spaces/{space}/members/{created['member_id']}", kim,
                   expect=403)  # not oneself
    await api.call("DELETE", f"/spaces/{space}/members/nobody", kim, expect=404)
    async with api.ws(f"spaces/{space}/chat", lex) as chat:
        await api.call("DELETE", f"/spaces/{space}/members/{lex_id}", kim, expect=204)
        assert await chat.wait_closed() == status.CLOSE_FORBIDDEN
    await api.call("GET", f"/spaces/{space}", lex, expect=401)
    assert (await refused(api.ws(f"spaces/{space}/chat", lex)))[0] == status.CLOSE_UNAUTHORIZED
    view = await api.call("GET", f"/spaces/{space}", kim, expect=200)
    assert len(view["members"]) == 1


async def test_a_member_token_slides_with_every_visit(api: Api) -> None:
    created = await api.call("POST", "/spaces", body={"name": "Team", "your_name": "Kim"},
                             expect=201)
    first = _expiry(created["token"])
    view = await api.call("GET", f"/spaces/{created['id']}", created["token"], expect=200)
    renewed = view["token"]
    assert _expiry(renewed) >= first > 0
    await api.call("GET", f"/spaces/{created['id']}", renewed, expect=200)


def _expiry(token: str) -> int:
    payload = token.split(".")[1]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["e"])


async def test_an_open_connection_closes_with_4401_when_its_token_expires(
        start_server: ServerFactory) -> None:
    # Tokens of about two seconds: the test waits for the close, it does not sleep.
    api = Api(start_server("--token-lifetime-hours", "0.0006"))
    try:
        sid, f, _code = await api.create()
        async with api.ws(f"sessions/{sid}/board", f.token) as board:
            assert await board.wait_closed(timeout=30) == status.CLOSE_UNAUTHORIZED
            assert "expired" in board.close_reason
        refusal = await api.call("GET", f"/sessions/{sid}", f.token, expect=401)
        assert refusal["error"] == "token_expired"
        assert (await refused(api.ws(f"sessions/{sid}/board", f.token)))[0] == \
            status.CLOSE_UNAUTHORIZED
    finally:
        await api.aclose()


async def test_participants_tokens_end_some_hours_after_the_session(
        start_server: ServerFactory) -> None:
    api = Api(start_server("--token-hours-after-end", "0.0006"))
    try:
        sid, f, code = await api.create()
        ann = await api.join(sid, code, "Ann")
        async with api.ws(f"sessions/{sid}/board", ann.token) as board, \
                api.ws(f"sessions/{sid}/board", f.token) as fac:
            await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
            assert await board.wait_closed(timeout=30) == status.CLOSE_UNAUTHORIZED
            assert not fac.closed.is_set()  # the facilitator keeps the export
        await api.call("GET", f"/sessions/{sid}", ann.token, expect=401)
        export = await api.http.get(f"/api/sessions/{sid}/export.md",
                                    headers={"Authorization": f"Bearer {f.token}"})
        assert export.status_code == 200
    finally:
        await api.aclose()


async def test_key_rotation_across_a_restart(start_server: ServerFactory, tmp_path: Path
                                             ) -> None:
    old = start_server("--secret-key", OLD_KEY, data_dir=tmp_path / "d")
    api = Api(old)
    sid, f, code = await api.create()
    await api.aclose()
    old.stop()
    # The new key first, the old one still listed: old tokens work, new ones are new.
    both = start_server("--secret-key", f"{NEW_KEY},{OLD_KEY}", data_dir=tmp_path / "d")
    api = Api(both)
    try:
        await api.call("GET", f"/sessions/{sid}", f.token, expect=200)
        ann = await api.join(sid, code, "Ann")
    finally:
        await api.aclose()
    both.stop()
    # The old key dropped: what it signed no longer verifies; the new key's tokens do.
    new = start_server("--secret-key", NEW_KEY, data_dir=tmp_path / "d")
    api = Api(new)
    try:
        refusal = await api.call("GET", f"/sessions/{sid}", f.token, expect=401)
        assert "signature" in refusal["message"]
        await api.call("GET", f"/sessions/{sid}", ann.token, expect=200)
    finally:
        await api.aclose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


@pytest.mark.redis
async def test_removal_closes_the_socket_on_the_other_process(
        redis: RedisServer, start_server: ServerFactory, tmp_path: Path) -> None:
    flags = ("--store", "redis", "--redis-url", redis.url, "--secret-key", NEW_KEY)
    a = Api(start_server(*flags, data_dir=tmp_path / "a"))
    b = Api(start_server(*flags, data_dir=tmp_path / "b"))
    try:
        sid, f, code = await a.create()
        ann = await b.join(sid, code, "Ann")
        created = await a.call("POST", "/spaces", body={"name": "T", "your_name": "Kim"},
                               expect=201)
        lex = await b.call("POST", f"/spaces/{created['id']}/members", body={"name": "Lex"},
                           expect=201)
        async with b.ws(f"sessions/{sid}/board", ann.token) as board, \
                b.ws(f"sessions/{sid}/control", ann.token) as control, \
                b.ws(f"spaces/{created['id']}/chat", lex["token"]) as chat:
            await a.call("DELETE", f"/sessions/{sid}/participants/{ann.id}", f.token,
                         expect=204)
            await a.call("DELETE", f"/spaces/{created['id']}/members/{lex['member_id']}",
                         created["token"], expect=204)
            # Within a second on a quiet machine; the deadline is generous for a loaded one.
            assert await board.wait_closed() == status.CLOSE_FORBIDDEN
            assert await control.wait_closed() == status.CLOSE_FORBIDDEN
            assert await chat.wait_closed() == status.CLOSE_FORBIDDEN
        await b.call("GET", f"/sessions/{sid}", ann.token, expect=401)
        assert (await refused(b.ws(f"sessions/{sid}/board", ann.token)))[0] == \
            status.CLOSE_UNAUTHORIZED
    finally:
        await a.aclose()
        await b.aclose()
