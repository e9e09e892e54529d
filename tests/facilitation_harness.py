"""An engine on real parts (SQLite store, memory broker, rooms) and a manual clock.

Used by the tests of the rules (tests/test_facilitation_*.py); the API tests start
real servers instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sprankel.broker.memory import MemoryBroker, MemoryHub
from sprankel.facilitation import Engine, validation
from sprankel.facilitation import documents as docs
from sprankel.facilitation.model import Participant, Session
from sprankel.kernel.clock import ManualClock
from sprankel.kernel.tokens import TokenSigner
from sprankel.store.sqlite import SQLiteStore
from sprankel.sync.rooms import RoomManager

KEY = b"test-key-of-at-least-sixteen-bytes"


@dataclass
class Process:
    engine: Engine
    rooms: RoomManager
    store: SQLiteStore
    broker: MemoryBroker


@asynccontextmanager
async def process(path: Path, clock: ManualClock, hub: MemoryHub | None = None,
                  reconcile_s: float = 5.0) -> AsyncIterator[Process]:
    """One server process's engine; several share a store file and a hub like real ones."""
    store = SQLiteStore(path / "sprankel.sqlite3")
    broker = MemoryBroker(hub)
    await store.start()
    await broker.start()
    rooms = RoomManager(store, broker, grace_s=0.05, outbox_limit=1 << 20)
    # The tokens expire on the same manual clock the rules run on.
    engine = Engine(store, broker, rooms, TokenSigner(KEY, now_ms=clock.now_ms), clock,
                    reconcile_s=reconcile_s)
    await engine.start()
    try:
        yield Process(engine, rooms, store, broker)
    finally:
        await engine.stop()
        await rooms.shutdown()
        await broker.close()
        await store.close()


@dataclass
class Team:
    session: Session
    facilitator: Participant
    people: list[Participant]


async def team(engine: Engine, participants: int = 2, observers: int = 0,
               **settings: Any) -> Team:
    fields = validation.new_session({"title": "Koffie op afstand", "goal": "Meer contact",
                                     "settings": settings})
    session, facilitator, _ = await engine.sessions.create(fields)
    people = []
    for i in range(participants + observers):
        role = "participant" if i < participants else "observer"
        who, _ = await engine.sessions.join(session.id, validation.join(
            {"name": f"Person {i}", "join_code": session.join_code, "role": role}))
        people.append(who)
    return Team(session, facilitator, people)


async def add_round(engine: Engine, t: Team, **fields: Any) -> str:
    body = {"kind": "ideate", "prompt": "How do we keep in touch?", "duration_s": 60, **fields}
    rnd = await engine.agenda.add_round(await engine.sessions.get(t.session.id), t.facilitator,
                                        validation.round_fields(body, partial=False))
    return rnd.id


async def idea(engine: Engine, t: Team, who: Participant, text: str,
               round_id: str | None = None) -> dict[str, Any]:
    """Add an idea as the API does; returns what the API answers."""
    added = await engine.ideas.add(await engine.sessions.get(t.session.id), who,
                                   validation.new_idea({"text": text, "round_id": round_id}))
    return added.to_json()


async def hidden_ideas(engine: Engine, sid: str, who: Participant) -> list[dict[str, Any]]:
    """The hidden ideas `who` moderates, as the API answers them."""
    hidden = await engine.hidden.ideas(await engine.sessions.get(sid), who)
    return [h.to_json() for h in hidden]


async def board_ideas(p: Process, sid: str) -> list[dict[str, Any]]:
    ideas = await p.rooms.read(docs.board_name(sid), docs.read_ideas)
    return [i.to_json() for i in ideas]


async def draft_ideas(p: Process, sid: str, pid: str) -> list[dict[str, Any]]:
    ideas = await p.rooms.read(docs.drafts_name(sid, pid), docs.read_ideas)
    return [i.to_json() for i in ideas]


async def control(p: Process, sid: str) -> dict[str, Any]:
    return await p.rooms.read(docs.control_name(sid), docs.read_control)
