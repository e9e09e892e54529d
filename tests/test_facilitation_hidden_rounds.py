"""Hidden rounds: ideas wait in their author's drafts until reveal, the facilitator may
hold one back (never shown, only counted), and anonymous rounds carry no author."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import (
    add_round,
    board_ideas,
    control,
    draft_ideas,
    hidden_ideas,
    idea,
    process,
    team,
)
from sprankel.facilitation.errors import WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Forbidden, NotFound


async def test_hidden_ideas_reach_the_board_only_at_reveal(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f, (ann, bob) = t.session.id, t.facilitator, t.people
        rid = await add_round(p.engine, t, hidden=True, auto_reveal=False)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        a = await idea(p.engine, t, ann, "Virtual coffee roulette")
        await idea(p.engine, t, bob, "Walking meetings by phone")
        assert a["hidden"] is True
        assert await board_ideas(p, sid) == []
        assert [i["text"] for i in await draft_ideas(p, sid, ann.id)] == ["Virtual coffee roulette"]

        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "end")
        assert await board_ideas(p, sid) == []  # manual reveal: still hidden after the end
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")
        assert rnd.revealed
        texts = sorted(i["text"] for i in await board_ideas(p, sid))
        assert texts == ["Virtual coffee roulette", "Walking meetings by phone"]
        on_board = {i["text"]: i for i in await board_ideas(p, sid)}
        assert on_board["Virtual coffee roulette"]["author_name"] == "Person 0"
        assert on_board["Virtual coffee roulette"]["round_id"] == rid
        assert await draft_ideas(p, sid, ann.id) == []
        assert (await control(p, sid))["round"]["revealed"] is True


async def test_hidden_round_reveals_itself_at_the_deadline(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True, duration_s=30, auto_reveal=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        await idea(p.engine, t, t.people[0], "Team radio")
        await clock.advance(30)
        assert [i["text"] for i in await board_ideas(p, t.session.id)] == ["Team radio"]


async def test_held_back_idea_is_never_shown_and_is_counted(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine)
        sid, f, (ann, bob) = t.session.id, t.facilitator, t.people
        rid = await add_round(p.engine, t, hidden=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        await idea(p.engine, t, ann, "Shared playlist")
        rude = await idea(p.engine, t, bob, "Something abusive")
        hidden = await hidden_ideas(p.engine, sid, f)
        assert {i["text"] for i in hidden} == {"Shared playlist", "Something abusive"}
        await p.engine.hidden.hold_back(await p.engine.sessions.get(sid), f, rude["id"], True)
        assert [i["id"] for i in await hidden_ideas(p.engine, sid, f) if i["held_back"]] == [
            rude["id"]]

        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")
        assert [i["text"] for i in await board_ideas(p, sid)] == ["Shared playlist"]
        assert rnd.held_back_count == 1
        assert (await control(p, sid))["round"]["held_back_count"] == 1
        # Bob still has it, and sees that it is held back; nobody else can read drafts.
        assert [i["text"] for i in await draft_ideas(p, sid, bob.id)] == ["Something abusive"]
        assert await p.engine.hidden.mine(await p.engine.sessions.get(sid), bob) == [
            {"id": rude["id"], "round_id": rid, "state": "held_back"}]


async def test_released_idea_is_revealed_after_all(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, hidden=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        x = await idea(p.engine, t, t.people[0], "Borderline")
        await p.engine.hidden.hold_back(await p.engine.sessions.get(sid), f, x["id"], True)
        await p.engine.hidden.hold_back(await p.engine.sessions.get(sid), f, x["id"], False)
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")
        assert [i["text"] for i in await board_ideas(p, sid)] == ["Borderline"]
        assert rnd.held_back_count == 0


async def test_only_the_facilitator_sees_and_holds_back_hidden_ideas(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid = t.session.id
        rid = await add_round(p.engine, t, hidden=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                           t.facilitator, rid, "start")
        x = await idea(p.engine, t, t.people[0], "Mine")
        with pytest.raises(Forbidden):
            await hidden_ideas(p.engine, sid, t.people[1])
        with pytest.raises(Forbidden):
            await p.engine.hidden.hold_back(await p.engine.sessions.get(sid),
                                            t.people[1], x["id"], True)


async def test_holding_back_needs_a_hidden_idea_before_reveal(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, hidden=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        with pytest.raises(NotFound):
            await p.engine.hidden.hold_back(await p.engine.sessions.get(sid),
                                            f, "no-such-idea", True)
        x = await idea(p.engine, t, t.people[0], "Late")
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")
        with pytest.raises(NotFound):  # on the board: no longer a hidden idea
            await p.engine.hidden.hold_back(await p.engine.sessions.get(sid), f, x["id"], True)
        with pytest.raises(WrongPhase):
            await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")


async def test_anonymous_round_puts_no_author_on_the_board(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t, hidden=True, anonymous=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        await idea(p.engine, t, t.people[0], "Nameless")
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "reveal")
        [on_board] = await board_ideas(p, sid)
        assert on_board["author_id"] is None and on_board["author_name"] is None


async def test_anonymous_session_puts_no_author_on_open_ideas(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, anonymous=True)
        rid = await add_round(p.engine, t)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        x = await idea(p.engine, t, t.people[0], "Open but nameless")
        assert x["hidden"] is False
        [on_board] = await board_ideas(p, t.session.id)
        assert on_board["author_id"] is None and on_board["author_name"] is None


async def test_observers_cannot_add_ideas(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=1, observers=1)
        with pytest.raises(Forbidden):
            await idea(p.engine, t, t.people[1], "Watching only")


async def test_locked_board_refuses_participant_ideas_but_not_the_facilitators(
        tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        await p.engine.sessions.set_locked(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, True)
        with pytest.raises(WrongPhase):
            await idea(p.engine, t, t.people[0], "Too late")
        await idea(p.engine, t, t.facilitator, "Summary card")
        await p.engine.sessions.set_locked(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, False)
        await idea(p.engine, t, t.people[0], "Now it works")
        assert len(await board_ideas(p, t.session.id)) == 2


async def test_a_vote_round_takes_no_ideas(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, kind="vote")
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        with pytest.raises(WrongPhase):
            await idea(p.engine, t, t.people[0], "Sneaky")


async def test_ending_the_session_reveals_a_running_auto_reveal_round(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True, auto_reveal=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        await idea(p.engine, t, t.people[0], "Last minute")
        session = await p.engine.sessions.end(await p.engine.sessions.get(t.session.id),
                                              t.facilitator)
        assert session.rounds[0].revealed
        assert [i["text"] for i in await board_ideas(p, t.session.id)] == ["Last minute"]


async def test_moderating_an_anonymous_round_shows_no_authors(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, hidden=True, anonymous=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        await idea(p.engine, t, t.people[0], "Said by someone")
        [hidden] = await hidden_ideas(p.engine, t.session.id, t.facilitator)
        assert hidden["author_id"] is None and hidden["author_name"] is None


async def test_revealed_drafts_keep_only_values_the_board_expects(tmp_path: Path) -> None:
    from pycrdt import Map

    from sprankel.facilitation import documents as docs

    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        ann = t.people[0]
        rid = await add_round(p.engine, t, hidden=True)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")

        def forged(doc: object) -> None:
            p_doc = doc  # a browser may write anything into its own drafts
            p_doc.get("ideas", type=Map)["x"] = Map({  # type: ignore[attr-defined]
                "text": "Hi", "round_id": rid, "author_id": t.people[1].id,
                "author_name": "Somebody else", "color": "javascript:alert(1)",
                "created_at": "yesterday", "cluster_id": "c"})

        await p.rooms.apply_server_change(docs.drafts_name(t.session.id, ann.id), forged)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "reveal")
        [on_board] = await board_ideas(p, t.session.id)
        assert on_board["author_id"] == ann.id and on_board["author_name"] == "Person 0"
        assert on_board["color"] == "yellow" and on_board["created_at"] is None
        assert on_board["cluster_id"] is None
