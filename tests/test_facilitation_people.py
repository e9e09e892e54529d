"""The rules of who is in a session, on the engine with a manual clock: tokens expire on
time, participants' some hours after the end (facilitators' not), a removal is at once
and for good, co-facilitators get and lose the facilitator's rights (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import process, team
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Conflict, Forbidden, NotFound, Unauthorized


async def test_tokens_expire_on_the_clock(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        engine = p.engine
        t = await team(engine, participants=1)
        ann = t.people[0]
        token = engine.sessions.token_for(ann)
        await engine.sessions.authenticate(t.session.id, token)
        await clock.advance(engine.core.signer.lifetimes.session_ms / 1000)
        with pytest.raises(Unauthorized, match="expired"):
            await engine.sessions.authenticate(t.session.id, token)


async def test_participants_tokens_end_some_hours_after_the_session(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        engine = p.engine
        t = await team(engine, participants=1, observers=1)
        tokens = [engine.sessions.token_for(who) for who in (t.facilitator, *t.people)]
        session = await engine.sessions.end(await engine.sessions.get(t.session.id),
                                            t.facilitator)
        after_end_s = engine.core.signer.lifetimes.after_end_ms / 1000
        await clock.advance(after_end_s - 1)
        for token in tokens:  # still everyone, read-only
            await engine.sessions.authenticate(session.id, token)
        await clock.advance(1)
        await engine.sessions.authenticate(session.id, tokens[0])  # the facilitator's export
        for token in tokens[1:]:
            with pytest.raises(Unauthorized, match="expired"):
                await engine.sessions.authenticate(session.id, token)


async def test_a_removal_is_at_once_idempotent_and_for_good(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        engine = p.engine
        t = await team(engine, participants=2)
        ann, bob = t.people
        session = await engine.sessions.get(t.session.id)
        seen: list[str] = []

        async def told(s: object, by: object, removed: object) -> None:
            seen.append(getattr(removed, "id", ""))

        engine.people.on_removed.append(told)
        token = engine.sessions.token_for(ann)
        with pytest.raises(Forbidden):
            await engine.people.remove(session, bob, ann.id)  # not a facilitator
        with pytest.raises(Forbidden):
            await engine.people.remove(session, t.facilitator, t.facilitator.id)
        with pytest.raises(NotFound):
            await engine.people.remove(session, t.facilitator, "nobody")
        first = await engine.people.remove(session, t.facilitator, ann.id)
        await clock.advance(5)
        again = await engine.people.remove(session, t.facilitator, ann.id)
        assert first.removed_at == again.removed_at and seen == [ann.id]  # told once
        with pytest.raises(Unauthorized, match="removed"):
            await engine.sessions.authenticate(session.id, token)
        with pytest.raises(NotFound):  # a removed participant cannot be promoted
            await engine.people.set_facilitator(session, t.facilitator, ann.id, True)


async def test_co_facilitators(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        engine = p.engine
        t = await team(engine, participants=1, observers=1)
        ann, olga = t.people
        session = await engine.sessions.get(t.session.id)
        made = await engine.people.set_facilitator(session, t.facilitator, ann.id, True)
        assert made.role == "facilitator"
        _, ann_now = await engine.sessions.authenticate(session.id,
                                                        engine.sessions.token_for(ann))
        locked = await engine.sessions.set_locked(session, ann_now, True)
        assert locked.locked
        with pytest.raises(Forbidden):
            await engine.people.set_facilitator(session, ann_now, t.facilitator.id, False)
        with pytest.raises(Conflict):
            await engine.people.set_facilitator(session, t.facilitator, olga.id, True)
        undone = await engine.people.set_facilitator(session, t.facilitator, ann.id, False)
        assert undone.role == "participant"
        with pytest.raises(Forbidden):
            await engine.sessions.set_locked(session, undone, False)
