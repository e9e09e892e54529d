"""Synthetic sessions for tests and benchmarks: `sample_session(ideas=5000)`.

The session is built directly as a view model, the same for the same arguments
(a seeded generator and fixed times), so renderers can be measured and compared
without a server: `render(sample_session(5000), "md")`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from .. import __version__
from .model import (
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
)

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
        ("vote", RoundMethod("vote", vote_budget=5, max_votes_per_idea=3), 300),
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
            created_at=START + timedelta(minutes=5, milliseconds=k * 37),
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
            timings=RoundTimings(planned, clock, ended, planned + 20,
                                 extended_s=60 if kind == "ideate" else 0,
                                 paused_s=40 if kind == "ideate" else 0),
            held_back=1 if kind == "ideate" else 0,
            tallies=tallies if kind == "vote" else {},
            ratings=ratings if kind == "rate" else {},
        ))
        clock = ended + timedelta(minutes=1)
    frames = [
        WhiteboardFrame("f1", text(2, 1), [text(4, k) for k in range(3)]),
        WhiteboardFrame(None, None, [text(3, 9)]),
    ]
    notes = [
        Note("n1", "decision", text(6, 1)),
        Note("n2", "action", text(5, 2), owner=text(1, 3), due=date(2026, 12, 11)),
        Note("n3", "note", text(8, 4)),
    ]
    meta = SessionMeta(
        id="s-sample",
        title=text(3, 0) if texts else "Coffee corner for home workers",
        goal=text(10, 5) if texts else "Find ways to keep the chat at the coffee machine alive.",
        language=language,
        anonymous=anonymous,
        created_at=START - timedelta(days=1),
        started_at=START,
        ended_at=clock,
        retention_until=date(2027, 11, 27),
        facilitator=text(2, 7) if texts else "Facilitator",
        state="ended",
    )
    return SessionExport(
        meta=meta,
        participants=[] if anonymous else people,
        participant_count=participants,
        observer_count=1,
        rounds=rounds,
        clusters=cluster_list,
        ideas=link_results(idea_list, rounds),
        whiteboard=frames,
        notes=notes,
        generated_at=clock + timedelta(minutes=2),
        generator=f"sprankel {__version__}",
    )
