"""Deleting a session at once (DELETE /api/sessions/{sid}, facilitator): its open
connections close with 4404 and a reason, the API answers 404, and afterwards its idea
texts are nowhere in the SQLite file or its WAL (read as bytes), nor in any Redis key
(with --store redis); another session is untouched."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from pycrdt import Array, Map

from api_harness import Api, Member
from conftest import ServerFactory
from redis_server import RedisServer
from sprankel import status
from yclient import YClient

SECRET = "Vertrouwelijk-plan-Zoë-4711"
KEPT = "Blijft-bestaan-8080"


async def fill(api: Api, text: str) -> tuple[str, Member, Member, list[YClient]]:
    """A session whose text is on the board (a client's and the API's), in a drafts
    document, on the whiteboard and in a version."""
    sid, f, code = await api.create(title=f"Sessie {text}")
    ann = await api.join(sid, code, "Ann")
    board = await api.ws(f"sessions/{sid}/board", ann.token).connect()

    def edit(doc: Any) -> None:
        doc.get("ideas", type=Map)["i1"] = Map({"id": "i1", "text": f"{text} op het bord"})
        doc.get("elements", type=Array).append(Map({"pos": "a0", "el": {
            "id": "e1", "type": "text", "text": f"{text} getekend", "version": 1.0}}))

    await board.change(edit)
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": f"{text} via API"},
                   expect=201)
    rid = await api.round(sid, f, hidden=True)
    await api.act(sid, f, rid, "start")
    await api.call("POST", f"/sessions/{sid}/ideas", ann.token, {"text": f"{text} verborgen"},
                   expect=201)
    drafts = await api.ws(f"sessions/{sid}/drafts/{ann.id}", ann.token).connect()
    await api.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)  # a version
    await api.call("POST", f"/sessions/{sid}/unlock", f.token, expect=200)
    await board.wait_for(lambda: "i1" in board.doc.get("ideas", type=Map)
                         and len(board.doc.get("ideas", type=Map)) == 2)
    return sid, f, ann, [board, drafts]


async def delete_and_check(api: Api, sid: str, f: Member, ann: Member,
                           clients: list[YClient]) -> None:
    await api.call("DELETE", f"/sessions/{sid}", ann.token, expect=403)
    await api.call("DELETE", f"/sessions/{sid}", f.token, expect=204)
    for client in clients:
        assert await client.wait_closed() == status.CLOSE_DELETED
        assert client.close_reason == "the session was deleted"
    for token in (f.token, ann.token):
        gone = await api.call("GET", f"/sessions/{sid}", token, expect=404)
        assert gone["error"] == "not_found"
    await api.call("GET", f"/sessions/{sid}/versions", f.token, expect=404)
    await api.call("DELETE", f"/sessions/{sid}", f.token, expect=404)
    again = api.ws(f"sessions/{sid}/board", f.token)
    await again.connect(wait_synced=False)
    assert await again.wait_closed() == status.CLOSE_NOT_FOUND
    await again.close()
    for client in clients:
        await client.close()


def stored_bytes(data_dir: Path) -> bytes:
    files = [data_dir / "sprankel.sqlite3", data_dir / "sprankel.sqlite3-wal"]
    return b"".join(p.read_bytes() for p in files if p.exists())


async def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_deleted_session_leaves_no_text_in_the_sqlite_file(
        start_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    api = Api(start_server("--room-grace-s", "0.5", data_dir=data))
    try:
        sid, f, ann, clients = await fill(api, SECRET)
        kept_sid, kept_f, _, kept_clients = await fill(api, KEPT)
        await wait_until(lambda: SECRET.encode() in stored_bytes(data), "text never stored")
        await delete_and_check(api, sid, f, ann, clients)
        # The operator's audit sink (standard error, in the server's log) keeps the deletion.
        deleted = [json.loads(line) for line in api.server.log().splitlines()
                   if '"session.deleted"' in line]
        assert [(e["session_id"], e["actor"]["participant_id"]) for e in deleted] == [(sid, f.id)]
        # The second pass of the deletion ends with a checkpoint as well.
        await wait_until(lambda: SECRET.encode() not in stored_bytes(data),
                         "the deleted text is still in the database file or its WAL")
        assert SECRET.encode("utf-8") not in stored_bytes(data)
        kept = await api.call("GET", f"/sessions/{kept_sid}/ideas", kept_f.token, expect=200)
        assert len(kept["ideas"]) == 2
        for client in kept_clients:
            assert not client.closed.is_set()
            await client.close()
    finally:
        await api.aclose()


def redis_values(url: str) -> bytes:
    """Every key's name and value, whatever its type."""
    client = redis.Redis.from_url(url)
    out: list[bytes] = []
    try:
        for key in client.scan_iter(count=1000):
            out.append(key)
            kind = client.type(key)
            if kind == b"string":
                out.append(client.get(key) or b"")
            elif kind == b"list":
                out.extend(client.lrange(key, 0, -1))
            elif kind == b"hash":
                for k, v in client.hgetall(key).items():
                    out += [k, v]
            elif kind == b"zset":
                out.extend(client.zrange(key, 0, -1))
            elif kind == b"set":
                out.extend(client.smembers(key))
            elif kind == b"stream":
                for _, fields in client.xrange(key):
                    for k, v in fields.items():
                        out += [k, v]
    finally:
        client.close()
    return b"\n".join(out)


@pytest.mark.redis
async def test_a_deleted_session_leaves_no_text_in_redis(start_server: ServerFactory,
                                                         tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        api = Api(start_server("--room-grace-s", "0.5", "--store", "redis",
                               env={"REDIS_URL": server.url}))
        try:
            sid, f, ann, clients = await fill(api, SECRET)
            _, _, _, kept_clients = await fill(api, KEPT)
            await wait_until(lambda: SECRET.encode() in redis_values(server.url),
                             "text never stored")
            await delete_and_check(api, sid, f, ann, clients)
            await wait_until(lambda: SECRET.encode() not in redis_values(server.url),
                             "the deleted text is still in a Redis key")
            assert KEPT.encode() in redis_values(server.url)
            for client in kept_clients:
                await client.close()
        finally:
            await api.aclose()
            api.server.stop()  # before Redis goes


@pytest.mark.redis
async def test_a_deletion_on_one_process_closes_connections_on_another(
        start_server: ServerFactory, tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        env = {"REDIS_URL": server.url, "SPRANKEL_SECRET_KEY": "one-key-for-both-processes-0123"}
        a, b = (start_server("--room-grace-s", "30", "--store", "redis",
                             data_dir=tmp_path / f"data{i}", env=env) for i in range(2))
        api_a, api_b = Api(a), Api(b)
        try:
            sid, f, _, clients = await fill(api_b, SECRET)  # every connection on b
            await api_a.call("DELETE", f"/sessions/{sid}", f.token, expect=204)
            for client in clients:
                assert await client.wait_closed() == status.CLOSE_DELETED
                await client.close()
            await api_b.call("GET", f"/sessions/{sid}", f.token, expect=404)
            # b held the board in memory (grace 30 s): it wrote nothing back.
            await wait_until(lambda: SECRET.encode() not in redis_values(server.url),
                             "the deleted text is still in a Redis key")
        finally:
            await api_a.aclose()
            await api_b.aclose()
            a.stop()
            b.stop()
