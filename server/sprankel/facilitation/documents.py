"""The layout of a session's Yjs documents, and the server's edits of them.

    sessions/SID/board        participants and facilitators write (see roles.py)
        Y.Map "ideas"     idea id -> Y.Map {id, text, author_id, author_name, round_id,
                                            cluster_id, color, created_at}
        Y.Map "clusters"  cluster id -> Y.Map {id, title, color, created_at}
        Y.Map "notes"     note id -> Y.Map {id, kind: note|decision|action, text, owner,
                                            due, done, created_at}
        Y.Array "elements", Y.Map "assets"   the whiteboard, in y-excalidraw's layout
    sessions/SID/control      the server only; everyone else reads
        Y.Map "control"   key -> JSON value (see control.py), and "vote_progress"
                          {round_id, all, some, none, participants} while a vote runs
    sessions/SID/drafts/PID   participant PID; facilitators read
        Y.Map "ideas"     the participant's hidden ideas, same shape as on the board,
                          plus "sheet_id" in brainwriting rounds
        Y.Map "sheet"     brainwriting: the sheet in hand {id, round_id, rotation,
                          rotations, ideas: [{id, text}]} (written by the server)

Times are ms since the epoch; ids are URL-safe strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map

from ..sync.reading import to_plain
from .model import Idea

IDEAS = "ideas"
CLUSTERS = "clusters"
NOTES = "notes"
ELEMENTS = "elements"
ASSETS = "assets"
CONTROL = "control"
SHEET = "sheet"

IDEA_FIELDS = ("id", "text", "author_id", "author_name", "round_id", "cluster_id", "color",
               "created_at")

_NAME = re.compile(r"sessions/([A-Za-z0-9_-]+)/(board|control|drafts/([A-Za-z0-9_-]+))")


@dataclass(frozen=True)
class SessionDocument:
    session_id: str
    kind: str  # "board", "control" or "drafts"
    owner_id: str | None = None  # drafts: the participant


def parse_document_name(name: str) -> SessionDocument | None:
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    sid, rest, owner = match.group(1), match.group(2), match.group(3)
    if owner is not None:
        return SessionDocument(sid, "drafts", owner)
    return SessionDocument(sid, rest)


def board_name(session_id: str) -> str:
    return f"sessions/{session_id}/board"


def control_name(session_id: str) -> str:
    return f"sessions/{session_id}/control"


def drafts_name(session_id: str, participant_id: str) -> str:
    return f"sessions/{session_id}/drafts/{participant_id}"


def drafts_prefix(session_id: str) -> str:
    return f"sessions/{session_id}/drafts/"


def session_prefix(session_id: str) -> str:
    return f"sessions/{session_id}/"


# Reading


def _plain(value: Any) -> dict[str, Any] | None:
    data = to_plain(value) if isinstance(value, Map | dict) else None
    return data if isinstance(data, dict) else None


def read_ideas(doc: Doc[Any]) -> list[Idea]:
    """Every idea of a board or drafts document (malformed ones skipped)."""
    out = []
    for key, value in doc.get(IDEAS, type=Map).items():
        idea = _idea(key, value)
        if idea is not None:
            out.append(idea)
    return out


def read_idea(doc: Doc[Any], idea_id: str) -> Idea | None:
    return _idea(idea_id, doc.get(IDEAS, type=Map).get(idea_id))


def _idea(key: str, value: Any) -> Idea | None:
    idea = _plain(value)
    if idea is None or not isinstance(idea.get("text"), str):
        return None
    idea["id"] = key
    return Idea.from_json(idea)


def idea_exists(doc: Doc[Any], idea_id: str) -> bool:
    return idea_id in doc.get(IDEAS, type=Map)


# Writing (inside RoomManager.apply_server_change, i.e. one transaction)


def put_idea(doc: Doc[Any], idea: Idea) -> None:
    ideas = doc.get(IDEAS, type=Map)
    ideas[idea.id] = Map(idea.to_json())


def update_idea(doc: Doc[Any], idea_id: str, fields: dict[str, Any]) -> None:
    """Set some fields of an idea, each its own entry (a concurrent move keeps its cluster)."""
    idea = doc.get(IDEAS, type=Map).get(idea_id)
    if isinstance(idea, Map):
        for key, value in fields.items():
            idea[key] = value


def remove_ideas(doc: Doc[Any], idea_ids: list[str]) -> None:
    ideas = doc.get(IDEAS, type=Map)
    for idea_id in idea_ids:
        if idea_id in ideas:
            del ideas[idea_id]


def set_sheet(doc: Doc[Any], sheet: dict[str, Any] | None) -> None:
    target = doc.get(SHEET, type=Map)
    for key in list(target.keys()):
        if sheet is None or key not in sheet:
            del target[key]
    for key, value in (sheet or {}).items():
        target[key] = value


def read_sheet(doc: Doc[Any]) -> dict[str, Any]:
    data = to_plain(doc.get(SHEET, type=Map))
    return data if isinstance(data, dict) else {}


def write_control(doc: Doc[Any], state: dict[str, Any]) -> None:
    """Write the control state, key by key, only what changed.

    A state older than the one in the document (another process wrote a newer
    version meanwhile) is not written, so the control document never goes back.
    """
    control = doc.get(CONTROL, type=Map)
    current = control.get("version")
    if isinstance(current, (int, float)) and current > state.get("version", 0):
        return
    for key, value in state.items():
        if key not in control or control[key] != _json_numbers(value):
            control[key] = value


VOTE_PROGRESS = "vote_progress"


def write_vote_progress(doc: Doc[Any], progress: dict[str, Any]) -> None:
    """How many have placed all, some or none of their dots in the running vote round
    (counts only: never who, never for what). Beside the state: a vote changes no version."""
    control = doc.get(CONTROL, type=Map)
    if control.get(VOTE_PROGRESS) != _json_numbers(progress):
        control[VOTE_PROGRESS] = progress


def read_control(doc: Doc[Any]) -> dict[str, Any]:
    data = to_plain(doc.get(CONTROL, type=Map))
    return data if isinstance(data, dict) else {}


def _json_numbers(value: Any) -> Any:
    # pycrdt reads numbers back as floats: compare like with like.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    return value
