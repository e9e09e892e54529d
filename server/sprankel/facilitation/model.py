"""The records the rules keep in the store: sessions (with their rounds) and participants.

A session and its agenda are one record, so every change to the agenda, a round's
phase or the session's locks is one atomic read-modify-write (Store.update_record),
also across processes. Votes and ratings are one record per participant and round,
so participants never contend with each other. Times are ms since the epoch.

Record kinds and keys:
    session      SID                 Session.to_json()
    participant  SID/PID             Participant.to_json()
    votes        SID/ROUND_ID/PID    {"votes": {idea_id: count}}
    ratings      SID/ROUND_ID/PID    {"ratings": {idea_id: {"originality": n, "feasibility": n}}}

Ideas live in documents, not records (documents.py); `Idea` is their shape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

ROUND_KINDS = ("ideate", "brainwrite", "group", "rate", "vote", "discuss", "warmup")
ROUND_STATES = ("planned", "running", "paused", "ended")
# Kinds in which ideas may be added.
IDEA_KINDS = ("ideate", "brainwrite", "warmup", "discuss", "group")

SESSION = "session"
PARTICIPANT = "participant"
VOTES = "votes"
RATINGS = "ratings"

DEFAULT_VOTE_BUDGET = 5


@dataclass
class Round:
    id: str
    kind: str
    prompt: str
    duration_s: int
    hidden: bool = False
    anonymous: bool = False
    vote_budget: int | None = None
    max_votes_per_idea: int | None = None
    icebreaker: str | None = None
    # Hidden rounds: reveal as soon as the round ends. Off by default: the end closes
    # writing, and the facilitator reviews and reveals as a step of its own.
    auto_reveal: bool = False
    rotations: int | None = None  # brainwrite: how often sheets are passed on
    ideas_per_sheet: int | None = None  # brainwrite: ideas per sheet per rotation
    state: str = "planned"
    deadline_ms: int | None = None  # while running
    remaining_ms: int | None = None  # while paused
    started_at: int | None = None
    ended_at: int | None = None
    paused_at: int | None = None
    paused_ms: int = 0
    extended_s: int = 0
    revealed: bool = False  # hidden: on the board; vote/rate: results published
    # Hidden: idea ids the facilitator holds back. They stay in their author's drafts
    # after the reveal, until released (then they go onto the board) or the session ends.
    held_back: list[str] = field(default_factory=list)
    held_back_count: int = 0  # after reveal: how many are held back still (the export)
    merged: dict[str, str] = field(default_factory=dict)  # hidden: duplicate id -> kept id
    merged_count: int = 0  # duplicates folded into another idea at reveal
    top_n: int | None = None  # vote: how many ideas the results mark as top (ties too)
    rotation: int = 0  # brainwrite: 0 for the first sheet holder
    sheet_order: list[str] = field(default_factory=list)  # brainwrite: pids at start
    sheet_ids: list[str] = field(default_factory=list)
    tallies: dict[str, int] | None = None  # vote: published dots per idea
    ratings: dict[str, dict[str, float]] | None = None  # rate: published averages

    @property
    def active(self) -> bool:
        return self.state in ("running", "paused")

    @property
    def is_hidden(self) -> bool:
        return self.hidden or self.kind == "brainwrite"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Round:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Session:
    id: str
    title: str
    goal: str
    language: str
    join_code: str
    facilitator_id: str
    created_at: int
    anonymous: bool = False
    vote_budget: int = DEFAULT_VOTE_BUDGET
    allow_observers: bool = True
    participants_can_export: bool = False
    retention_days: float | None = None  # days kept after the end; None: until deleted
    timezone: str | None = None  # IANA name: the times of the summary (else UTC)
    state: str = "open"  # "open" or "ended"
    locked: bool = False
    started_at: int | None = None  # when the first round started
    ended_at: int | None = None
    current_round_id: str | None = None
    rounds: list[Round] = field(default_factory=list)
    # The idea in the spotlight and the phase it was put there in (spotlight.py).
    spotlight: dict[str, Any] | None = None
    version: int = 0  # bumped on every change; the control document carries it

    @property
    def ended(self) -> bool:
        return self.state == "ended"

    def round(self, round_id: str) -> Round | None:
        return next((r for r in self.rounds if r.id == round_id), None)

    @property
    def current_round(self) -> Round | None:
        return self.round(self.current_round_id) if self.current_round_id else None

    @property
    def active_round(self) -> Round | None:
        return next((r for r in self.rounds if r.active), None)

    def settings_json(self) -> dict[str, Any]:
        return {
            "anonymous": self.anonymous,
            "vote_budget": self.vote_budget,
            "allow_observers": self.allow_observers,
            "participants_can_export": self.participants_can_export,
            "retention_days": self.retention_days,
            "timezone": self.timezone,
        }

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["rounds"] = [r.to_json() for r in self.rounds]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["rounds"] = [Round.from_json(r) for r in data.get("rounds", [])]
        return cls(**values)


@dataclass
class Participant:
    id: str
    session_id: str
    name: str
    role: str
    color: str
    joined_at: int
    # Removed by a facilitator: the record stays (their ideas keep an author), the token
    # and every connection stop working.
    removed_at: int | None = None
    # The login account that joined (identity/): {"iss", "sub"}, for access only; never
    # in public(), the documents or an export.
    account: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def removed(self) -> bool:
        return self.removed_at is not None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Participant:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "color": self.color}


@dataclass
class Idea:
    """An idea as the board and drafts documents hold it (docs/api.md "Documents").

    Browsers write boards too: values are kept as the document holds them (a reader that
    needs a clean value checks it), and keys beyond the layout are kept in `extra`, so the
    API returns what the document had (a layout key a browser left out reads as None).
    """

    id: str
    text: str
    author_id: str | None = None
    author_name: str | None = None
    round_id: str | None = None
    cluster_id: str | None = None
    color: str | None = None
    created_at: float | None = None
    sheet_id: str | None = None  # drafts of a brainwriting round: the sheet it is on
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("sheet_id", "extra")}
        if self.sheet_id is not None:
            data["sheet_id"] = self.sheet_id
        return {**data, **self.extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Idea:
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in data.items() if k in names},
                   extra={k: v for k, v in data.items() if k not in names})


def idea_order(idea: Idea) -> tuple[float, str]:
    """Ideas in the order they were written (ties by id)."""
    return (idea.created_at or 0, idea.id)


def participant_key(session_id: str, participant_id: str) -> str:
    return f"{session_id}/{participant_id}"


def round_member_key(session_id: str, round_id: str, participant_id: str) -> str:
    return f"{session_id}/{round_id}/{participant_id}"


def vote_budget(session: Session, rnd: Round) -> int:
    return rnd.vote_budget if rnd.vote_budget is not None else session.vote_budget


def max_votes_per_idea(session: Session, rnd: Round) -> int:
    budget = vote_budget(session, rnd)
    cap = rnd.max_votes_per_idea
    return budget if cap is None else min(cap, budget)
