"""Reveal is a step of its own: ending a hidden round closes writing, the facilitator
reviews (hold back, release, merge duplicates) and reveals all at once or one by one;
a held-back idea can be released later, until the session ends; its author sees what
became of each of her ideas."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import (
    Process,
    Team,
    add_round,
    board_ideas,
    control,
    draft_ideas,
    hidden_ideas,
    idea,
    process,
    team,
)
from sprankel.facilitation.errors import SessionEnded, WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Invalid, NotFound


async def _act(p: Process, t: Team, rid: str, action: str) -> None:
    await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                       t.facilitator, rid, action)


async def _texts(p: Process, t: Team) -> list[str]:
    return sorted(i["text"] for i in await board_ideas(p, t.session.id))


async def _states(p: Process, t: Team) -> dict[str, str]:
    return {i["text"]: i["state"] for i in await hidden_ideas(p.engine, t.session.id,
                                                               t.facilitator)}


async def test_the_end_closes_writing_and_the_timer_reveals_nothing(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        ann = t.people[0]
        rid = await add_round(p.engine, t, hidden=True, duration_s=30)  # auto_reveal off
        await _act(p, t, rid, "start")
        x = await idea(p.engine, t, ann, "Coffee roulette")
        session = await p.engine.sessions.get(t.session.id)
        assert await p.engine.hidden.mine(session, ann) == [
            {"id": x["id"], "round_id": rid, "state": "writing"}]
        await clock.advance(30)  # the deadline ends the round

        assert await _texts(p, t) == []
        state = await control(p, t.session.id)
        assert state["round"]["state"] == "ended" and state["round"]["awaiting_reveal"] is True
        # The review list keeps the ended round's ideas; the author sees them waiting.
        assert await _states(p, t) == {"Coffee roulette": "waiting"}
        session = await p.engine.sessions.get(t.session.id)
        assert await p.engine.hidden.mine(session, ann) == [
            {"id": x["id"], "round_id": rid, "state": "waiting"}]
        with pytest.raises(WrongPhase):  # writing has closed
            await idea(p.engine, t, ann, "Too late", round_id=rid)

        await _act(p, t, rid, "reveal")
        assert await _texts(p, t) == ["Coffee roulette"]
        assert (await control(p, t.session.id))["round"]["awaiting_reveal"] is False
        assert await p.engine.hidden.mine(await p.engine.sessions.get(t.session.id), ann) == []


async def test_ideas_are_revealed_one_at_a_time_once_writing_has_closed(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        ann, bob = t.people
        rid = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        first = await idea(p.engine, t, ann, "First")
        await idea(p.engine, t, bob, "Second")
        with pytest.raises(WrongPhase):  # still running: its author may still change it
            await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                             t.facilitator, first["id"])
        await _act(p, t, rid, "end")
        await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                         t.facilitator, first["id"])
        assert await _texts(p, t) == ["First"]
        assert await _states(p, t) == {"Second": "waiting"}
        assert (await control(p, t.session.id))["round"]["revealed"] is False
        with pytest.raises(NotFound):  # on the board now
            await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                             t.facilitator, first["id"])

        await _act(p, t, rid, "reveal")  # the rest at once
        assert await _texts(p, t) == ["First", "Second"]
        assert (await control(p, t.session.id))["round"]["revealed"] is True


async def test_revealing_the_last_waiting_idea_completes_the_reveal(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        only = await idea(p.engine, t, t.people[0], "Only one")
        await _act(p, t, rid, "end")
        await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                         t.facilitator, only["id"])
        assert (await control(p, t.session.id))["round"]["revealed"] is True


async def test_a_held_back_idea_waits_with_its_author_and_is_released_later(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        ann, bob = t.people
        rid = await add_round(p.engine, t, hidden=True)
        later = await add_round(p.engine, t)
        await _act(p, t, rid, "start")
        await idea(p.engine, t, ann, "Kind")
        rude = await idea(p.engine, t, bob, "Borderline")
        await _act(p, t, rid, "end")
        await p.engine.hidden.hold_back(await p.engine.sessions.get(t.session.id),
                                        t.facilitator, rude["id"], True)
        with pytest.raises(WrongPhase):  # held back: release it first
            await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                             t.facilitator, rude["id"])
        await _act(p, t, rid, "reveal")
        assert await _texts(p, t) == ["Kind"]
        assert [i["text"] for i in await draft_ideas(p, t.session.id, bob.id)] == ["Borderline"]
        session = await p.engine.sessions.get(t.session.id)
        assert await p.engine.hidden.mine(session, bob) == [
            {"id": rude["id"], "round_id": rid, "state": "held_back"}]
        assert await p.engine.hidden.mine(session, ann) == []
        assert rounds_of(session)[rid]["held_back_count"] == 1
        with pytest.raises(WrongPhase):  # after the reveal nothing more is held back
            await p.engine.hidden.hold_back(session, t.facilitator, rude["id"], True)

        # Another round runs; the held-back idea is still in review, and released.
        await _act(p, t, later, "start")
        await _act(p, t, later, "end")
        assert await _states(p, t) == {"Borderline": "held_back"}
        await p.engine.hidden.hold_back(await p.engine.sessions.get(t.session.id),
                                        t.facilitator, rude["id"], False)
        assert await _texts(p, t) == ["Borderline", "Kind"]
        [released] = [i for i in await board_ideas(p, t.session.id) if i["text"] == "Borderline"]
        assert released["round_id"] == rid and released["author_name"] == "Person 1"
        assert await draft_ideas(p, t.session.id, bob.id) == []
        assert await _states(p, t) == {}
        session = await p.engine.sessions.get(t.session.id)
        assert rounds_of(session)[rid]["held_back_count"] == 0


async def test_a_held_back_idea_can_no_longer_be_released_once_the_session_ended(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        rude = await idea(p.engine, t, t.people[0], "Rude")
        await p.engine.hidden.hold_back(await p.engine.sessions.get(t.session.id),
                                        t.facilitator, rude["id"], True)
        await _act(p, t, rid, "reveal")
        ended = await p.engine.sessions.end(await p.engine.sessions.get(t.session.id),
                                            t.facilitator)
        with pytest.raises(SessionEnded):
            await p.engine.hidden.hold_back(ended, t.facilitator, rude["id"], False)
        assert await _texts(p, t) == []
        assert rounds_of(ended)[rid]["held_back_count"] == 1


async def test_ending_the_session_reveals_nothing_the_facilitator_did_not_reveal(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        await idea(p.engine, t, t.people[0], "Never reviewed")
        await p.engine.sessions.end(await p.engine.sessions.get(t.session.id), t.facilitator)
        assert await _texts(p, t) == []


async def test_merged_duplicates_go_onto_the_board_as_one_idea(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=3)
        ann, bob, cleo = t.people
        rid = await add_round(p.engine, t, hidden=True)
        other = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        kept = await idea(p.engine, t, ann, "Coffee roulette")
        dup = await idea(p.engine, t, bob, "coffee roulette!")
        dup2 = await idea(p.engine, t, cleo, "Random coffee pairs")
        session = await p.engine.sessions.get(t.session.id)
        with pytest.raises(Invalid):
            await p.engine.hidden.merge(session, t.facilitator, kept["id"], kept["id"])
        with pytest.raises(NotFound):
            await p.engine.hidden.merge(session, t.facilitator, kept["id"], "no-such-idea")
        await p.engine.hidden.merge(session, t.facilitator, dup["id"], kept["id"])
        await p.engine.hidden.merge(session, t.facilitator, dup2["id"], kept["id"])
        assert await _states(p, t) == {"Coffee roulette": "waiting",
                                       "coffee roulette!": "merged",
                                       "Random coffee pairs": "merged"}
        with pytest.raises(WrongPhase):  # a duplicate is not a target
            await p.engine.hidden.merge(session, t.facilitator, kept["id"], dup["id"])
        # Release undoes a merge.
        await p.engine.hidden.hold_back(session, t.facilitator, dup2["id"], False)
        assert (await _states(p, t))["Random coffee pairs"] == "waiting"
        session = await p.engine.sessions.get(t.session.id)
        assert await p.engine.hidden.mine(session, bob) == [
            {"id": dup["id"], "round_id": rid, "state": "merged"}]

        await _act(p, t, rid, "end")
        await p.engine.hidden.reveal_one(await p.engine.sessions.get(t.session.id),
                                         t.facilitator, kept["id"])
        assert await _texts(p, t) == ["Coffee roulette"]
        assert await draft_ideas(p, t.session.id, bob.id) == []  # folded into Ann's
        await _act(p, t, rid, "reveal")
        assert await _texts(p, t) == ["Coffee roulette", "Random coffee pairs"]
        state = rounds_of(await p.engine.sessions.get(t.session.id))[rid]
        assert state["merged_count"] == 1 and state["held_back_count"] == 0

        # Ideas of two rounds are never merged.
        await _act(p, t, other, "start")
        late = await idea(p.engine, t, ann, "Coffee roulette again")
        with pytest.raises(NotFound):
            await p.engine.hidden.merge(await p.engine.sessions.get(t.session.id),
                                        t.facilitator, late["id"], kept["id"])


async def test_only_the_facilitator_reveals_one_or_merges(tmp_path: Path) -> None:
    from sprankel.kernel.errors import Forbidden

    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True)
        await _act(p, t, rid, "start")
        a = await idea(p.engine, t, t.people[0], "A")
        b = await idea(p.engine, t, t.people[1], "B")
        await _act(p, t, rid, "end")
        session = await p.engine.sessions.get(t.session.id)
        with pytest.raises(Forbidden):
            await p.engine.hidden.reveal_one(session, t.people[0], a["id"])
        with pytest.raises(Forbidden):
            await p.engine.hidden.merge(session, t.people[0], a["id"], b["id"])
        assert await _texts(p, t) == []


def rounds_of(session: object) -> dict[str, dict[str, object]]:
    from sprankel.facilitation.control import public_round
    from sprankel.facilitation.model import Session

    assert isinstance(session, Session)
    return {r.id: public_round(r) for r in session.rounds}
