"""The audit trail of a whole session, through a real server's API (issue 14).

Every action with consequences is an entry, in one order, with its actor and object; the
facilitator reads it page by page (GET /api/sessions/{sid}/audit), nobody else does; the
operator gets each entry as a JSON line on standard error or in a file (--audit-log).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from api_harness import Api, Member
from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess
from sprankel.cli import main


async def trail(api: Api, sid: str, who: Member, **query: Any) -> list[dict[str, Any]]:
    """Every entry, read page by page with the given page size."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        params = "&".join(f"{k}={v}" for k, v in {"after": after, **query}.items())
        page = await api.call("GET", f"/sessions/{sid}/audit?{params}", who.token, expect=200)
        entries += page["entries"]
        if page["next_after"] is None:
            return entries
        assert page["next_after"] == entries[-1]["seq"]
        after = page["next_after"]


async def full_session(api: Api) -> tuple[str, Member, Member, Member, Member, dict[str, str]]:
    sid, fac, code = await api.create(settings={"retention_days": 30})
    ann = await api.join(sid, code, "Ann")
    bob = await api.join(sid, code, "Bob")
    olga = await api.join(sid, code, "Olga", role="observer")
    hidden = await api.round(sid, fac, hidden=True, auto_reveal=False)
    vote = await api.round(sid, fac, kind="vote", prompt="Pick", duration_s=60)
    await api.act(sid, fac, hidden, "start")
    ideas = {}
    for who, text in ((ann, "Coffee at ten"), (bob, "Walk and talk")):
        added = await api.call("POST", f"/sessions/{sid}/ideas", who.token, {"text": text},
                               expect=201)
        ideas[text] = added["id"]
    await api.call("POST", f"/sessions/{sid}/ideas/{ideas['Walk and talk']}/hold", fac.token,
                   expect=200)
    await api.call("POST", f"/sessions/{sid}/ideas/{ideas['Walk and talk']}/release",
                   fac.token, expect=200)
    await api.act(sid, fac, hidden, "end")
    await api.act(sid, fac, hidden, "reveal")
    await api.act(sid, fac, vote, "start")
    await api.act(sid, fac, vote, "extend", {"seconds": 30})
    await api.act(sid, fac, vote, "end")  # publishes the tallies: a reveal by the same hand
    await api.call("POST", f"/sessions/{sid}/lock", fac.token, expect=200)
    await api.call("POST", f"/sessions/{sid}/unlock", fac.token, expect=200)
    response = await api.http.get(f"/api/sessions/{sid}/export.md",
                                  headers={"Authorization": f"Bearer {fac.token}"})
    assert response.status_code == 200
    await api.call("POST", f"/sessions/{sid}/end", fac.token, expect=200)
    return sid, fac, ann, bob, olga, {"hidden": hidden, "vote": vote, **ideas}


async def test_a_full_session_is_in_the_trail_in_order_with_actors_and_objects(
        api: Api) -> None:
    sid, fac, ann, bob, olga, ids = await full_session(api)
    entries = await trail(api, sid, fac, limit=4)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    f = (fac.id, "facilitator")
    expected = [
        ("session.created", fac.id, "facilitator", "session", sid),
        ("participant.joined", ann.id, "participant", "participant", ann.id),
        ("participant.joined", bob.id, "participant", "participant", bob.id),
        ("participant.joined", olga.id, "observer", "participant", olga.id),
        ("round.added", *f, "round", ids["hidden"]),
        ("round.added", *f, "round", ids["vote"]),
        ("round.started", *f, "round", ids["hidden"]),
        ("idea.held_back", *f, "idea", ids["Walk and talk"]),
        ("idea.released", *f, "idea", ids["Walk and talk"]),
        ("round.ended", *f, "round", ids["hidden"]),
        ("round.revealed", *f, "round", ids["hidden"]),
        ("round.started", *f, "round", ids["vote"]),
        ("round.extended", *f, "round", ids["vote"]),
        ("round.ended", *f, "round", ids["vote"]),
        ("round.revealed", *f, "round", ids["vote"]),
        ("board.locked", *f, "session", sid),
        ("board.unlocked", *f, "session", sid),
        ("export.downloaded", *f, "session", sid),
        ("session.ended", *f, "session", sid),
    ]
    got = [(e["action"], e["actor"]["participant_id"], e["actor"]["role"], e["object"]["type"],
            e["object"]["id"]) for e in entries]
    assert got == expected
    assert all(e["actor"]["account"] is None and e["session_id"] == sid for e in entries)
    assert entries[0]["details"] == {"anonymous": False}
    assert entries[12]["details"] == {"kind": "vote", "seconds": 30}
    assert entries[14]["details"] == {"automatic": True, "kind": "vote"}
    assert entries[17]["details"] == {"format": "md"}
    times = [e["at"] for e in entries]
    assert times == sorted(times)
    # No user text in the trail: not the title, an idea, or a name.
    blob = json.dumps(entries)
    for text in ("Koffie op afstand", "Coffee at ten", "Walk and talk", "Ann", "Bob", "Olga"):
        assert text not in blob

    # The JSON export carries the same trail (times as ISO 8601), for the facilitator only.
    exported = (await api.http.get(f"/api/sessions/{sid}/export.json", headers={
        "Authorization": f"Bearer {fac.token}"})).json()["audit"]
    assert [(e["seq"], e["action"], e["object_id"]) for e in exported][:len(entries)] == [
        (e["seq"], e["action"], e["object"]["id"]) for e in entries]
    assert exported[0]["at"].endswith("Z")


