"""Build a session's view model from the facilitation records and the board document.

What is read, and why from there:
- the session record (agenda, each round's method, timings, held-back count and the
  published tallies and rating averages) and the participant records: the server's
  word, which no client can change;
- the board document (ideas, clusters, notes, whiteboard elements): the content.
Drafts documents are never read, so an idea that was not revealed, or was held back,
cannot reach an export. Tallies and averages are taken only once published (the round
record has them only then), so an export shows no more than the control document does.

The layout is facilitation's (facilitation/model.py and documents.py); the export reads
it through those modules' names and tolerates anything a client may have written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pycrdt import Array, Doc, Map

from .. import __version__
from ..audit.trail import AUDIT
from ..audit.trail import Entry as AuditRecord
from ..facilitation import documents as docs
from ..facilitation.authorship import AUTHORSHIP
from ..facilitation.model import IDEA_KINDS, PARTICIPANT, RATINGS, SESSION, VOTES, Participant
from ..facilitation.model import Round as RoundRecord
from ..facilitation.model import Session as SessionRecord
from ..sync.reading import to_plain_fast
from .model import (
    DEFAULT_TOP_N,
    NOTE_KINDS,
    AuditActor,
    AuditEntry,
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
    canonical,
    clean_text,
    link_results,
    top_idea_ids,
)
from .sources import Source
from .whiteboard import scene_elements, scene_files, whiteboard_frames


class SessionNotFound(LookupError):
    """No session with this id in the store."""


def _time(value: Any) -> datetime | None:
    """ms since the epoch (the facilitation layer's times) or an ISO 8601 string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if not 0 < value < 1e14:  # out of datetime's range: not a time we wrote
            return None
        return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _day(value: Any) -> date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    moment = _time(value)
    return moment.date() if moment else None


def _text_or_none(value: Any) -> str | None:
    return (clean_text(value) or None) if isinstance(value, str) else None


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _board(doc: Doc[Any], shallow: bool) -> dict[str, Any]:
    """Plain copies of the board's content, read inside one call so it is one state.

    shallow: no shared type nests deeper than the guard allows, so the fast JSON path
    (sync/reading.py) is safe; otherwise every value is read with an explicit stack.
    """

    def entries(name: str) -> list[dict[str, Any]]:
        if name not in doc.keys():  # noqa: SIM118 (Doc types no __contains__)
            return []
        data = to_plain_fast(doc.get(name, type=Map), shallow)
        if not isinstance(data, dict):
            return []
        return [{**value, "id": key} for key, value in data.items() if isinstance(value, dict)]

    elements: list[Any] = []
    if docs.ELEMENTS in doc.keys():  # noqa: SIM118
        data = to_plain_fast(doc.get(docs.ELEMENTS, type=Array), shallow)
        elements = data if isinstance(data, list) else []
    assets: Any = {}
    if docs.ASSETS in doc.keys():  # noqa: SIM118
        assets = to_plain_fast(doc.get(docs.ASSETS, type=Map), shallow)
    return {
        "assets": assets if isinstance(assets, dict) else {},
        "ideas": entries(docs.IDEAS),
        "clusters": entries(docs.CLUSTERS),
        "notes": entries(docs.NOTES),
        "elements": elements,
    }


def _run_order(records: list[RoundRecord]) -> list[RoundRecord]:
    """Rounds in the order they ran (by start), then those that never ran, as planned."""
    ran = sorted((r for r in records if r.started_at is not None),
                 key=lambda r: (r.started_at or 0, records.index(r)))
    return ran + [r for r in records if r.started_at is None]


def _round(number: int, r: RoundRecord, voters: int) -> Round:
    started, ended = _time(r.started_at), _time(r.ended_at)
    active = None
    if started and ended:
        active = max(0, round((ended - started).total_seconds() - r.paused_ms / 1000))
    tallies = {k: int(v) for k, v in (r.tallies or {}).items() if int(v) > 0}
    ratings = {
        idea_id: Rating(
            float(v["originality"]) if v.get("originality") is not None else None,
            float(v["feasibility"]) if v.get("feasibility") is not None else None,
            int(v.get("count", 0)),
        )
        for idea_id, v in (r.ratings or {}).items()
        if isinstance(v, Mapping)
    }
    return Round(
        id=r.id,
        number=number,
        kind=r.kind,
        prompt=clean_text(r.prompt),
        state=r.state,
        method=RoundMethod(
            kind=r.kind,
            hidden=r.is_hidden,
            anonymous=r.anonymous,
            vote_budget=r.vote_budget,
            max_votes_per_idea=r.max_votes_per_idea,
            rotations=r.rotations if r.kind == "brainwrite" else None,
            ideas_per_sheet=r.ideas_per_sheet if r.kind == "brainwrite" else None,
            icebreaker=_text_or_none(r.icebreaker),
            top_n=(r.top_n or DEFAULT_TOP_N) if r.kind == "vote" else None,
        ),
        timings=RoundTimings(
            planned_s=r.duration_s,
            started_at=started,
            ended_at=ended,
            active_s=active,
            extended_s=r.extended_s,
            paused_s=round(r.paused_ms / 1000),
        ),
        # Before reveal nobody but the facilitator may know; the export waits for it.
        held_back=r.held_back_count if r.revealed else 0,
        merged=r.merged_count if r.revealed else 0,
        revealed=r.revealed,
        ran=r.started_at is not None,
        voters=voters if r.revealed else 0,
        top=top_idea_ids(tallies, r.top_n) if r.kind == "vote" else [],
        tallies=tallies,
        ratings=ratings,
    )


def _vote_budget(session: SessionRecord, r: Round) -> Round:
    if r.kind != "vote" or r.method.vote_budget is not None:
        return r
    return replace(r, method=replace(r.method, vote_budget=session.vote_budget))


# A browser stamps its ideas with its own clock: allow it to be this far off the server's.
CLOCK_SLACK = timedelta(seconds=5)


def _in_round(rnd: Round | None, created: datetime | None) -> bool:
    """An idea belongs to its round only if that round takes ideas and ran when it was
    written: one added after a round ended is not counted in it (whatever a client wrote)."""
    if rnd is None or rnd.kind not in IDEA_KINDS or not rnd.ran:
        return False
    start, end = rnd.timings.started_at, rnd.timings.ended_at
    if created is None or start is None:
        return True  # no time to judge by: the round's word stands
    if created < start - CLOCK_SLACK:
        return False
    return end is None or created <= end + CLOCK_SLACK


def _ideas(raw: list[dict[str, Any]], rounds: dict[str, Round], session: SessionRecord,
           people: dict[str, Participant]) -> list[Idea]:
    ideas = []
    for item in raw:
        if not isinstance(item.get("text"), str):
            continue
        round_id = _id(item.get("round_id"))
        rnd = rounds.get(round_id or "")
        created = _time(item.get("created_at"))
        if not _in_round(rnd, created):
            # Its round never ran, took no ideas or had ended: an idea of no round.
            round_id, rnd = None, None
        anonymous = session.anonymous or (rnd is not None and rnd.method.anonymous)
        author_id = None if anonymous else _id(item.get("author_id"))
        # The participant record's name is the server's; the board's copy is a client's.
        person = people.get(author_id or "")
        author = None
        if not anonymous:
            author = person.name if person else _text_or_none(item.get("author_name"))
        ideas.append(Idea(
            id=item["id"],
            text=clean_text(item["text"]),
            round_id=round_id,
            cluster_id=_id(item.get("cluster_id")),
            author=(clean_text(author) or None) if author else None,
            author_id=author_id if author else None,
            created_at=created,
        ))
    return ideas


def _clusters(raw: list[dict[str, Any]]) -> list[Cluster]:
    ordered = sorted(raw, key=lambda c: (_time(c.get("created_at")) or datetime.max.replace(
        tzinfo=UTC), c["id"]))
    return [Cluster(c["id"], clean_text(c.get("title")), k) for k, c in enumerate(ordered)]


def _owner(value: Any, session: SessionRecord, people: dict[str, Participant]) -> str | None:
    """Who does an action item, by name: older pages wrote a participant id; nobody is
    named in an anonymous session."""
    if session.anonymous:
        return None
    person = people.get(value) if isinstance(value, str) else None
    return clean_text(person.name) or None if person else _text_or_none(value)


def _notes(raw: list[dict[str, Any]], session: SessionRecord,
           people: dict[str, Participant]) -> list[Note]:
    notes = []
    for item in raw:
        kind = item.get("kind") if item.get("kind") in NOTE_KINDS else "note"
        notes.append(Note(
            id=item["id"],
            kind=str(kind),
            text=clean_text(item.get("text")),
            owner=_owner(item.get("owner"), session, people),
            due=_day(item.get("due")),
            done=item.get("done") is True,
            created_at=_time(item.get("created_at")),
        ))
    return notes


def _whole(days: float | None) -> float | None:
    """Whole days as an int, so the JSON says 30, not 30.0."""
    return int(days) if days is not None and float(days).is_integer() else days


def _retention(session: SessionRecord) -> date | None:
    # Kept for retention_days after the session ended; unknown while it is still open.
    ended = _time(session.ended_at)
    if not session.retention_days or ended is None:
        return None
    return (ended + timedelta(days=session.retention_days)).date()


async def collect(source: Source, session_id: str, now: datetime | None = None, *,
                  audit: bool = True) -> SessionExport:
    """The view model of one session; raises SessionNotFound. Without `audit` the trail is
    not read (the model's is empty): for callers who may not see it, or do not show it."""
    data = await source.record(SESSION, session_id)
    if data is None:
        raise SessionNotFound(f"no session {session_id!r}")
    session = SessionRecord.from_json(data)
    records = await source.records(PARTICIPANT, f"{session_id}/")
    people = {p.id: p for p in (Participant.from_json(r) for r in records.values())}
    board = await source.read(docs.board_name(session_id), _board)
    given = await _given(source, session_id)
    trail = await source.records(AUDIT, f"{session_id}/") if audit else {}
    entries = _audit([AuditRecord.from_json(trail[key]) for key in sorted(trail)], session,
                     people)
    # Thousands of ideas take a while to arrange: off the event loop, like the reading.
    return await asyncio.to_thread(
        _model, session, people, board, given, now or datetime.now(UTC), entries)


@dataclass(frozen=True)
class _Given:
    """Per round, who placed a dot or gave a rating (to count people, never to say what
    they gave), and per anonymous idea its author (to count contributors, never to name)."""

    by_round: dict[str, set[str]]
    anonymous_authors: dict[str, str]


async def _given(source: Source, session_id: str) -> _Given:
    given: dict[str, set[str]] = {}
    for kind, field_name in ((VOTES, "votes"), (RATINGS, "ratings")):
        for key, record in (await source.records(kind, f"{session_id}/")).items():
            _, round_id, pid = [*key.split("/"), "", ""][:3]
            values = record.get(field_name)
            if isinstance(values, dict) and any(values.values()):
                given.setdefault(round_id, set()).add(pid)
    authors = await source.records(AUTHORSHIP, f"{session_id}/")
    return _Given(given, {key.split("/", 1)[-1]: str(r.get("participant_id"))
                          for key, r in authors.items()})


def _audit(records: list[AuditRecord], session: SessionRecord,
           people: dict[str, Participant]) -> list[AuditEntry]:
    """The trail as the export carries it. In an anonymous session the ids of participants
    and observers become `participant-N` (N in the order they first appear): the trail
    never names an idea's author anyway, and this way no id of the session's people
    reaches the record at all, as with the rest of an anonymous session's export."""
    pseudonyms: dict[str, str] = {}

    def shown(pid: str | None) -> str | None:
        if pid is None or not session.anonymous or pid == session.facilitator_id:
            return pid
        person = people.get(pid)
        if person is not None and person.role == "facilitator":
            return pid
        return pseudonyms.setdefault(pid, f"participant-{len(pseudonyms) + 1}")

    out = []
    for e in records:
        object_id = shown(e.object_id) if e.object_type == "participant" else e.object_id
        out.append(AuditEntry(
            e.seq, _time(e.at) or datetime.fromtimestamp(0, UTC), e.action,
            # The account is for access only, never in an export: the stored trail and the
            # operator's sink keep it (docs/identity.md, docs/records.md).
            AuditActor(shown(e.actor.participant_id), e.actor.role, None),
            e.object_type, object_id or "", e.details))
    return out


def _model(session: SessionRecord, people: dict[str, Participant], board: dict[str, Any],
           given: _Given, now: datetime, audit: list[AuditEntry] | None = None
           ) -> SessionExport:
    rounds = [_vote_budget(session, _round(k, r, len(given.by_round.get(r.id, ()))))
              for k, r in enumerate(_run_order(session.rounds), 1)]
    by_id = {r.id: r for r in rounds}
    participants = [p for p in people.values() if p.role == "participant"]
    ideas = _ideas(board["ideas"], by_id, session, people)
    scene = scene_elements(board["elements"], {i.id: i.text for i in ideas})
    contributors = {i.author_id for i in ideas if i.author_id}
    contributors |= {given.anonymous_authors[i.id] for i in ideas
                     if i.id in given.anonymous_authors}
    contributors |= {pid for pids in given.by_round.values() for pid in pids}
    contributors &= {p.id for p in participants}
    facilitator = people.get(session.facilitator_id)
    meta = SessionMeta(
        id=session.id,
        title=clean_text(session.title),
        goal=clean_text(session.goal),
        language=session.language,
        anonymous=session.anonymous,
        timezone=session.timezone,
        created_at=_time(session.created_at),
        started_at=_time(session.started_at),
        ended_at=_time(session.ended_at),
        retention_until=_retention(session),
        facilitator=(clean_text(facilitator.name) or None) if facilitator else None,
        state=session.state,
    )
    model = SessionExport(
        meta=meta,
        participants=[] if session.anonymous else [
            Person(p.id, clean_text(p.name), p.role, _time(p.joined_at), p.id in contributors)
            for p in participants
        ],
        participant_count=len(participants),
        observer_count=sum(1 for p in people.values() if p.role == "observer"),
        contributor_count=len(contributors),
        rounds=rounds,
        clusters=_clusters(board["clusters"]),
        ideas=link_results(ideas, rounds),
        whiteboard=whiteboard_frames(board["elements"]),
        notes=_notes(board["notes"], session, people),
        generated_at=now,
        generator=f"sprankel {__version__}",
        audit=audit or [],
        retention_days=_whole(session.retention_days),
        scene=scene,
        scene_files=scene_files(board["assets"], scene),
    )
    return canonical(model)
