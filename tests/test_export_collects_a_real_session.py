"""The export reads what the facilitation engine and the clients wrote, and nothing hidden.

A session is run through the real engine (SQLite store, memory broker, rooms, a manual
clock), the board is edited as a browser would (clusters, notes, whiteboard elements),
and the export is collected live (through the rooms), offline (from the store alone,
as `sprankel export` does) and through the command function.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Array, Doc, Map

from sprankel.broker.memory import MemoryBroker
from sprankel.config import Settings
from sprankel.export import render
from sprankel.export.collect import SessionNotFound, collect
from sprankel.export.command import run_export
from sprankel.export.sources import LiveSource, StoreSource
from sprankel.facilitation import Engine
from sprankel.facilitation import validation as v
from sprankel.facilitation.model import Participant
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.tokens import TokenSigner
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager

START_MS = 1_800_000_000_000  # the manual clock's start: 2027-01-15T08:00:00Z
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@dataclass
class World:
    store: SQLiteStore
    rooms: RoomManager
    engine: Engine
    clock: ManualClock
    data_dir: Path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = SQLiteStore(tmp_path / "sprankel.sqlite3")
    broker = MemoryBroker()
    await store.start()
    await broker.start()
    rooms = RoomManager(store, broker, grace_s=0.1, outbox_limit=1 << 20)
    clock = ManualClock(START_MS)
    engine = Engine(store, broker, rooms, TokenSigner(b"k" * 32), clock)
    await engine.start()
    yield World(store, rooms, engine, clock, tmp_path)
    await engine.stop()
    await rooms.shutdown()
    await broker.close()
    await store.close()


@dataclass
class Ran:
    sid: str
    facilitator: Participant
    people: list[Participant]
    rounds: dict[str, str]  # kind -> round id
    board_ideas: dict[str, str]  # text -> idea id
    held_back_text: str
    unrevealed_text: str


async def run_session(w: World) -> Ran:
    e = w.engine
    session, fac, _ = await e.sessions.create(v.new_session({
        "title": "Koffiehoek voor thuiswerkers", "goal": "Het praatje bij de koffie terug",
        "language": "nl", "facilitator_name": "Fien",
        "settings": {"retention_days": 365, "vote_budget": 4},
    }))
    sid = session.id
    people = [
        (await e.sessions.join(sid, v.join({"name": name, "join_code": session.join_code})))[0]
        for name in ("Anna", "Bram", "Zoë")
    ]
    await e.sessions.join(sid, v.join({"name": "Olaf", "join_code": session.join_code,
                                       "role": "observer"}))

    async def add_round(body: dict[str, Any]) -> str:
        return (await e.agenda.add_round(await e.sessions.get(sid),
                                         fac, v.round_fields(body, partial=False))).id

    ids = {
        "ideate": await add_round({"kind": "ideate", "prompt": "Wat mis je?",
                                   "duration_s": 300, "hidden": True, "auto_reveal": True}),
        "anon": await add_round({"kind": "ideate", "prompt": "Anoniem", "duration_s": 120,
                                 "anonymous": True}),
        "rate": await add_round({"kind": "rate", "prompt": "Beoordeel", "duration_s": 120}),
        "vote": await add_round({"kind": "vote", "prompt": "Stem", "duration_s": 120,
                                 "max_votes_per_idea": 2}),
        "late": await add_round({"kind": "ideate", "prompt": "Nooit onthuld",
                                 "duration_s": 60, "hidden": True, "auto_reveal": False}),
    }

    async def idea(who: Participant, text: str) -> str:
        added = await e.ideas.add(await e.sessions.get(sid), who, v.new_idea({"text": text}))
        return added.idea.id

    # Hidden round: three ideas, one held back; paused 30 s and extended by 60 s.
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["ideate"], "start")
    first = await idea(people[0], "Vaste koffiepauze om 10:00")
    await idea(people[1], "Wandelen met een maatje")
    held = await idea(people[2], "Iets ongepasts")
    await e.hidden.hold_back(await e.sessions.get(sid), fac, held, True)
    await w.clock.advance(60)
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["ideate"], "pause")
    await w.clock.advance(30)
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["ideate"], "resume")
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["ideate"], "extend", 60)
    await w.clock.advance(400)  # the deadline passes: the round ends and is revealed

    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["anon"], "start")
    anon = await idea(people[0], "Anoniem idee")
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["anon"], "end")

    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["rate"], "start")
    await e.votes.set_rating(await e.sessions.get(sid), people[0], first, 5, 3)
    await e.votes.set_rating(await e.sessions.get(sid), people[1], first, 4, 4)
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["rate"], "end")

    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["vote"], "start")
    await e.votes.set_votes(await e.sessions.get(sid), people[0], first, 2)
    await e.votes.set_votes(await e.sessions.get(sid), people[1], first, 1)
    await e.votes.set_votes(await e.sessions.get(sid), people[1], anon, 1)
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["vote"], "end")

    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["late"], "start")
    await idea(people[1], "Nog verborgen")
    await e.agenda.round_action(await e.sessions.get(sid), fac, ids["late"], "end")

    board_ideas = await w.rooms.read(
        f"sessions/{sid}/board",
        lambda doc: {str(i["text"]): str(k) for k, i in doc.get("ideas", type=Map).to_py().items()},
    )
    return Ran(sid, fac, people, ids, board_ideas, "Iets ongepasts", "Nog verborgen")


def edit_board_as_a_client(ran: Ran) -> Any:
    """Clusters, notes and whiteboard elements, in the layout the browser writes."""

    def change(doc: Doc[Any]) -> None:
        clusters = doc.get("clusters", type=Map)
        clusters["c1"] = Map({"id": "c1", "title": "Samen pauzeren", "color": "blue",
                              "created_at": START_MS + 1000})
        ideas = doc.get("ideas", type=Map)
        ideas[ran.board_ideas["Vaste koffiepauze om 10:00"]]["cluster_id"] = "c1"
        notes = doc.get("notes", type=Map)
        notes["n1"] = Map({"id": "n1", "kind": "decision", "text": "We proberen het",
                           "owner": None, "due": None, "done": False,
                           "created_at": START_MS + 2000})
        notes["n2"] = Map({"id": "n2", "kind": "action", "text": "Agenda-uitnodiging",
                           "owner": "Fien", "due": "2027-01-22", "done": False,
                           "created_at": START_MS + 3000})
        elements = doc.get("elements", type=Array)
        elements.append(Map({"pos": "a0", "el": {"id": "f1", "type": "frame", "x": 0, "y": 0,
                                                 "name": "Pauzes"}}))
        elements.append(Map({"pos": "a1", "el": {"id": "t1", "type": "text", "x": 10,
                                                 "y": 10, "text": "koffie!", "frameId": "f1"}}))

    return change


async def test_collect_reads_the_session_and_leaves_out_what_is_hidden(world: World) -> None:
    ran = await run_session(world)
    await world.rooms.apply_server_change(f"sessions/{ran.sid}/board",
                                          edit_board_as_a_client(ran))
    model = await collect(LiveSource(world.store, world.rooms), ran.sid, NOW)

    assert model.meta.title == "Koffiehoek voor thuiswerkers"
    assert model.meta.facilitator == "Fien" and model.meta.language == "nl"
    assert sorted(p.name for p in model.participants) == ["Anna", "Bram", "Zoë"]
    assert (model.participant_count, model.observer_count) == (3, 1)
    texts = {i.text: i for i in model.ideas}
    assert set(texts) == {"Vaste koffiepauze om 10:00", "Wandelen met een maatje",
                          "Anoniem idee"}
    assert ran.held_back_text not in texts and ran.unrevealed_text not in texts
    assert model.held_back == 1

    first = texts["Vaste koffiepauze om 10:00"]
    assert first.author == "Anna" and first.cluster_id == "c1"
    assert list(first.votes_by_round.values()) == [3] and first.top
    assert first.rating is not None and (first.rating.originality, first.rating.feasibility,
                                         first.rating.count) == (4.5, 3.5, 2)
    assert texts["Anoniem idee"].author is None and texts["Anoniem idee"].author_id is None

    ideate = model.rounds[0]
    assert ideate.method.hidden and ideate.timings.planned_s == 300
    assert ideate.timings.started_at == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert ideate.timings.paused_s == 30 and ideate.timings.extended_s == 60
    assert ideate.timings.active_s == 360  # 300 planned + 60 extended, pause excluded
    vote = model.rounds[3]
    assert vote.method.vote_budget == 4 and vote.method.max_votes_per_idea == 2
    assert model.rounds[4].held_back == 0 and model.rounds[4].state == "ended"
    assert model.meta.retention_until is None  # the session has not ended yet
    assert [(f.title, f.texts) for f in model.whiteboard] == [("Pauzes", ["koffie!"])]
    assert [(n.kind, n.text, n.owner, n.due) for n in model.notes] == [
        ("decision", "We proberen het", None, None),
        ("action", "Agenda-uitnodiging", "Fien", date(2027, 1, 22)),
    ]
    markdown = render(model, "md")
    assert "### Samen pauzeren" in markdown and "Iets ongepasts" not in markdown
    assert not model.rounds[4].revealed
    assert "- **Resultaat:** de ideeën zijn nog verborgen" in markdown


async def test_offline_export_equals_the_live_one_and_the_command_writes_it(
        world: World) -> None:
    ran = await run_session(world)
    await world.rooms.apply_server_change(f"sessions/{ran.sid}/board",
                                          edit_board_as_a_client(ran))
    await world.engine.sessions.end(await world.engine.sessions.get(ran.sid), ran.facilitator)
    live = await collect(LiveSource(world.store, world.rooms), ran.sid, NOW)
    assert live.meta.ended_at is not None and live.meta.state == "ended"
    assert live.meta.retention_until == (live.meta.ended_at + timedelta(days=365)).date()
    await world.rooms.shutdown()  # flushes and compacts, as a stopping server does
    offline = await collect(StoreSource(world.store), ran.sid, NOW)
    assert offline == live

    settings = Settings(data_dir=world.data_dir)
    for fmt in ("md", "json", "csv"):
        out = world.data_dir / f"export.{fmt}"
        err = io.StringIO()
        # The command runs its own event loop, as it does from the shell.
        code = await asyncio.to_thread(run_export, settings, ran.sid, fmt, out, stderr=err)
        assert code == 0, err.getvalue()
        expected = render(replace(live, generated_at=NOW), fmt)
        written = out.read_bytes().decode("utf-8")
        if fmt == "md":  # the generation line differs
            written, expected = written.split("\n---\n")[0], expected.split("\n---\n")[0]
        elif fmt == "json":
            written = "\n".join(x for x in written.split("\n") if "generated_at" not in x)
            expected = "\n".join(x for x in expected.split("\n") if "generated_at" not in x)
        assert written == expected


async def test_unknown_session_is_not_found(world: World) -> None:
    with pytest.raises(SessionNotFound):
        await collect(StoreSource(world.store), "nope", NOW)
    err = io.StringIO()
    code = await asyncio.to_thread(run_export, Settings(data_dir=world.data_dir), "nope", "md",
                                   None, stderr=err)
    assert code == 1
    assert "no session 'nope'" in err.getvalue()


def test_command_refuses_a_folder_without_data_and_creates_nothing(tmp_path: Path) -> None:
    err = io.StringIO()
    empty = tmp_path / "empty"
    assert run_export(Settings(data_dir=empty), "x", "md", None, stderr=err) == 1
    assert "no Sprankel data in" in err.getvalue() and not empty.exists()


def test_command_refuses_unknown_formats_and_time_zones(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_export(Settings(data_dir=tmp_path), "x", "pdf", None, stderr=err) == 2
    assert run_export(Settings(data_dir=tmp_path), "x", "md", None, "Nowhere/City",
                      stderr=err) == 2
    assert "unknown format 'pdf'" in err.getvalue() and "unknown time zone" in err.getvalue()


async def new_session(w: World, participants: int, **settings: Any
                      ) -> tuple[str, Participant, list[Participant]]:
    session, fac, _ = await w.engine.sessions.create(v.new_session({
        "title": "Brainwriting", "language": "en", "settings": settings}))
    people = [
        (await w.engine.sessions.join(session.id, v.join({"name": f"Person {k}",
                                                          "join_code": session.join_code})))[0]
        for k in range(participants)
    ]
    return session.id, fac, people


async def test_brainwriting_round_is_described_with_its_rotations(world: World) -> None:
    sid, fac, people = await new_session(world, 3)
    rid = (await world.engine.agenda.add_round(await world.engine.sessions.get(sid),
                                               fac, v.round_fields(
        {"kind": "brainwrite", "prompt": "Pass it on", "duration_s": 60, "ideas_per_sheet": 2,
         "auto_reveal": True},
        partial=False))).id
    await world.engine.agenda.round_action(await world.engine.sessions.get(sid), fac, rid, "start")
    for who in people:
        await world.engine.ideas.add(await world.engine.sessions.get(sid),
                                     who, v.new_idea({"text": f"Idea of {who.name}"}))
    mid = await collect(LiveSource(world.store, world.rooms), sid, NOW)
    assert mid.ideas == []  # the sheets are still being passed on
    for _ in range(3):  # three turns: then the round ends and reveals
        await world.clock.advance(60)

    model = await collect(LiveSource(world.store, world.rooms), sid, NOW)
    rnd = model.rounds[0]
    assert rnd.method.hidden and rnd.method.rotations == 2 and rnd.method.ideas_per_sheet == 2
    assert sorted((i.text, i.author) for i in model.ideas) == [
        ("Idea of Person 0", "Person 0"), ("Idea of Person 1", "Person 1"),
        ("Idea of Person 2", "Person 2")]
    markdown = render(model, "md")
    assert "- **Method:** Brainwriting (6-3-5): everyone writes in silence on their own " \
           "sheet" in markdown
    assert "sheets passed on 2 times; 2 ideas per sheet per turn" in markdown
    assert "- **Result:** 3 ideas from 3 contributors" in markdown


async def test_votes_stay_out_of_the_export_until_they_are_published(world: World) -> None:
    sid, fac, people = await new_session(world, 2)
    ideate = (await world.engine.agenda.add_round(await world.engine.sessions.get(sid),
                                                  fac, v.round_fields(
        {"kind": "ideate", "prompt": "Ideas", "duration_s": 60}, partial=False))).id
    vote = (await world.engine.agenda.add_round(await world.engine.sessions.get(sid),
                                                fac, v.round_fields(
        {"kind": "vote", "prompt": "Vote", "duration_s": 60}, partial=False))).id
    await world.engine.agenda.round_action(await world.engine.sessions.get(sid),
                                           fac, ideate, "start")
    added = (await world.engine.ideas.add(await world.engine.sessions.get(sid), people[0],
                                          v.new_idea({"text": "Coffee"}))).to_json()
    await world.engine.agenda.round_action(await world.engine.sessions.get(sid), fac, ideate, "end")
    await world.engine.agenda.round_action(await world.engine.sessions.get(sid), fac, vote, "start")
    await world.engine.votes.set_votes(await world.engine.sessions.get(sid),
                                       people[1], str(added["id"]), 2)

    running = await collect(LiveSource(world.store, world.rooms), sid, NOW)
    assert running.rounds[1].tallies == {} and running.ideas[0].votes_by_round == {}
    markdown = render(running, "md")
    assert "No dots were published." in markdown and "2 dots" not in markdown

    # The facilitator opens the tallies.
    await world.engine.hidden.reveal(await world.engine.sessions.get(sid), vote)
    opened = await collect(LiveSource(world.store, world.rooms), sid, NOW)
    assert opened.rounds[1].tallies == {added["id"]: 2}
    assert opened.ideas[0].votes_by_round == {vote: 2}
    assert "1. Coffee — 2 dots · Person 0 · **top**" in render(opened, "md")


async def test_an_anonymous_session_names_nobody_even_when_a_client_wrote_names(
        world: World) -> None:
    sid, fac, people = await new_session(world, 2, anonymous=True)
    rid = (await world.engine.agenda.add_round(await world.engine.sessions.get(sid),
                                               fac, v.round_fields(
        {"kind": "ideate", "prompt": "Ideas", "duration_s": 60}, partial=False))).id
    await world.engine.agenda.round_action(await world.engine.sessions.get(sid), fac, rid, "start")
    await world.engine.ideas.add(await world.engine.sessions.get(sid),
                                 people[0], v.new_idea({"text": "Through the API"}))

    def named_by_a_client(doc: Doc[Any]) -> None:
        doc.get("ideas", type=Map)["forged"] = Map({
            "id": "forged", "text": "Signed", "author_id": people[1].id, "author_name": "Person 1",
            "round_id": rid, "cluster_id": None, "color": "yellow", "created_at": START_MS})

    await world.rooms.apply_server_change(f"sessions/{sid}/board", named_by_a_client)
    model = await collect(LiveSource(world.store, world.rooms), sid, NOW)
    assert len(model.ideas) == 2
    assert all(i.author is None and i.author_id is None for i in model.ideas)
    assert model.participants == [] and model.participant_count == 2
    for fmt in ("md", "json", "csv"):
        out = render(model, fmt)
        # the names hold a space, so no random id can contain them
        assert "Person 0" not in out and "Person 1" not in out and people[1].id not in out, fmt
