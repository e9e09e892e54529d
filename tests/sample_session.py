"""Synthetic sessions for tests and benchmarks.

- `sample_session(ideas=5000)`: the view model itself, the same for the same arguments
  (a seeded generator and fixed times): `render(sample_session(5000), "md")` measures
  the renderers alone.
- `await store_sample_session(store, ideas=5000)`: the same session written into a store
  as records and a board document, so `collect(StoreSource(store), sid)` plus `render`
  measures the whole path of `sprankel export`.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pycrdt import Array, Doc, Map

from sprankel import __version__
from sprankel.export.model import (
    Cluster,
    Idea,
    Note,
    Person,
    Rating,
    Round,
    RoundMethod,
    RoundTimings,
    SessionExport,
    SessionMeta,
    WhiteboardFrame,
    clean_text,
    link_results,
    top_idea_ids,
)
from sprankel.facilitation import documents as docs
from sprankel.facilitation.model import PARTICIPANT, SESSION, Participant, participant_key
from sprankel.facilitation.model import Round as RoundRecord
from sprankel.facilitation.model import Session as SessionRecord
from sprankel.store import Store
from sprankel.sync.restore import GUARDED, guarded_record

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

_WORDS = {
    "en": ("shared", "coffee", "break", "video", "room", "quiet", "hour", "buddy", "walk",
           "chat", "channel", "lunch", "team", "news", "board", "office", "plant", "music"),
    "nl": ("gezamenlijke", "koffiepauze", "videokamer", "stil", "uur", "maatje", "wandeling",
           "kletskanaal", "lunch", "team", "nieuws", "bord", "kantoor", "plant", "muziek"),
}


def sample_session(
    ideas: int = 40,
    language: str = "en",
    *,
    participants: int = 8,
    clusters: int = 5,
    anonymous: bool = False,
    texts: list[str] | None = None,
    seed: int = 1,
    session_id: str = "sample",
) -> SessionExport:
    """A whole session: warm-up, hidden ideation, clustering, rating, voting and notes.

    `texts` replaces the generated idea, cluster, note and whiteboard texts (cycled),
    which is how the hostile-input tests feed their strings through every field.
    """
    rng = random.Random(seed)
    words = _WORDS.get(language, _WORDS["en"])

    def text(n: int, i: int) -> str:
        if texts:
            return clean_text(texts[i % len(texts)])
        return " ".join(rng.choice(words) for _ in range(n)).capitalize()

    people = [
        Person(f"p{k:04d}", text(1, k) if texts else f"Person {k}", "participant",
               START + timedelta(seconds=k))
        for k in range(participants)
    ]
    icebreaker = text(6, 11) if texts else "What made you smile this week?"
    round_specs = [
        ("warmup", RoundMethod("warmup", icebreaker=icebreaker), 300),
        ("ideate", RoundMethod("ideate", hidden=True, anonymous=anonymous), 600),
        ("group", RoundMethod("group"), 600),
        ("rate", RoundMethod("rate"), 300),
        ("vote", RoundMethod("vote", vote_budget=5, max_votes_per_idea=3, top_n=3), 300),
    ]
    cluster_list = [Cluster(f"c{k:03d}", text(2, k), k) for k in range(clusters)]
    idea_list = []
    for k in range(ideas):
        author = None if anonymous else people[k % participants]
        idea_list.append(Idea(
            id=f"i{k:06d}",
            text=text(6, k),
            round_id="r2",
            cluster_id=cluster_list[k % clusters].id if clusters and k % 7 else None,
            author=author.name if author else None,
            author_id=author.id if author else None,
            # While the ideation round (r2) ran: it starts at 6:20.
            created_at=START + timedelta(minutes=6, seconds=30, milliseconds=k * 37),
        ))
    ratings = {
        i.id: Rating(round(rng.uniform(1, 5), 2), round(rng.uniform(1, 5), 2), participants)
        for i in idea_list[: min(ideas, 50)]
    }
    tallies = {i.id: rng.randint(1, 12) for i in idea_list if rng.random() < 0.4}
    rounds = []
    clock = START
    for number, (kind, method, planned) in enumerate(round_specs, start=1):
        ended = clock + timedelta(seconds=planned + 20)
        rounds.append(Round(
            id=f"r{number}",
            number=number,
            kind=kind,
            prompt=text(5, number) if texts else f"{kind.capitalize()} for the team",
            state="ended",
            method=method,
            timings=RoundTimings(planned, clock, ended,
                                 planned + 20 - (40 if kind == "ideate" else 0),
                                 extended_s=60 if kind == "ideate" else 0,
                                 paused_s=40 if kind == "ideate" else 0),
            held_back=1 if kind == "ideate" else 0,
            revealed=kind in ("ideate", "rate", "vote"),
            ran=True,
            voters=0,  # no vote records: the board and the round's tallies only
            top=top_idea_ids(tallies) if kind == "vote" else [],
            tallies=tallies if kind == "vote" else {},
            ratings=ratings if kind == "rate" else {},
        ))
        clock = ended + timedelta(minutes=1)
    frames = [
        WhiteboardFrame("f1", text(2, 1), [text(4, k) for k in range(3)]),
        WhiteboardFrame(None, None, [text(3, 9)]),
    ]
    notes = [
        Note("n1", "decision", text(6, 1), created_at=clock),
        Note("n2", "action", text(5, 2), owner=text(1, 3), due=date(2026, 12, 11),
             created_at=clock + timedelta(seconds=1)),
        Note("n3", "note", text(8, 4), created_at=clock + timedelta(seconds=2)),
    ]
    meta = SessionMeta(
        id=session_id,
        title=text(3, 0) if texts else "Coffee corner for home workers",
        goal=text(10, 5) if texts else "Find ways to keep the chat at the coffee machine alive.",
        language=language,
        anonymous=anonymous,
        timezone=None,
        created_at=START - timedelta(days=1),
        started_at=START,
        ended_at=clock,
        retention_until=date(2027, 11, 27),
        facilitator=text(2, 7) if texts else "Facilitator",
        state="ended",
    )
    authors = {i.author_id for i in idea_list if i.author_id}
    people = [replace(p, contributed=p.id in authors) for p in people]
    return SessionExport(
        meta=meta,
        participants=[] if anonymous else people,
        participant_count=participants,
        observer_count=1,
        contributor_count=len(authors),
        rounds=rounds,
        clusters=cluster_list,
        ideas=link_results(idea_list, rounds),
        whiteboard=frames,
        notes=notes,
        generated_at=clock + timedelta(minutes=2),
        generator=f"sprankel {__version__}",
    )


async def store_sample_session(store: Store, ideas: int = 5000, language: str = "en",
                               session_id: str = "sample") -> str:
    """Write a whole session into a store, as the engine and the browsers would leave it.

    The session record (agenda with published tallies and ratings), participant records
    and the board document (ideas, clusters, notes, whiteboard) of `sample_session`;
    returns the session id. Then `collect(StoreSource(store), session_id)` reads it back
    and `render(model, fmt)` exports it: the path `sprankel export` takes.
    """
    model = sample_session(ideas, language, session_id=session_id)
    ms = _ms
    people = [
        Participant(p.id, session_id, p.name, p.role, "#1f77b4", _ms_at(p.joined_at or START))
        for p in model.participants
    ]
    facilitator = Participant("fac", session_id, model.meta.facilitator or "", "facilitator",
                              "#1f77b4", _ms_at(START))
    observers = [Participant(f"o{k}", session_id, f"Observer {k}", "observer", "#1f77b4",
                             _ms_at(START)) for k in range(model.observer_count)]
    session = SessionRecord(
        id=session_id, title=model.meta.title, goal=model.meta.goal, language=language,
        join_code="sample", facilitator_id=facilitator.id,
        created_at=_ms_at(model.meta.created_at or START),
        retention_days=365, state="ended", started_at=ms(model.meta.started_at),
        ended_at=ms(model.meta.ended_at),
        rounds=[
            RoundRecord(
                id=r.id, kind=r.kind, prompt=r.prompt, duration_s=r.timings.planned_s or 60,
                hidden=r.method.hidden, anonymous=r.method.anonymous,
                vote_budget=r.method.vote_budget, max_votes_per_idea=r.method.max_votes_per_idea,
                icebreaker=r.method.icebreaker, state="ended",
                started_at=ms(r.timings.started_at), ended_at=ms(r.timings.ended_at),
                paused_ms=r.timings.paused_s * 1000, extended_s=r.timings.extended_s,
                revealed=r.revealed, held_back_count=r.held_back,
                tallies=dict(r.tallies) if r.kind == "vote" else None,
                ratings={k: {"originality": v.originality or 0.0,
                             "feasibility": v.feasibility or 0.0, "count": v.count}
                         for k, v in r.ratings.items()}
                if r.kind == "rate" else None,
            )
            for r in model.rounds
        ],
    )
    await store.put_record(SESSION, session_id, session.to_json())
    for p in [facilitator, *people, *observers]:
        await store.put_record(PARTICIPANT, participant_key(session_id, p.id), p.to_json())

    board: Doc[Any] = Doc()
    with board.transaction():
        idea_map = board.get(docs.IDEAS, type=Map)
        for i in model.ideas:
            idea_map[i.id] = Map({
                "id": i.id, "text": i.text, "author_id": i.author_id,
                "author_name": i.author, "round_id": i.round_id, "cluster_id": i.cluster_id,
                "color": "yellow", "created_at": ms(i.created_at),
            })
        clusters = board.get(docs.CLUSTERS, type=Map)
        for c in model.clusters:
            clusters[c.id] = Map({"id": c.id, "title": c.title, "color": "blue",
                                  "created_at": _ms_at(START) + c.position})
        notes = board.get(docs.NOTES, type=Map)
        for n in model.notes:
            notes[n.id] = Map({"id": n.id, "kind": n.kind, "text": n.text, "owner": n.owner,
                               "due": n.due.isoformat() if n.due else None, "done": n.done,
                               "created_at": _ms(n.created_at)})
        elements = board.get(docs.ELEMENTS, type=Array)
        y = 0
        for frame in model.whiteboard:
            if frame.id is not None:
                elements.append(Map({"pos": f"f{frame.id}", "el": {
                    "id": frame.id, "type": "frame", "x": 0, "y": y, "name": frame.title}}))
            for k, text in enumerate(frame.texts):
                y += 10
                elements.append(Map({"pos": f"t{y}", "el": {
                    "id": f"text{y}", "type": "text", "x": 0, "y": y + k, "text": text,
                    "frameId": frame.id}}))
    await store.append(docs.board_name(session_id), board.get_update())
    # As a server leaves it: its rooms loaded the board through the update guard.
    await store.put_record(GUARDED, docs.board_name(session_id), guarded_record(shallow=True))
    return session_id


def _ms(value: datetime | None) -> int | None:
    return _ms_at(value) if value else None


def _ms_at(value: datetime) -> int:
    return int(value.timestamp() * 1000)
