"""The agenda: rounds are added, changed and deleted by the facilitator within the
rules of their phase; warm-up rounds get an icebreaker in the session's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitation_harness import add_round, control, process, team
from sprankel.facilitation import validation
from sprankel.facilitation.errors import SessionEnded, WrongPhase
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.errors import Forbidden, NotFound
from sprankel.kernel.icebreakers import ICEBREAKERS


async def test_warmup_gets_an_icebreaker_in_the_sessions_language(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)  # the default language is Dutch
        rid = await add_round(p.engine, t, kind="warmup", prompt="")
        rnd = (await p.engine.sessions.get(t.session.id)).round(rid)
        assert rnd is not None and rnd.icebreaker in ICEBREAKERS["nl"]
        assert rnd.prompt == rnd.icebreaker


async def test_warmup_keeps_the_facilitators_own_question(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t, kind="warmup", prompt="Hoe gaat het?",
                              icebreaker="Wat eet je vandaag?")
        rnd = (await p.engine.sessions.get(t.session.id)).round(rid)
        assert rnd is not None and rnd.icebreaker == "Wat eet je vandaag?"
        assert rnd.prompt == "Hoe gaat het?"


def test_both_languages_have_the_same_questions() -> None:
    assert len(ICEBREAKERS["nl"]) == len(ICEBREAKERS["en"]) >= 10


async def test_agenda_changes_reach_the_control_document(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        first = await add_round(p.engine, t, prompt="One")
        second = await add_round(p.engine, t, prompt="Two")
        await p.engine.agenda.update_round(await p.engine.sessions.get(sid),
                                           f, first, validation.round_fields(
            {"prompt": "One, better", "duration_s": 90}, partial=True))
        await p.engine.agenda.delete_round(await p.engine.sessions.get(sid), f, second)
        agenda = (await control(p, sid))["agenda"]
        assert [(r["prompt"], r["duration_s"]) for r in agenda] == [("One, better", 90)]


async def test_a_running_round_keeps_its_kind_and_time(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        sid, f = t.session.id, t.facilitator
        rid = await add_round(p.engine, t)
        await p.engine.agenda.round_action(await p.engine.sessions.get(sid), f, rid, "start")
        with pytest.raises(WrongPhase):
            await p.engine.agenda.update_round(await p.engine.sessions.get(sid),
                                               f, rid, {"duration_s": 5})
        with pytest.raises(WrongPhase):
            await p.engine.agenda.delete_round(await p.engine.sessions.get(sid), f, rid)
        rnd = await p.engine.agenda.update_round(await p.engine.sessions.get(sid),
                                                 f, rid, {"prompt": "Clearer"})
        assert rnd.prompt == "Clearer"


async def test_participants_cannot_change_the_agenda(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t)
        fields = validation.round_fields({"kind": "ideate", "prompt": "x", "duration_s": 5},
                                         partial=False)
        with pytest.raises(Forbidden):
            await p.engine.agenda.add_round(await p.engine.sessions.get(t.session.id),
                                            t.people[0], fields)
        with pytest.raises(Forbidden):
            await p.engine.agenda.update_round(await p.engine.sessions.get(t.session.id),
                                               t.people[0], rid, {"prompt": "y"})
        with pytest.raises(Forbidden):
            await p.engine.agenda.delete_round(await p.engine.sessions.get(t.session.id),
                                               t.people[0], rid)


async def test_unknown_rounds_are_not_found(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        with pytest.raises(NotFound):
            await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                               t.facilitator, "nope", "start")


async def test_an_ended_session_takes_no_changes_and_no_joins(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        rid = await add_round(p.engine, t)
        await p.engine.agenda.round_action(await p.engine.sessions.get(t.session.id),
                                           t.facilitator, rid, "start")
        session = await p.engine.sessions.end(await p.engine.sessions.get(t.session.id),
                                              t.facilitator)
        assert session.rounds[0].state == "ended"  # ending the session ends its round
        with pytest.raises(SessionEnded):
            await add_round(p.engine, t)
        with pytest.raises(SessionEnded):
            await p.engine.sessions.set_locked(await p.engine.sessions.get(t.session.id),
                                               t.facilitator, True)
        with pytest.raises(SessionEnded):
            await p.engine.sessions.join(t.session.id, {"name": "Late", "role": "participant",
                                                        "join_code": t.session.join_code})
        assert p.engine.core.flags(t.session.id).ended


async def test_a_wrong_join_code_is_refused(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine)
        with pytest.raises(Forbidden):
            await p.engine.sessions.join(t.session.id, {"name": "Eve", "join_code": "guess",
                                                        "role": "participant"})


async def test_observers_can_be_turned_away(tmp_path: Path) -> None:
    async with process(tmp_path, ManualClock()) as p:
        t = await team(p.engine, allow_observers=False)
        with pytest.raises(Forbidden):
            await p.engine.sessions.join(t.session.id, {"name": "Obs", "role": "observer",
                                                        "join_code": t.session.join_code})