async def test_the_trail_is_the_facilitators_and_bad_queries_are_refused(api: Api) -> None:
    sid, fac, code = await api.create(settings={"participants_can_export": True})
    ann = await api.join(sid, code, "Ann")
    olga = await api.join(sid, code, "Olga", role="observer")
    _, other_fac, _ = await api.create()
    path = f"/sessions/{sid}/audit"
    for who in (ann, olga):
        refused = await api.call("GET", path, who.token, expect=403)
        assert refused["error"] == "forbidden" and refused["message"]
    assert (await api.call("GET", path, None, expect=401))["error"]
    assert (await api.call("GET", path, other_fac.token, expect=403))["error"]
    assert (await api.call("GET", "/sessions/nosuchsession/audit", fac.token,
                           expect=403))["error"]  # another session's id: the token decides
    for query in ("limit=0", "limit=501", "limit=x", "after=-1", "after=1.5", "limit=%EF%BC%91"):
        refused = await api.call("GET", f"{path}?{query}", fac.token, expect=422)
        assert refused["error"] == "invalid" and refused["message"], query
    # Nothing changed: the trail is what it was (created, two joins).
    assert [e["action"] for e in await trail(api, sid, fac)] == [
        "session.created", "participant.joined", "participant.joined"]
    # A participant's export (allowed in this session) carries no trail.
    exported = (await api.http.get(f"/api/sessions/{sid}/export.json", headers={
        "Authorization": f"Bearer {ann.token}"})).json()
    assert exported["audit"] == []
    assert [e["action"] for e in await trail(api, sid, fac)][-1] == "export.downloaded"


async def test_an_unknown_session_is_404(start_server: ServerFactory, tmp_path: Path) -> None:
    # A token of a session that was never stored (another server's key is the same here:
    # the data folder is shared), so the session lookup answers.
    server = start_server("--secret-key", "k" * 32)
    api = Api(server)
    try:
        _, fac, _ = await api.create()
        from sprankel.kernel.tokens import Claims, TokenSigner

        forged = TokenSigner(("k" * 32).encode()).sign(Claims("nosuchsession", fac.id,
                                                              "facilitator"))
        missing = await api.call("GET", "/sessions/nosuchsession/audit", forged, expect=404)
        assert missing["error"] == "not_found"
    finally:
        await api.aclose()


def audit_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith('{"type":"audit"'):
            out.append(json.loads(line))
    return out


async def test_the_operator_gets_every_entry_as_a_json_line_on_stderr(
        start_server: ServerFactory) -> None:
    server = start_server()
    api = Api(server)
    try:
        sid, fac, *_ = await full_session(api)
        entries = await trail(api, sid, fac)
    finally:
        await api.aclose()
    deadline = asyncio.get_running_loop().time() + 20
    while len(audit_lines(server.log())) < len(entries):
        assert asyncio.get_running_loop().time() < deadline, server.log()
        await asyncio.sleep(0.05)
    lines = audit_lines(server.log())
    assert [(x["seq"], x["action"], x["object"], x["actor"]) for x in lines] == [
        (e["seq"], e["action"], e["object"], e["actor"]) for e in entries]
    assert all(x["time"].endswith("Z") for x in lines)


