"""The round timer is the server's: start, pause, resume, extend, and the end at the
deadline exactly once, also with two processes and across a restart (manual clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import add_round, control, process, team
from sprankel.broker.memory import MemoryHub
from sprankel.facilitation.errors import WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Conflict, Forbidden


async def test_round_ends_at_its_deadline(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, duration_s=60)
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                                 t.facilitator, rid, "start")
        assert rnd.state == "running"
        assert rnd.deadline_ms == clock.now_ms() + 60_000
        state = await control(p, t.session.id)
        assert state["round"]["state"] == "running"
        assert state["deadline"] == rnd.deadline_ms

        await clock.advance(59.999)
        assert (await p.engine.sessions.get(t.session.id)).round(rid).state == "running"  # type: ignore[union-attr]
        await clock.advance(0.001)
        ended = (await p.engine.sessions.get(t.session.id)).round(rid)
        assert ended is not None and ended.state == "ended"
        assert ended.ended_at == rnd.deadline_ms
        assert (await control(p, t.session.id))["round"]["state"] == "ended"


async def test_a_read_overtaken_by_the_start_does_not_disarm_the_deadline(
        tmp_path: Path) -> None:
    # An event's re-read of the session can come back after a newer change (a busy store):
    # arming from that older read cancelled the running round's timer (CI saw a 2 s round
    # still running 17 s later).
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, duration_s=60)
        before_start = await p.engine.sessions.get(t.session.id)
        await p.engine.agenda.round_action(before_start, t.facilitator, rid, "start")
        p.engine.core.arm(before_start)  # the overtaken read arrives
        await clock.advance(60)
        ended = (await p.engine.sessions.get(t.session.id)).round(rid)
        assert ended is not None and ended.state == "ended"


async def test_pause_keeps_the_remaining_time_and_resume_restores_it(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, duration_s=60)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        await clock.advance(20)
        paused = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                    f, rid, "pause")
        assert paused.state == "paused"
        assert paused.remaining_ms == 40_000
        assert paused.deadline_ms is None

        await clock.advance(600)  # a long pause: the timer must not fire
        assert (await p.engine.sessions.get(sid)).round(rid).state == "paused"  # type: ignore[union-attr]

        resumed = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                     f, rid, "resume")
        assert resumed.deadline_ms == clock.now_ms() + 40_000
        assert resumed.paused_ms == 600_000
        await clock.advance(40)
        assert (await p.engine.sessions.get(sid)).round(rid).state == "ended"  # type: ignore[union-attr]


async def test_extend_moves_the_deadline(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, duration_s=30)
        start = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                   f, rid, "start")
        extended = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                      f, rid, "extend", seconds=45)
        assert extended.deadline_ms == (start.deadline_ms or 0) + 45_000
        assert extended.extended_s == 45
        await clock.advance(30)
        assert (await p.engine.sessions.get(sid)).round(rid).state == "running"  # type: ignore[union-attr]
        await clock.advance(45)
        assert (await p.engine.sessions.get(sid)).round(rid).state == "ended"  # type: ignore[union-attr]


async def test_extend_while_paused_adds_to_the_remaining_time(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, duration_s=30)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "pause")
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                 f, rid, "extend", seconds=10)
        assert rnd.remaining_ms == 40_000


async def test_end_by_hand_cancels_the_timer(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, duration_s=30)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        await clock.advance(5)
        ended = await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "end")
        assert ended.ended_at == clock.now_ms()
        assert clock.pending == 0
        version = (await p.engine.sessions.get(sid)).version
        await clock.advance(60)
        assert (await p.engine.sessions.get(sid)).version == version  # nothing happened


@pytest.mark.parametrize("action", ["pause", "resume", "extend", "end"])
async def test_actions_on_a_planned_round_are_refused(tmp_path: Path, action: str) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t)
        with pytest.raises(WrongPhase):
            await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                               t.facilitator, rid, action, seconds=5)


async def test_an_ended_round_cannot_start_again(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "end")
        with pytest.raises(WrongPhase):
            await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                               t.facilitator, rid, "start")


async def test_only_one_round_runs_at_a_time(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        first, second = await add_round(p.engine, t), await add_round(p.engine, t)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, first, "start")
        with pytest.raises(Conflict):
            await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                               t.facilitator, second, "start")


@pytest.mark.parametrize("action", ["start", "pause", "resume", "extend", "end", "reveal"])
async def test_participants_cannot_drive_the_timer(tmp_path: Path, action: str) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t)
        with pytest.raises(Forbidden):
            await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                               t.people[0], rid, action, seconds=5)


async def test_two_processes_end_the_round_once(tmp_path: Path) -> None:
    clock = ManualClock()
    hub = MemoryHub()
    async with process(tmp_path, clock, hub) as a, process(tmp_path, clock, hub) as b:
        t = await team(a.engine)
        sid = t.session.id
        rid = await add_round(a.engine, t, kind="vote", duration_s=10)
        await a.engine.agenda.round_action(await a.engine.sessions.get(sid),
                                           t.facilitator, rid, "start")
        # b learns of the start through the broker event and arms its own timer.
        await b.engine.sessions.get(sid)
        for _ in range(100):
            if clock.pending >= 2:
                break
            await _turn()
        assert clock.pending == 2
        version = (await a.engine.sessions.get(sid)).version
        await clock.advance(10)
        after = await a.engine.sessions.get(sid)
        assert after.round(rid).state == "ended"  # type: ignore[union-attr]
        # end + publish results: two changes, not four.
        assert after.version == version + 2


async def test_a_running_rounds_deadline_survives_a_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as first:
        t = await team(first.engine)
        rid = await add_round(first.engine, t, duration_s=120)
        started = await first.engine.agenda.round_action(
            await first.engine.sessions.get(t.session.id), t.facilitator, rid, "start")
    await clock.advance(30)  # the server is down for a while: nothing is armed
    async with process(tmp_path, clock) as second:
        rnd = (await second.engine.sessions.get(t.session.id)).round(rid)
        assert rnd is not None and rnd.deadline_ms == started.deadline_ms
        assert clock.pending == 1
        await clock.advance(90)
        rnd = (await second.engine.sessions.get(t.session.id)).round(rid)
        assert rnd is not None and rnd.state == "ended"


async def test_a_deadline_that_passed_while_down_ends_the_round_at_start(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as first:
        t = await team(first.engine)
        rid = await add_round(first.engine, t, duration_s=10)
        await first.engine.agenda.round_action(await first.engine.sessions.get(t.session.id),
                                               t.facilitator, rid, "start")
    await clock.advance(100)
    async with process(tmp_path, clock) as second:
        await clock.advance(0)
        rnd = (await second.engine.sessions.get(t.session.id)).round(rid)
        assert rnd is not None and rnd.state == "ended"
        assert (await control(second, t.session.id))["round"]["state"] == "ended"


async def _turn() -> None:
    import asyncio

    await asyncio.sleep(0)


async def test_a_lease_holder_that_died_does_not_leave_the_round_running(
        tmp_path: Path) -> None:
    clock = ManualClock()
    hub = MemoryHub()
    async with process(tmp_path, clock, hub) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, duration_s=10)
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                                 t.facilitator, rid, "start")
        # Another process took the lease for this deadline and died before the transition.
        assert await p.broker.acquire_once(f"timer:{t.session.id}:{rid}:{rnd.deadline_ms}", 30)
        await clock.advance(10)
        assert (await p.engine.sessions.get(t.session.id)).round(rid).state == "running"  # type: ignore[union-attr]
        # The lease is the memory broker's: it expires on the real monotonic clock, so
        # release it as its expiry would.
        hub.leases.clear()
        await clock.advance(31)
        assert (await p.engine.sessions.get(t.session.id)).round(rid).state == "ended"  # type: ignore[union-attr]


async def test_a_lost_lock_event_is_made_up_for_by_reading_the_store(tmp_path: Path) -> None:
    import asyncio

    clock = ManualClock()
    # Two processes on one store but without a shared broker: every event is "lost".
    async with process(tmp_path, clock) as a, process(tmp_path, clock, reconcile_s=0.02) as b:
        t = await team(a.engine)
        await b.engine.sessions.get(t.session.id)
        assert not b.engine.core.flags(t.session.id).locked  # a connection on b asks
        await a.engine.sessions.set_locked(await a.engine.sessions.get(t.session.id),
                                           t.facilitator, True)
        for _ in range(500):
            if b.engine.core.flags(t.session.id).locked:
                break
            await asyncio.sleep(0.01)
        assert b.engine.core.flags(t.session.id).locked
