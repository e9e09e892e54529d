"""Brainwriting 6-3-5: everyone writes on their own sheet, the server passes every sheet
on at each deadline, and the sheets reach the board only after the last rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import Process, add_round, board_ideas, idea, process, team
from sprankel.facilitation import documents as docs
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Conflict


async def _sheet(p: Process, sid: str, pid: str) -> dict[str, object]:
    return await p.rooms.read(docs.drafts_name(sid, pid), docs.read_sheet)


async def test_sheets_rotate_and_are_revealed_after_the_last_turn(tmp_path: Path) -> None:
    clock = ManualClock()
    async with process(tmp_path, clock) as p:
        t = await team(p.engine, participants=3)
        sid = t.session.id
        rid = await add_round(p.engine, t, kind="brainwrite", duration_s=60, ideas_per_sheet=2,
                             auto_reveal=True)
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(sid),
                                                 t.facilitator, rid, "start")
        # Sheets travel along the order fixed at the start.
        by_id = {who.id: who for who in t.people}
        ann, bob, cleo = (by_id[pid] for pid in rnd.sheet_order)
        assert rnd.hidden and rnd.rotations == 2 and rnd.rotation == 0
        ann_sheet = await _sheet(p, sid, ann.id)
        assert ann_sheet["rotation"] == 0 and ann_sheet["ideas"] == []

        await idea(p.engine, t, ann, "Coffee roulette")
        await clock.advance(1)
        await idea(p.engine, t, ann, "Lunch walk")
        with pytest.raises(Conflict) as refused:
            await idea(p.engine, t, ann, "Third is too many")
        assert refused.value.error == "sheet_full"

        await clock.advance(59)  # first pass: Ann's sheet goes to Bob
        bob_sheet = await _sheet(p, sid, bob.id)
        assert bob_sheet["id"] == ann_sheet["id"] and bob_sheet["rotation"] == 1
        assert [i["text"] for i in bob_sheet["ideas"]] == ["Coffee roulette", "Lunch walk"]  # type: ignore[attr-defined]
        assert await board_ideas(p, sid) == []
        await idea(p.engine, t, bob, "Coffee roulette across teams")

        await clock.advance(60)  # second pass: Ann's sheet goes to Cleo
        cleo_sheet = await _sheet(p, sid, cleo.id)
        assert cleo_sheet["id"] == ann_sheet["id"]
        assert len(cleo_sheet["ideas"]) == 3  # type: ignore[arg-type]
        assert await board_ideas(p, sid) == []

        await clock.advance(60)  # last turn over: the round ends and reveals
        ended = (await p.engine.sessions.get(sid)).round(rid)
        assert ended is not None and ended.state == "ended" and ended.revealed
        texts = sorted(i["text"] for i in await board_ideas(p, sid))
        assert texts == ["Coffee roulette", "Coffee roulette across teams", "Lunch walk"]
        assert await _sheet(p, sid, cleo.id) == {}


async def test_rotations_are_capped_at_five(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=8)
        rid = await add_round(p.engine, t, kind="brainwrite")
        rnd = await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                                 t.facilitator, rid, "start")
        assert rnd.rotations == 5


async def test_a_latecomer_holds_no_sheet(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, participants=2)
        rid = await add_round(p.engine, t, kind="brainwrite")
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        late = await team_member(p, t.session.id, t.session.join_code)
        with pytest.raises(Conflict) as refused:
            await p.engine.ideas.add(await p.engine.sessions.get(t.session.id), late,
                                     {"text": "Hi", "round_id": None, "cluster_id": None,
                                      "color": "yellow"})
        assert refused.value.error == "no_sheet"


async def team_member(p: Process, sid: str, code: str):  # type: ignore[no-untyped-def]
    who, _ = await p.engine.sessions.join(sid, {"name": "Late", "join_code": code,
                                                "role": "participant"})
    return who