async def test_the_audit_log_file_is_private_appended_and_survives_a_restart(
        start_server: ServerFactory, tmp_path: Path) -> None:
    log_file = tmp_path / "audit" / "sprankel-audit.jsonl"
    log_file.parent.mkdir()
    server = start_server("--audit-log", str(log_file))
    api = Api(server)
    try:
        sid, fac, code = await api.create()
        await api.join(sid, code, "Ann")
    finally:
        await api.aclose()
    server.stop()
    assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600
    first = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [x["action"] for x in first] == ["session.created", "participant.joined"]
    assert not audit_lines(server.log())  # the file, not standard error

    server.start()
    api = Api(server)
    try:
        await api.join(sid, code, "Bob")
        entries = await trail(api, sid, fac)
    finally:
        await api.aclose()
    server.stop()
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert lines[:2] == first  # appended, not replaced
    assert [(x["seq"], x["action"]) for x in lines] == [(e["seq"], e["action"])
                                                          for e in entries]
    assert [x["seq"] for x in lines] == [1, 2, 3]  # the numbering went on after the restart


def test_an_audit_log_in_a_missing_folder_is_refused_at_start(tmp_path: Path,
                                                               capsys: Any) -> None:
    code = main(["serve", "--data-dir", str(tmp_path / "data"),
                 "--audit-log", str(tmp_path / "no" / "such" / "audit.jsonl")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--audit-log" in err and "does not exist" in err


@pytest.mark.parametrize("store", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
async def test_two_processes_number_one_trail(start_server: ServerFactory, tmp_path: Path,
                                              store: str) -> None:
    # Two servers on one store (SQLite's and Redis's atomic updates hold across processes):
    # joins through both at once get one gapless numbering, and both list the same order.
    data = tmp_path / "shared"
    with contextlib.ExitStack() as stack:
        flags: tuple[str, ...] = ("--secret-key", "s" * 32)
        if store == "redis":
            redis = stack.enter_context(RedisServer(tmp_path / "redis"))
            flags += ("--store", "redis", "--redis-url", redis.url)
        one = start_server(*flags, data_dir=data)
        two = start_server(*flags, data_dir=data)
        await _number_one_trail(one, two)
        one.stop()
        two.stop()


async def _number_one_trail(one: ServerProcess, two: ServerProcess) -> None:
    a, b = Api(one), Api(two)
    try:
        sid, fac, code = await a.create()
        await asyncio.gather(*(api.join(sid, code, f"P{k}") for k in range(10)
                               for api in (a, b)))
        seen_a, seen_b = await trail(a, sid, fac, limit=7), await trail(b, sid, fac)
    finally:
        await a.aclose()
        await b.aclose()
    assert seen_a == seen_b
    assert [e["seq"] for e in seen_a] == list(range(1, 22))
    assert sum(e["action"] == "participant.joined" for e in seen_a) == 20


async def test_a_deadline_is_an_entry_of_the_server(start_server: ServerFactory) -> None:
    api = Api(start_server())
    try:
        sid, fac, _ = await api.create()
        rid = await api.round(sid, fac, duration_s=1, hidden=True, auto_reveal=True)
        await api.act(sid, fac, rid, "start")
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            actions = [(e["action"], e["actor"]["role"]) for e in await trail(api, sid, fac)]
            if ("round.revealed", "system") in actions:
                break
            assert asyncio.get_running_loop().time() < deadline, actions
            await asyncio.sleep(0.1)
        assert actions[-2:] == [("round.ended", "system"), ("round.revealed", "system")]
    finally:
        await api.aclose()


async def test_the_trail_is_in_the_openapi_document(api: Api) -> None:
    document = await api.call("GET", "/openapi.json", expect=200)
    operation = document["paths"]["/api/sessions/{sid}/audit"]["get"]
    assert operation["x-roles"] == ["facilitator"]
    assert {p["name"] for p in operation["parameters"]} >= {"after", "limit"}
