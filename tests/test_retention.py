"""Retention: an ended session is deleted retention_days after its end (its own, or the
server's default), by a sweep that runs once across processes; open sessions and
sessions kept for good are never swept; the version history stays within its rule."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Map

from api_harness import Api
from conftest import ServerFactory
from facilitation_harness import process, team
from redis_server import RedisServer
from sprankel.facilitation import documents as docs
from sprankel.facilitation.model import PARTICIPANT, SESSION
from sprankel.facilitation.retention import RETENTION, Deleter
from sprankel.facilitation.versions import (
    VERSION,
    VERSION_DATA,
    VersionRetention,
    versions_to_drop,
)
from sprankel.kernel.clock import ManualClock

DAY_S = 86_400


async def test_an_ended_session_is_swept_after_its_retention_days(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        own = await team(p.engine, retention_days=2)
        default = await team(p.engine)  # none of its own: the server's default
        kept = await team(p.engine)  # still open: never swept
        p.engine.retention.default_days = 1
        for t in (own, default):
            await p.engine.sessions.end(await p.engine.sessions.get(t.session.id),
                                        t.facilitator)
        await clock.advance(DAY_S - 1)
        assert await p.engine.retention.sweep() == []
        await clock.advance(2)
        assert await p.engine.retention.sweep() == [default.session.id]
        await clock.advance(DAY_S)
        assert await p.engine.retention.sweep() == [own.session.id]
        assert await p.engine.retention.sweep() == []
        for t in (own, default):
            assert await p.store.get_record(SESSION, t.session.id) is None
            assert await p.store.list_records(PARTICIPANT, f"{t.session.id}/") == {}
            assert await p.store.list_records(VERSION, f"{t.session.id}/") == {}
            assert await p.store.load(docs.control_name(t.session.id)) == []
        assert await p.store.get_record(SESSION, kept.session.id) is not None


async def test_no_default_keeps_sessions_until_deleted_by_hand(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        await p.engine.sessions.end(await p.engine.sessions.get(t.session.id), t.facilitator)
        await clock.advance(3650 * DAY_S)
        assert await p.engine.retention.sweep() == []


def test_the_retention_rule_thins_interval_versions_first() -> None:
    def version(n: int, trigger: str, size: int = 10) -> dict[str, object]:
        return {"id": f"v{n:013d}-x", "trigger": trigger, "bytes": size}

    history = [version(i, "interval" if i % 3 else "lock") for i in range(10)]
    rule = VersionRetention(max_versions=5, max_bytes=10_000)
    dropped = versions_to_drop(history, rule)
    assert len(dropped) == 5
    kept = [v for v in history if v["id"] not in dropped]
    # The four triggered versions (0, 3, 6, 9) all stay; the newest always does.
    assert [v["trigger"] for v in kept].count("lock") == 4
    assert kept[-1]["id"] == history[-1]["id"]
    # A byte cap: triggered ones go too when nothing else is left, oldest first.
    dropped = versions_to_drop(history, VersionRetention(max_versions=100, max_bytes=25))
    assert sorted(set(v["id"] for v in history) - set(dropped)) == [history[6]["id"],
                                                                    history[9]["id"]]
    assert versions_to_drop([version(1, "lock", 10**9)], rule) == []  # the newest stays


async def test_the_history_of_a_session_stays_within_the_rule(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        p.engine.versions.retention = VersionRetention(max_versions=4)
        sid = t.session.id
        for i in range(12):
            await p.rooms.apply_server_change(
                docs.board_name(sid),
                lambda doc, i=i: doc.get("ideas", type=Map).__setitem__(
                    f"i{i}", Map({"id": f"i{i}", "text": f"idee {i}"})))
            await clock.advance(1)
            trigger = "lock" if i == 0 else "interval"
            await p.engine.versions.take(sid, trigger, only_if_changed=trigger == "interval")
        metas = await p.store.list_records(VERSION, f"{sid}/")
        assert len(metas) == 4
        assert len(await p.store.list_records(VERSION_DATA, f"{sid}/")) == 4
        assert sorted(m["trigger"] for m in metas.values()) == ["interval"] * 3 + ["lock"]
        # Unchanged boards take no interval version.
        assert await p.engine.versions.take(sid, "interval", only_if_changed=True) is None


@pytest.mark.redis
async def test_two_processes_sweep_each_session_once(start_server: ServerFactory,
                                                     tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        flags = ("--store", "redis", "--session-retention-days", "0.00002",  # 1.7 s
                 "--retention-sweep-s", "0.2", "--room-grace-s", "0.5")
        servers = [start_server(*flags, data_dir=tmp_path / f"data{i}",
                                env={"REDIS_URL": redis.url,
                                     "SPRANKEL_SECRET_KEY": "one-key-for-both-processes-0123"})
                   for i in range(2)]
        apis = [Api(s) for s in servers]
        try:
            ids = []
            for i in range(4):
                api = apis[i % 2]
                sid, f, _ = await api.create()
                await api.call("POST", f"/sessions/{sid}/end", f.token, expect=200)
                ids.append((sid, f))
            deadline = time.monotonic() + 90  # a generous wait on state: the machine is shared
            for sid, f in ids:
                while await apis[0].call("GET", f"/sessions/{sid}", f.token) != {
                        "error": "not_found", "message": "no such session"}:
                    assert time.monotonic() < deadline, f"session {sid} was not swept"
                    await asyncio.sleep(0.05)
            # The record goes first, the log line when the whole deletion is done: wait for
            # that, then stop both (no sweep runs any more) and count who swept each.
            for sid, _ in ids:
                while not re.search(rf"session deleted id={sid} .*by=retention",
                                    "".join(s.log() for s in servers)):
                    assert time.monotonic() < deadline, f"session {sid}: no deletion logged"
                    await asyncio.sleep(0.05)
            for server in servers:
                server.stop()
            logs = "".join(s.log() for s in servers)
            for sid, _ in ids:
                swept = re.findall(rf"session deleted id={sid} .*by=retention", logs)
                assert len(swept) == 1, logs
        finally:
            for api in apis:
                await api.aclose()
            for server in servers:
                server.stop()


async def test_the_server_default_is_written_into_a_new_session(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        p.engine.sessions.default_retention_days = 30.0
        default = await team(p.engine)
        own = await team(p.engine, retention_days=7)
        assert default.session.retention_days == 30
        assert isinstance(default.session.retention_days, int)
        assert own.session.retention_days == 7
        p.engine.sessions.default_retention_days = 0
        assert (await team(p.engine)).session.retention_days is None


async def test_deletions_and_restores_tell_their_hooks_once(tmp_path: Path) -> None:
    """The audit trail's hooks: who deleted which session, who restored which version."""
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        deleted: list[tuple[str, Deleter]] = []
        restored: list[tuple[str, str, str, str]] = []

        async def on_deleted(sid: str, by: Deleter) -> None:
            deleted.append((sid, by))

        async def on_restored(session: Any, who: Any, version: dict[str, Any],
                              before: dict[str, Any]) -> None:
            restored.append((session.id, who.id, version["id"], before["trigger"]))

        p.engine.retention.on_deleted.append(on_deleted)
        p.engine.versions.on_restored.append(on_restored)
        t = await team(p.engine, retention_days=1)
        session = await p.engine.sessions.get(t.session.id)
        await p.engine.sessions.set_locked(session, t.facilitator, True)
        (version,) = await p.engine.versions.history(session, t.facilitator)
        await p.engine.versions.restore(session, t.facilitator, version["id"])
        assert restored == [(t.session.id, t.facilitator.id, version["id"], "restore")]

        await p.engine.retention.delete(session, t.facilitator)
        assert await p.engine.retention.delete_session(t.session.id, RETENTION) is False
        other = await team(p.engine, retention_days=1)
        await p.engine.sessions.end(await p.engine.sessions.get(other.session.id),
                                    other.facilitator)
        await clock.advance(DAY_S + 1)
        await p.engine.retention.sweep()
        assert deleted == [(t.session.id, Deleter("facilitator", t.facilitator.id)),
                           (other.session.id, RETENTION)]
