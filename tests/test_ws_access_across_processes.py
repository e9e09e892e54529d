"""Two server processes on one Redis: a lock made through one process stops writes on
connections open at the other, and a round's deadline fires exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory
from redis_server import RedisServer
from server_process import ServerProcess

pytestmark = pytest.mark.redis

SECRET = "a-shared-secret-key-for-both-processes"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis") as server:
        yield server


def _pair(start_server: ServerFactory, tmp_path: Path, redis: RedisServer
          ) -> tuple[ServerProcess, ServerProcess]:
    flags = ("--store", "redis", "--redis-url", redis.url, "--secret-key", SECRET,
             "--room-grace-s", "0.5")
    return (start_server(*flags, data_dir=tmp_path / "a"),
            start_server(*flags, data_dir=tmp_path / "b"))


def _notes(doc_client: object) -> set[str]:
    return set(doc_client.doc.get("notes", type=Map).keys())  # type: ignore[attr-defined]


async def test_a_lock_through_one_process_stops_writers_on_the_other(
        redis: RedisServer, start_server: ServerFactory, tmp_path: Path) -> None:
    a, b = _pair(start_server, tmp_path, redis)
    api_a, api_b = Api(a), Api(b)
    try:
        sid, f, code = await api_a.create()
        ann = await api_b.join(sid, code, "Ann")  # tokens are valid on every process
        name = f"sessions/{sid}/board"
        async with api_b.ws(name, ann.token) as writer, \
                api_b.ws(f"sessions/{sid}/control", ann.token) as control, \
                api_a.ws(name, f.token) as reader:
            await writer.change(lambda d: d.get("notes", type=Map).__setitem__("open", "1"))
            await reader.wait_for(lambda: "open" in _notes(reader))

            await api_a.call("POST", f"/sessions/{sid}/lock", f.token, expect=200)
            await control.wait_for(lambda: (control.doc.get("control", type=Map).get("session")
                                            or {}).get("locked") is True)
            await writer.change(lambda d: d.get("notes", type=Map).__setitem__("locked", "1"))
            async with api_b.ws(name, f.token) as fac:  # a facilitator still writes
                await fac.change(lambda d: d.get("notes", type=Map).__setitem__("mark", "1"))
            await reader.wait_for(lambda: "mark" in _notes(reader))
            assert "locked" not in _notes(reader)
    finally:
        await api_a.aclose()
        await api_b.aclose()


async def test_a_deadline_fires_once_across_processes(
        redis: RedisServer, start_server: ServerFactory, tmp_path: Path) -> None:
    a, b = _pair(start_server, tmp_path, redis)
    api_a, api_b = Api(a), Api(b)
    try:
        sid, f, code = await api_a.create()
        ann = await api_b.join(sid, code, "Ann")
        rid = await api_a.round(sid, f, hidden=True, duration_s=2, auto_reveal=True)
        # Ann's drafts and the round's start live on different processes.
        async with api_b.ws(f"sessions/{sid}/board", ann.token) as board:
            await api_a.act(sid, f, rid, "start")
            idea = await api_b.call("POST", f"/sessions/{sid}/ideas", ann.token,
                                    {"text": "Once"}, expect=201)
            assert idea["hidden"] is True
            await board.wait_for(lambda: len(board.doc.get("ideas", type=Map)) == 1, timeout=20)
        view = await api_b.call("GET", f"/sessions/{sid}", f.token, expect=200)
        assert view["current_round"]["state"] == "ended"
    finally:
        await api_a.aclose()
        await api_b.aclose()
    logs = a.log() + b.log()
    assert logs.count(f"round deadline session={sid}") == 1
    assert logs.count(f"round revealed session={sid}") == 1
