"""Dot voting: a budget per participant and round, a maximum per idea, tallies published
only when the round ends or the facilitator opens them, votes only in a voting round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from facilitation_harness import Process, Team, add_round, control, idea, process, team
from sprankel.facilitation.errors import SessionEnded, WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Conflict, Forbidden, NotFound


async def _voting(p: Process, t: Team, **fields: Any) -> tuple[str, list[str]]:
    ideas = [(await idea(p.engine, t, t.people[0], f"Idea {n}"))["id"] for n in range(4)]
    rid = await add_round(p.engine, t, kind="vote", **fields)
    await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                       t.facilitator, rid, "start")
    return rid, ideas


async def test_budget_can_be_spent_exactly_and_not_beyond(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, ann = t.session.id, t.people[0]
        _, ideas = await _voting(p, t, vote_budget=3, max_votes_per_idea=2)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[0], 2)
        mine = await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[1], 1)
        assert mine["used"] == 3 and mine["left"] == 0
        with pytest.raises(Conflict) as refused:
            await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[2], 1)
        assert refused.value.error == "vote_budget_spent"
        # Moving a dot is fine: take one back, place it elsewhere.
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[0], 1)
        mine = await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[2], 1)
        assert mine["votes"] == {ideas[0]: 1, ideas[1]: 1, ideas[2]: 1}


async def test_maximum_per_idea(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        _, ideas = await _voting(p, t, vote_budget=5, max_votes_per_idea=2)
        await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                       t.people[0], ideas[0], 2)
        with pytest.raises(Conflict) as refused:
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], ideas[0], 3)
        assert refused.value.error == "max_votes_per_idea"


async def test_zero_takes_the_dots_back(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        _, ideas = await _voting(p, t)
        await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                       t.people[0], ideas[0], 2)
        mine = await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                              t.people[0], ideas[0], 0)
        assert mine["votes"] == {} and mine["left"] == 5


async def test_session_budget_applies_when_the_round_sets_none(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, vote_budget=2)
        _, ideas = await _voting(p, t)
        await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                       t.people[0], ideas[0], 2)
        with pytest.raises(Conflict):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], ideas[1], 1)


async def test_tallies_stay_hidden_until_the_round_ends(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid = t.session.id
        _rid, ideas = await _voting(p, t, duration_s=60)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), t.people[0], ideas[0], 2)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), t.people[1], ideas[0], 1)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), t.people[1], ideas[3], 1)
        state = await control(p, sid)
        assert state["round"]["tallies"] is None
        assert ideas[0] not in str(state)  # no partial counts anywhere
        await clock.advance(60)
        state = await control(p, sid)
        assert state["round"]["tallies"] == {ideas[0]: 3, ideas[3]: 1}
        assert state["round"]["revealed"] is True


async def test_the_facilitator_can_open_tallies_early(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid = t.session.id
        rid, ideas = await _voting(p, t)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), t.people[0], ideas[1], 1)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                           t.facilitator, rid, "reveal")
        assert (await control(p, sid))["round"]["tallies"] == {ideas[1]: 1}
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid),
                                       t.people[1], ideas[1], 2)  # once open, they stay live
        assert (await control(p, sid))["round"]["tallies"] == {ideas[1]: 3}


async def test_who_voted_for_what_never_reaches_the_control_document(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid = t.session.id
        rid, ideas = await _voting(p, t)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), t.people[0], ideas[0], 1)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                           t.facilitator, rid, "end")
        text = str(await control(p, sid))
        assert t.people[0].id not in text and "Person 0" not in text


async def test_votes_outside_a_voting_round_are_refused(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        x = await idea(p.engine, t, t.people[0], "An idea")
        with pytest.raises(WrongPhase):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], x["id"], 1)
        rid = await add_round(p.engine, t, kind="vote")
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "pause")
        with pytest.raises(WrongPhase):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], x["id"], 1)


async def test_votes_for_an_unknown_idea_are_refused(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        await _voting(p, t)
        with pytest.raises(NotFound):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], "nope", 1)


async def test_observers_cannot_vote(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=1, observers=1)
        _, ideas = await _voting(p, t)
        with pytest.raises(Forbidden):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[1], ideas[0], 1)


async def test_no_votes_after_the_session_ended(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        _, ideas = await _voting(p, t)
        await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                       t.people[0], ideas[0], 1)
        session = await p.engine.sessions.end(await p.engine.sessions.get(t.session.id),
                                              t.facilitator)
        assert session.rounds[0].tallies == {ideas[0]: 1}  # ending published them
        with pytest.raises(SessionEnded):
            await p.engine.votes.set_votes(await p.engine.sessions.get(t.session.id),
                                           t.people[0], ideas[0], 1)


async def test_ratings_average_per_idea_when_the_round_ends(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid = t.session.id
        x = await idea(p.engine, t, t.people[0], "Rate me")
        rid = await add_round(p.engine, t, kind="rate")
        with pytest.raises(WrongPhase):
            await p.engine.votes.set_rating(await p.engine.sessions.get(sid),
                                            t.people[0], x["id"], 5, 5)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                           t.facilitator, rid, "start")
        await p.engine.votes.set_rating(await p.engine.sessions.get(sid),
                                        t.people[0], x["id"], 5, 2)
        await p.engine.votes.set_rating(await p.engine.sessions.get(sid),
                                        t.people[1], x["id"], 4, 3)
        assert (await control(p, sid))["round"]["ratings"] is None
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                           t.facilitator, rid, "end")
        ratings = (await control(p, sid))["round"]["ratings"]
        assert ratings == {x["id"]: {"originality": 4.5, "feasibility": 2.5, "count": 2}}


async def test_the_facilitator_sees_live_how_many_placed_all_some_or_none_of_their_dots(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=3)
        sid = t.session.id
        ann, bob, _ = t.people
        rid, ideas = await _voting(p, t, vote_budget=3)
        progress = (await control(p, sid))["vote_progress"]
        assert progress == {"round_id": rid, "participants": 3, "all": 0, "some": 0,
                            "none": 3}
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[0], 2)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[1], 1)
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), bob, ideas[0], 1)
        state = await control(p, sid)
        assert {k: state["vote_progress"][k] for k in ("all", "some", "none")} == {
            "all": 1, "some": 1, "none": 1}
        # Counts only: nobody's id and no idea's id is in it, and no tally before the end.
        text = str(state["vote_progress"])
        assert all(person.id not in text for person in t.people)
        assert all(i not in text for i in ideas)
        assert state["round"]["tallies"] is None
        await p.engine.votes.set_votes(await p.engine.sessions.get(sid), ann, ideas[1], 0)
        assert (await control(p, sid))["vote_progress"]["some"] == 2
