"""The bodies of the session API: which fields each request takes and their limits.
The checks of one field (type, length, range, unknown fields) are kernel/validation.py.
"""

from __future__ import annotations

from typing import Any

from ..kernel.errors import Invalid
from ..kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from ..kernel.limits import MAX_NAME
from ..kernel.timezones import time_zone
from ..kernel.validation import (
    body_object,
    boolean,
    choice,
    identifier,
    integer,
    only_fields,
    required_int,
    text,
)
from ..messages import catalogue
from .model import ROUND_KINDS
from .roles import JOIN_ROLES

IDEA_COLORS = ("yellow", "green", "blue", "pink", "orange", "purple")

MAX_TITLE = 200
MAX_GOAL = 2000
MAX_PROMPT = 1000
MAX_IDEA = 1000
MAX_DURATION_S = 24 * 3600
MAX_EXTEND_S = 3600
MAX_BUDGET = 100
MAX_ROUNDS = 1000  # an agenda's places (a move beyond the end goes last)
MAX_TOP_N = 50  # a vote round's top: more is no longer a top


SESSION_FIELDS = ("title", "goal", "language", "settings", "facilitator_name")
SETTINGS_FIELDS = ("anonymous", "vote_budget", "allow_observers", "participants_can_export",
                   "retention_days", "timezone")
# What can change after the session was created (PATCH .../settings).
CHANGEABLE_SETTINGS = ("timezone",)


def new_session(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, SESSION_FIELDS)
    settings = body.get("settings")
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise Invalid("settings must be an object")
    only_fields(settings, SETTINGS_FIELDS, "settings")
    language = choice(body, "language", LANGUAGES, default=DEFAULT_LANGUAGE)
    return {
        "title": text(body, "title", MAX_TITLE),
        "goal": text(body, "goal", MAX_GOAL, required=False, min_len=0),
        "language": language,
        # A facilitator who gave no name is "Begeleider" in a Dutch session.
        "facilitator_name": text(body, "facilitator_name", MAX_NAME, required=False,
                                 default=catalogue(language)["session.facilitator.unnamed"]),
        "anonymous": boolean(settings, "anonymous", False),
        "vote_budget": integer(settings, "vote_budget", 1, MAX_BUDGET, required=False) or 5,
        "allow_observers": boolean(settings, "allow_observers", True),
        "participants_can_export": boolean(settings, "participants_can_export", False),
        "retention_days": integer(settings, "retention_days", 1, 3650, required=False,
                                  nullable=True),
        "timezone": _time_zone_or_none(settings),
    }


def _time_zone_or_none(settings: dict[str, Any]) -> str | None:
    value = settings.get("timezone")
    return None if value is None else time_zone(value, "settings.timezone")


def settings_patch(raw: Any) -> dict[str, Any]:
    """The settings a facilitator changes later: only those given."""
    body = body_object(raw)
    only_fields(body, CHANGEABLE_SETTINGS)
    if not body:
        raise Invalid(f"give at least one of {', '.join(CHANGEABLE_SETTINGS)}")
    return {"timezone": _time_zone_or_none(body)} if "timezone" in body else {}


JOIN_FIELDS = ("name", "join_code", "role")


def join(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, JOIN_FIELDS)
    code = body.get("join_code")
    if not isinstance(code, str) or not code:
        raise Invalid("join_code is required: the code from the join link")
    return {
        "name": text(body, "name", MAX_NAME),
        "join_code": code,
        "role": choice(body, "role", JOIN_ROLES, default="participant"),
    }


ROUND_FIELDS = ("kind", "prompt", "duration_s", "hidden", "anonymous", "vote_budget",
                "max_votes_per_idea", "icebreaker", "auto_reveal", "rotations",
                "ideas_per_sheet", "top_n")


