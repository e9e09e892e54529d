"""A worked example: a whole session run through the real engine, then exported.

    python -m sprankel.export.example [--language en|nl] [--data-dir DIR] > summary.md

The session runs on the real parts (SQLite store, rooms, the facilitation engine) with
a manual clock, so its rounds last minutes without anyone waiting; the board is edited
as browsers edit it. The summary is then written the way `sprankel export` writes it:
from the data folder alone. docs/export-example.md is this command's output.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pycrdt import Array, Doc, Map

from ..broker.memory import MemoryBroker
from ..config import Settings
from ..facilitation import Engine, ManualClock, TokenSigner
from ..facilitation import documents as docs
from ..facilitation import validation as v
from ..facilitation.model import Participant
from ..store.sqlite import SQLiteStore
from ..sync.rooms import RoomManager
from .command import export_text

# Friday 27 November 2026, 09:30 in Amsterdam.
START = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)

_TEXT = {
    "en": {
        "title": "Coffee corner for home workers",
        "icebreaker": "What made you laugh this week?",
        "goal": "Find ways to keep the chat at the coffee machine alive now that we work from "
                "home.",
        "ideate": "What do you miss most from the coffee machine?",
        "group": "Group the ideas",
        "rate": "How original and how feasible is each idea?",
        "vote": "Which ideas do we try first?",
        "ideas": [
            ("Anna", "A fixed virtual coffee break at 10:00, camera optional"),
            ("Bram", "Walk-and-talk calls: two colleagues phone while they take a walk"),
            ("Zoë", "A \"random coffee\" bot that pairs two people every Monday"),
            ("Yusuf", "Share a photo of your lunch in a channel on Fridays"),
            ("Anna", "A quiz of ten questions every last Friday of the month\n"
                     "(prizes: honour only)"),
            ("Bram", "An open video room where anyone can drop in while working"),
            ("Zoë", "Welcome new colleagues with a coffee with each team member"),
            ("Yusuf", "Spam the team chat with memes all day"),
        ],
        "held_back": "Spam the team chat with memes all day",
        "clusters": {"Rituals": [0, 4], "Meeting people": [2, 6, 1], "Spaces": [5]},
        "notes": [
            ("decision", "Start the 10:00 coffee break next Monday, for a trial of six weeks."),
            ("action", "Set up the \"random coffee\" pairing and announce it in the team chat."),
            ("note", "Several people asked for breaks without video; keep the camera "
                     "optional."),
        ],
        "owner": "Bram",
        "frame": "Rules of the coffee corner",
        "stickies": ["No work talk for the first five minutes", "Cameras optional",
                     "Everyone is welcome, also the manager"],
        "loose": "Next session: evaluate in January",
    },
    "nl": {
        "title": "Koffiehoek voor thuiswerkers",
        "icebreaker": "Waar moest je deze week om lachen?",
        "goal": "Manieren vinden om het praatje bij de koffieautomaat levend te houden nu we "
                "thuis werken.",
        "ideate": "Wat mis je het meest van de koffieautomaat?",
        "group": "Ideeën ordenen",
        "rate": "Hoe origineel en hoe haalbaar is elk idee?",
        "vote": "Welke ideeën proberen we eerst?",
        "ideas": [
            ("Anna", "Een vaste online koffiepauze om 10:00, camera mag uit"),
            ("Bram", "Wandelgesprekken: twee collega's bellen terwijl ze een rondje lopen"),
            ("Zoë", "Een 'random koffie'-bot die elke maandag twee mensen koppelt"),
            ("Yusuf", "Op vrijdag een foto van je lunch delen in een kanaal"),
            ("Anna", "Elke laatste vrijdag van de maand een quiz van tien vragen\n"
                     "(prijzen: alleen de eer)"),
            ("Bram", "Een open videokamer waar iedereen tijdens het werk kan binnenlopen"),
            ("Zoë", "Nieuwe collega's welkom heten met een koffie met elk teamlid"),
            ("Yusuf", "De teamchat de hele dag volspammen met memes"),
        ],
        "held_back": "De teamchat de hele dag volspammen met memes",
        "clusters": {"Vaste momenten": [0, 4], "Mensen ontmoeten": [2, 6, 1],
                     "Plekken": [5]},
        "notes": [
            ("decision", "We starten maandag met de koffiepauze om 10:00, als proef van zes "
                         "weken."),
            ("action", "De 'random koffie'-koppeling instellen en aankondigen in de teamchat."),
            ("note", "Meerdere mensen willen pauzes zonder video; de camera blijft vrijwillig."),
        ],
        "owner": "Bram",
        "frame": "Afspraken voor de koffiehoek",
        "stickies": ["De eerste vijf minuten niet over werk", "Camera mag uit",
                     "Iedereen is welkom, ook de manager"],
        "loose": "Volgende sessie: evalueren in januari",
    },
}


async def run_example_session(data_dir: Path, language: str = "en") -> str:
    """Run the example session into data_dir; returns its id."""
    text = _TEXT[language]
    store = SQLiteStore(data_dir / "sprankel.sqlite3")
    broker = MemoryBroker()
    await store.start()
    await broker.start()
    rooms = RoomManager(store, broker, grace_s=0.05, outbox_limit=1 << 20)
    clock = ManualClock(int(START.timestamp() * 1000))
    engine = Engine(store, broker, rooms, TokenSigner(b"example-key-of-32-bytes-at-least"),
                    clock)
    await engine.start()
    try:
        return await _script(engine, rooms, clock, text, language)
    finally:
        await engine.stop()
        await rooms.shutdown()
        await broker.close()
        await store.close()


async def _script(engine: Engine, rooms: RoomManager, clock: ManualClock,
                  text: dict[str, Any], language: str) -> str:
    session, fac, _ = await engine.sessions.create(v.new_session({
        "title": text["title"], "goal": text["goal"], "language": language,
        "facilitator_name": "Fien de Vries",
        "settings": {"retention_days": 365, "vote_budget": 3},
    }))
    sid = session.id
    people: dict[str, Participant] = {}
    for name in ("Anna", "Bram", "Zoë", "Yusuf"):
        await clock.advance(20)
        people[name] = (await engine.sessions.join(sid, v.join(
            {"name": name, "join_code": session.join_code})))[0]
    await engine.sessions.join(sid, v.join({"name": "Olaf", "join_code": session.join_code,
                                            "role": "observer"}))

    async def add_round(**body: Any) -> str:
        return (await engine.agenda.add_round(await engine.sessions.get(sid),
                                              fac, v.round_fields(body, partial=False))).id

    warmup = await add_round(kind="warmup", prompt="", duration_s=300,
                             icebreaker=text["icebreaker"])
    ideate = await add_round(kind="ideate", prompt=text["ideate"], duration_s=600, hidden=True)
    group = await add_round(kind="group", prompt=text["group"], duration_s=600)
    rate = await add_round(kind="rate", prompt=text["rate"], duration_s=300)
    vote = await add_round(kind="vote", prompt=text["vote"], duration_s=300,
                           max_votes_per_idea=2)

    await clock.advance(60)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, warmup, "start")
    await clock.advance(300)  # the timer ends the warm-up

    await clock.advance(30)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, ideate, "start")
    ids: list[str] = []
    for k, (author, idea) in enumerate(text["ideas"]):
        await clock.advance(45 + 7 * k)
        added = await engine.ideas.add(await engine.sessions.get(sid),
                                       people[author], v.new_idea({"text": idea}))
        ids.append(added.idea.id)
        if idea == text["held_back"]:
            await engine.hidden.hold_back(await engine.sessions.get(sid), fac, ids[-1], True)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, ideate, "extend", 120)
    await clock.advance(600)  # the deadline passes: the round ends and the ideas appear

    await clock.advance(30)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, group, "start")
    await rooms.apply_server_change(docs.board_name(sid), _group_and_note(text, ids, clock))
    await clock.advance(420)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, group, "end")

    await clock.advance(30)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, rate, "start")
    scores = {0: (3, 5), 1: (4, 4), 2: (4, 3), 3: (2, 5), 4: (3, 4), 5: (4, 3), 6: (3, 5)}
    for who in people.values():
        for k, (originality, feasibility) in scores.items():
            spread = (len(who.name) + k) % 2
            await engine.votes.set_rating(await engine.sessions.get(sid), who, ids[k],
                                          min(5, originality + spread),
                                          max(1, feasibility - spread))
    await clock.advance(240)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, rate, "end")

    await clock.advance(30)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, vote, "start")
    ballots = {"Anna": {0: 2, 2: 1}, "Bram": {1: 2, 0: 1}, "Zoë": {2: 2, 0: 1},
               "Yusuf": {0: 1, 4: 2}}
    for name, dots in ballots.items():
        for k, count in dots.items():
            await engine.votes.set_votes(await engine.sessions.get(sid),
                                         people[name], ids[k], count)
    await clock.advance(180)
    await engine.agenda.round_action(await engine.sessions.get(sid), fac, vote, "end")

    await clock.advance(300)
    await engine.sessions.end(await engine.sessions.get(sid), fac)
    return sid


def _group_and_note(text: dict[str, Any], ids: list[str], clock: ManualClock
                    ) -> Any:
    """What browsers do in the grouping round: clusters, notes, the whiteboard."""
    now = clock.now_ms()

    def change(doc: Doc[Any]) -> None:
        clusters = doc.get(docs.CLUSTERS, type=Map)
        ideas = doc.get(docs.IDEAS, type=Map)
        for k, (title, members) in enumerate(text["clusters"].items()):
            cid = f"cluster-{k + 1}"
            clusters[cid] = Map({"id": cid, "title": title, "color": "blue",
                                 "created_at": now + k})
            for index in members:
                ideas[ids[index]]["cluster_id"] = cid
        notes = doc.get(docs.NOTES, type=Map)
        for k, (kind, note) in enumerate(text["notes"]):
            notes[f"note-{k + 1}"] = Map({
                "id": f"note-{k + 1}", "kind": kind, "text": note,
                "owner": text["owner"] if kind == "action" else None,
                "due": "2026-12-04" if kind == "action" else None, "done": False,
                "created_at": now + 1000 + k})
        elements = doc.get(docs.ELEMENTS, type=Array)
        elements.append(Map({"pos": "a0", "el": {
            "id": "frame-1", "type": "frame", "x": 0, "y": 0, "width": 800, "height": 400,
            "name": text["frame"]}}))
        for k, sticky in enumerate(text["stickies"]):
            elements.append(Map({"pos": f"a{2 * k + 1}", "el": {
                "id": f"sticky-{k}", "type": "rectangle", "x": 20 + 260 * k, "y": 60,
                "frameId": "frame-1"}}))
            elements.append(Map({"pos": f"a{2 * k + 2}", "el": {
                "id": f"sticky-text-{k}", "type": "text", "x": 30 + 260 * k, "y": 70,
                "text": sticky, "containerId": f"sticky-{k}", "frameId": "frame-1"}}))
        elements.append(Map({"pos": "b0", "el": {
            "id": "loose-1", "type": "text", "x": 0, "y": 500, "text": text["loose"]}}))

    return change


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sprankel.export.example",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--language", choices=sorted(_TEXT), default="en")
    parser.add_argument("--format", choices=["md", "json", "csv"], default="md")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the example's data here (default: a temporary folder)")
    parser.add_argument("--timezone", default="Europe/Amsterdam")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch)
        sid = asyncio.run(run_example_session(data_dir, args.language))
        text = asyncio.run(export_text(Settings(data_dir=data_dir), sid, args.format,
                                       args.timezone))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
