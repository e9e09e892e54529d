"""The request bodies of the API, each declared once: its JSON schema (for the OpenAPI
document) beside its parser (facilitation/validation.py, the Koffiehoek's own), which
gives the exact error messages. The schema helpers are here too, for openapi.py's
response schemas. The schemas state the same limits the parsers check; tests keep
them equal (test_api_openapi.py, schemathesis).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..facilitation import validation as v
from ..facilitation.model import ROUND_KINDS
from ..kernel import validation as checks
from ..kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from ..kernel.limits import MAX_ID, MAX_NAME
from ..koffiehoek import availability, gatherings, moments, tables
from ..koffiehoek import spaces as k
from ..voice import hallway
from .endpoint import Body

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
MS = {"type": ["integer", "null"], "description": "ms since the epoch"}

# validation.text() strips the ends and refuses NUL: a required text needs one character
# that is not white space.
_NO_NUL = "^[^\\u0000]*$"
_NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def text(max_len: int, min_len: int = 1, nullable: bool = False) -> dict[str, Any]:
    """A text field as validation.text() checks it; nullable: null means "not given"."""
    return {"type": ["string", "null"] if nullable else "string",
            "minLength": min_len, "maxLength": max_len,
            "pattern": _NOT_BLANK if min_len else _NO_NUL}


def optional_enum(values: Sequence[str]) -> dict[str, Any]:
    """validation.choice() with a default: null means "not given"."""
    return {"enum": [*values, None]}


ID_OR_NULL = {"type": ["string", "null"], "minLength": 1, "maxLength": MAX_ID}


def int_range(low: int, high: int, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["integer", "null"] if nullable else "integer", "minimum": low,
            "maximum": high}


def obj(properties: dict[str, Any], required: Sequence[str] = (),
        closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


ROUND_FIELDS: dict[str, Any] = {
    "kind": {"enum": list(ROUND_KINDS)},
    "prompt": text(v.MAX_PROMPT),
    "duration_s": int_range(1, v.MAX_DURATION_S),
    "hidden": BOOL, "anonymous": BOOL, "auto_reveal": BOOL,
    "vote_budget": int_range(1, v.MAX_BUDGET, True),
    "max_votes_per_idea": int_range(1, v.MAX_BUDGET, True),
    "icebreaker": text(v.MAX_PROMPT, nullable=True),
    "rotations": int_range(0, 10, True), "ideas_per_sheet": int_range(1, 10, True),
    "top_n": int_range(1, v.MAX_TOP_N, True),
}

# A warm-up needs no prompt (the icebreaker is the question); every other round does.
_WARMUP = {"properties": {"kind": {"const": "warmup"}}, "required": ["kind"]}


def _new_round(raw: Any) -> dict[str, Any]:
    return v.round_fields(raw, partial=False)


def _round_patch(raw: Any) -> dict[str, Any]:
    return v.round_fields(raw, partial=True)


def _message_id(raw: Any) -> str:
    body = checks.body_object(raw)
    checks.only_fields(body, ("message_id",))
    return checks.identifier(body.get("message_id"), "message_id")


NEW_SESSION = Body("NewSession", obj({
    "title": text(v.MAX_TITLE), "goal": text(v.MAX_GOAL, 0, nullable=True),
    "language": {**optional_enum(LANGUAGES), "default": DEFAULT_LANGUAGE},
    "facilitator_name": text(MAX_NAME, nullable=True),
    "settings": {"anyOf": [obj({
        "anonymous": BOOL, "vote_budget": int_range(1, v.MAX_BUDGET),
        "allow_observers": BOOL, "participants_can_export": BOOL,
        "retention_days": int_range(1, 3650, True),
        "timezone": {"oneOf": [{"$ref": "#/components/schemas/TimeZone"}, {"type": "null"}]},
    }), {"type": "null"}]},
}, ["title"]), v.new_session)
JOIN = Body("Join", obj({"name": text(MAX_NAME), "join_code": {"type": "string", "minLength": 1},
                         "role": {**optional_enum(["participant", "observer"]),
                                  "default": "participant"}},
                        ["name", "join_code"]), v.join)
NEW_ROUND = Body("NewRound", {
    **obj(ROUND_FIELDS, ["kind", "duration_s"]),
    "if": _WARMUP,
    "then": {"properties": {"prompt": text(v.MAX_PROMPT, 0, nullable=True)}},
    "else": {"required": ["prompt"]},
}, _new_round)
ROUND_PATCH = Body("RoundPatch", {
    **obj(ROUND_FIELDS),
    "if": _WARMUP,
    "then": {"properties": {"prompt": text(v.MAX_PROMPT, 0)}},
}, _round_patch)
MOVE = Body("Move", obj({"position": int_range(0, v.MAX_ROUNDS)}, ["position"]), v.move)
EXTEND = Body("Extend", obj({"seconds": int_range(1, v.MAX_EXTEND_S)}, ["seconds"]),
              v.extend)
NEW_IDEA = Body("NewIdea", obj({"text": text(v.MAX_IDEA), "round_id": ID_OR_NULL,
                                "cluster_id": ID_OR_NULL,
                                "color": optional_enum(v.IDEA_COLORS)}, ["text"]), v.new_idea)
IDEA_PATCH = Body("IdeaPatch", {**obj({"text": text(v.MAX_IDEA),
                                       "color": optional_enum(v.IDEA_COLORS)}),
                                "minProperties": 1}, v.idea_patch)
VOTES = Body("Votes", obj({"count": int_range(0, v.MAX_BUDGET)}, ["count"]), v.votes)
SETTINGS_PATCH = Body("SettingsPatch", {
    **obj({"timezone": {"oneOf": [{"$ref": "#/components/schemas/TimeZone"},
                                  {"type": "null"}]}}),
    "minProperties": 1}, v.settings_patch)
MERGE = Body("Merge", obj({"into": {"type": "string", "minLength": 1, "maxLength": MAX_ID}},
                          ["into"]), v.merge)
RATING = Body("Rating", obj({"originality": int_range(1, 5), "feasibility": int_range(1, 5)},
                            ["originality", "feasibility"]), v.rating)
REACTION = Body("NewReaction", obj({"emoji": {"enum": list(v.REACTIONS)}}, ["emoji"]),
                v.reaction)
SPOTLIGHT = Body("Spotlight", obj({"idea_id": {"type": "string", "minLength": 1,
                                               "maxLength": MAX_ID}}, ["idea_id"]), v.spotlight)
# POST actions that take nothing: an empty body or {} (anything else is a 422).
NO_BODY = Body("NoBody", {"anyOf": [obj({}), {"type": "null"}], "description": "empty, or {}"},
               checks.no_body, optional=True)

# Koffiehoek (api/spaces.py): the parsers are the Koffiehoek's own (koffiehoek/spaces.py).
NEW_SPACE = Body("NewSpace", obj({"name": text(k.MAX_SPACE_NAME), "your_name": text(MAX_NAME),
                                  "language": {"enum": list(LANGUAGES), "default": "nl"},
                                  "time_zone": {"$ref": "#/components/schemas/TimeZone",
                                                "default": "Europe/Amsterdam"}},
                                 ["name", "your_name"]), k.space_fields)
NEW_MEMBER = Body("NewMember", obj({"name": text(MAX_NAME)}, ["name"]), k.member_fields)
CHAT_POST = Body("ChatPost", obj({"text": text(k.MAX_MESSAGE)}, ["text"]), k.message_fields)
NEW_ICEBREAKER = Body("NewIcebreaker", obj({"text": text(k.MAX_ICEBREAKER)}, ["text"]),
                      k.icebreaker_fields)
NEW_TABLE = Body("NewTable", obj({"name": text(tables.MAX_TABLE_NAME),
                                  "seats": {**int_range(2, tables.MAX_SEATS),
                                            "default": tables.DEFAULT_SEATS},
                                  "muted_on_arrival": {"type": "boolean", "default": False},
                                  "cameras": {"type": "boolean", "default": False}},
                                 ["name"]), tables.table_fields)
MEMBER_STATUS = Body("MemberStatus", obj({"status": {"enum": list(availability.STATUSES)},
                                          "note": text(availability.MAX_NOTE, min_len=0)},
                                         ["status"]), availability.status_fields)
NEW_MOMENT = Body("NewMoment", obj({
    "weekdays": {"type": "array", "minItems": 1, "uniqueItems": True,
                 "items": {"enum": list(moments.WEEKDAYS)}},
    "time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    "duration_min": {**int_range(5, 120), "default": 15},
    "time_zone": {"$ref": "#/components/schemas/TimeZone"},
    "table": {"type": "string", "minLength": 1, "default": "koffietafel"},
    "pairing": {"type": "boolean", "default": False}}, ["weekdays", "time"]),
    moments.moment_fields)
PAIRING = Body("Pairing", obj({"on": {"type": "boolean"}}, ["on"]), gatherings.pairing_fields)
HALLWAY = Body("Hallway", {"type": "object", "additionalProperties": False,
                          "required": ["open"],
                          "properties": {"open": {"type": ["boolean", "null"]}}},
               hallway.hallway_fields)
START_FROM_MESSAGE = Body("StartFromMessage", obj({"message_id": {
    "type": "string", "minLength": 1, "maxLength": MAX_ID}}, ["message_id"]), _message_id)

# Every declared body, for the document's components (a body that no endpoint uses
# is still described, as before).
BODIES: tuple[Body, ...] = (NEW_SESSION, JOIN, NEW_ROUND, ROUND_PATCH, MOVE, EXTEND, NEW_IDEA,
                            IDEA_PATCH, SETTINGS_PATCH, VOTES, MERGE, RATING, REACTION,
                            SPOTLIGHT, NO_BODY,
                            NEW_SPACE, NEW_MEMBER, CHAT_POST, NEW_ICEBREAKER, NEW_TABLE,
                            MEMBER_STATUS, NEW_MOMENT, PAIRING, HALLWAY, START_FROM_MESSAGE)