def round_fields(raw: Any, *, partial: bool) -> dict[str, Any]:
    """The fields of a new round (partial=False) or of a PATCH (only those present)."""
    body = body_object(raw)
    only_fields(body, ROUND_FIELDS)
    out: dict[str, Any] = {}
    if not partial or "kind" in body:
        out["kind"] = choice(body, "kind", ROUND_KINDS)
    kind = out.get("kind")
    if partial and "prompt" in body and body["prompt"] is None:
        raise Invalid("prompt must be a string, not null")
    if not partial or "prompt" in body:
        out["prompt"] = text(body, "prompt", MAX_PROMPT, required=kind != "warmup" and
                             not partial, min_len=0 if kind == "warmup" else 1)
    if not partial or "duration_s" in body:
        out["duration_s"] = required_int(body, "duration_s", 1, MAX_DURATION_S)
    for name in ("hidden", "anonymous", "auto_reveal"):
        if name in body:
            out[name] = boolean(body, name)
    for name, low, high in (("vote_budget", 1, MAX_BUDGET), ("max_votes_per_idea", 1, MAX_BUDGET),
                            ("rotations", 0, 10), ("ideas_per_sheet", 1, 10),
                            ("top_n", 1, MAX_TOP_N)):
        if name in body:
            out[name] = integer(body, name, low, high, required=False, nullable=True)
    if "icebreaker" in body:
        out["icebreaker"] = (None if body["icebreaker"] is None
                             else text(body, "icebreaker", MAX_PROMPT))
    return out


def move(raw: Any) -> int:
    """A round's new place in the agenda (0: first)."""
    body = body_object(raw)
    only_fields(body, ("position",))
    return required_int(body, "position", 0, MAX_ROUNDS)


def extend(raw: Any) -> int:
    body = body_object(raw)
    only_fields(body, ("seconds",))
    return required_int(body, "seconds", 1, MAX_EXTEND_S)


IDEA_FIELDS = ("text", "round_id", "color", "cluster_id")


def new_idea(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, IDEA_FIELDS)
    round_id = body.get("round_id")
    cluster_id = body.get("cluster_id")
    return {
        "text": text(body, "text", MAX_IDEA),
        "round_id": None if round_id is None else identifier(round_id, "round_id"),
        "cluster_id": None if cluster_id is None else identifier(cluster_id, "cluster_id"),
        "color": choice(body, "color", IDEA_COLORS, default=IDEA_COLORS[0]),
    }


def idea_patch(raw: Any) -> dict[str, Any]:
    """PATCH of an idea through the API: its text, its colour, or both."""
    body = body_object(raw)
    only_fields(body, ("text", "color"))
    if not body:
        raise Invalid("give text, color or both")
    fields: dict[str, Any] = {}
    if "text" in body:
        fields["text"] = text(body, "text", MAX_IDEA)
    if "color" in body:
        fields["color"] = choice(body, "color", IDEA_COLORS, default=IDEA_COLORS[0])
    return fields


def votes(raw: Any) -> int:
    body = body_object(raw)
    only_fields(body, ("count",))
    return required_int(body, "count", 0, MAX_BUDGET)


def merge(raw: Any) -> str:
    """The idea a hidden duplicate is merged into."""
    body = body_object(raw)
    only_fields(body, ("into",))
    return identifier(body.get("into"), "into")


def rating(raw: Any) -> tuple[int, int]:
    body = body_object(raw)
    only_fields(body, ("originality", "feasibility"))
    return (required_int(body, "originality", 1, 5), required_int(body, "feasibility", 1, 5))


# The reactions anyone in a session may send (reactions.py); "❤️" is two code points.
REACTIONS = ("👍", "❤️", "😂", "🎉", "💡", "🤔")


def reaction(raw: Any) -> str:
    body = body_object(raw)
    only_fields(body, ("emoji",))
    emoji = choice(body, "emoji", REACTIONS)
    assert emoji is not None  # choice() without a default raises instead
    return emoji


def spotlight(raw: Any) -> str:
    """The idea the facilitator puts in the spotlight."""
    body = body_object(raw)
    only_fields(body, ("idea_id",))
    return identifier(body.get("idea_id"), "idea_id")
