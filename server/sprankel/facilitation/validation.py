"""Checking request bodies: every field's type, length and range, with a message that
says which field is wrong and what is expected. Unknown fields are refused too, so a
typo (`"duration"` for `"duration_s"`) is not silently ignored.
"""

from __future__ import annotations

from typing import Any

from .errors import Invalid
from .model import LANGUAGES, ROUND_KINDS
from .roles import JOIN_ROLES

IDEA_COLORS = ("yellow", "green", "blue", "pink", "orange", "purple")

MAX_TITLE = 200
MAX_GOAL = 2000
MAX_NAME = 80
MAX_PROMPT = 1000
MAX_IDEA = 1000
MAX_ID = 64
MAX_DURATION_S = 24 * 3600
MAX_EXTEND_S = 3600
MAX_BUDGET = 100


def body_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    return body


def only_fields(body: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Invalid(
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f"{' in ' + where if where else ''}; allowed: {', '.join(allowed)}"
        )


def text(body: dict[str, Any], name: str, max_len: int, *, required: bool = True,
         min_len: int = 1, default: str = "") -> str:
    value = body.get(name)
    if value is None:
        if required:
            raise Invalid(f"{name} is required (a string of {min_len} to {max_len} characters)")
        return default
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string, not {_type(value)}")
    value = value.strip()
    if len(value) < min_len:
        raise Invalid(f"{name} must not be empty" if min_len == 1 else
                      f"{name} must have at least {min_len} characters")
    if len(value) > max_len:
        raise Invalid(f"{name} is too long: {len(value)} characters, at most {max_len}")
    if "\x00" in value:
        raise Invalid(f"{name} must not contain NUL characters")
    return value


def integer(body: dict[str, Any], name: str, low: int, high: int, *,
            required: bool = True, nullable: bool = False) -> int | None:
    if name not in body or (body[name] is None and nullable):
        if required:
            raise Invalid(f"{name} is required (a whole number from {low} to {high})")
        return None
    value = body[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 5.0 is the integer 5 in JSON (and in the OpenAPI schema)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{name} must be a whole number from {low} to {high}, not {_type(value)}")
    if not low <= value <= high:
        raise Invalid(f"{name} must be from {low} to {high}, not {value}")
    return value


def required_int(body: dict[str, Any], name: str, low: int, high: int) -> int:
    value = integer(body, name, low, high)
    assert value is not None
    return value


def boolean(body: dict[str, Any], name: str, default: bool | None = None) -> bool | None:
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, bool):
        raise Invalid(f"{name} must be true or false, not {_type(value)}")
    return value


def choice(body: dict[str, Any], name: str, options: tuple[str, ...], *,
           default: str | None = None) -> str | None:
    if body.get(name) is None:
        if default is None:
            raise Invalid(f"{name} is required: one of {', '.join(options)}")
        return default
    value = body[name]
    if value not in options:
        raise Invalid(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return str(value)


def identifier(value: Any, name: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID:
        raise Invalid(f"{name} must be an id string")
    return value


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


# Bodies of the API


SESSION_FIELDS = ("title", "goal", "language", "settings", "facilitator_name")
SETTINGS_FIELDS = ("anonymous", "vote_budget", "allow_observers", "participants_can_export",
                   "retention_days")


def new_session(raw: Any) -> dict[str, Any]:
    body = body_object(raw)
    only_fields(body, SESSION_FIELDS)
    settings = body.get("settings")
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise Invalid("settings must be an object")
    only_fields(settings, SETTINGS_FIELDS, "settings")
    return {
        "title": text(body, "title", MAX_TITLE),
        "goal": text(body, "goal", MAX_GOAL, required=False, min_len=0),
        "language": choice(body, "language", LANGUAGES, default="nl"),
        "facilitator_name": text(body, "facilitator_name", MAX_NAME, required=False,
                                 default="Facilitator"),
        "anonymous": boolean(settings, "anonymous", False),
        "vote_budget": integer(settings, "vote_budget", 1, MAX_BUDGET, required=False) or 5,
        "allow_observers": boolean(settings, "allow_observers", True),
        "participants_can_export": boolean(settings, "participants_can_export", False),
        "retention_days": integer(settings, "retention_days", 1, 3650, required=False,
                                  nullable=True),
    }


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
                "ideas_per_sheet")


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
                            ("rotations", 0, 10), ("ideas_per_sheet", 1, 10)):
        if name in body:
            out[name] = integer(body, name, low, high, required=False, nullable=True)
    if "icebreaker" in body:
        out["icebreaker"] = (None if body["icebreaker"] is None
                             else text(body, "icebreaker", MAX_PROMPT))
    return out


def extend(raw: Any) -> int:
    body = body_object(raw)
    only_fields(body, ("seconds",))
    return required_int(body, "seconds", 1, MAX_EXTEND_S)


def no_body(raw: Any) -> None:
    if raw is None:
        return
    body = body_object(raw)
    only_fields(body, ())


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


def votes(raw: Any) -> int:
    body = body_object(raw)
    only_fields(body, ("count",))
    return required_int(body, "count", 0, MAX_BUDGET)


def rating(raw: Any) -> tuple[int, int]:
    body = body_object(raw)
    only_fields(body, ("originality", "feasibility"))
    return (required_int(body, "originality", 1, 5), required_int(body, "feasibility", 1, 5))
