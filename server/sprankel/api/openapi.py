"""The OpenAPI 3.1 document at /api/openapi.json, built from the endpoint table.

Request bodies are described exactly (the same limits as facilitation/validation.py
and kernel/limits.py); responses by their main fields. The document reads nothing but
the endpoint declarations (endpoint.py), which are also the routes (routing.py), so
every route is in the document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import __version__
from ..facilitation import validation as v
from ..facilitation.model import ROUND_KINDS
from ..kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from ..kernel.limits import MAX_ID, MAX_NAME
from ..koffiehoek import spaces as k
from .endpoint import Endpoint
from .export import TIME_ZONES

_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_MS = {"type": ["integer", "null"], "description": "ms since the epoch"}


# validation.text() strips the ends and refuses NUL: a required text needs one character
# that is not white space.
_NO_NUL = "^[^\\u0000]*$"
_NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _text(max_len: int, min_len: int = 1, nullable: bool = False) -> dict[str, Any]:
    """A text field as validation.text() checks it; nullable: null means "not given"."""
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string",
                              "minLength": min_len, "maxLength": max_len,
                              "pattern": _NOT_BLANK if min_len else _NO_NUL}
    return schema


def _optional_enum(values: Sequence[str]) -> dict[str, Any]:
    """validation.choice() with a default: null means "not given"."""
    return {"enum": [*values, None]}


_ID_OR_NULL = {"type": ["string", "null"], "minLength": 1, "maxLength": MAX_ID}


def _range(low: int, high: int, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["integer", "null"] if nullable else "integer", "minimum": low,
            "maximum": high}


def _object(properties: dict[str, Any], required: Sequence[str] = (),
            closed: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


_ROUND_FIELDS: dict[str, Any] = {
    "kind": {"enum": list(ROUND_KINDS)},
    "prompt": _text(v.MAX_PROMPT),
    "duration_s": _range(1, v.MAX_DURATION_S),
    "hidden": _BOOL, "anonymous": _BOOL, "auto_reveal": _BOOL,
    "vote_budget": _range(1, v.MAX_BUDGET, True),
    "max_votes_per_idea": _range(1, v.MAX_BUDGET, True),
    "icebreaker": _text(v.MAX_PROMPT, nullable=True),
    "rotations": _range(0, 10, True), "ideas_per_sheet": _range(1, 10, True),
}

# A warm-up needs no prompt (the icebreaker is the question); every other round does.
_WARMUP = {"properties": {"kind": {"const": "warmup"}}, "required": ["kind"]}
_NEW_ROUND = {
    **_object(_ROUND_FIELDS, ["kind", "duration_s"]),
    "if": _WARMUP,
    "then": {"properties": {"prompt": _text(v.MAX_PROMPT, 0, nullable=True)}},
    "else": {"required": ["prompt"]},
}
_ROUND_PATCH = {
    **_object(_ROUND_FIELDS),
    "if": _WARMUP,
    "then": {"properties": {"prompt": _text(v.MAX_PROMPT, 0)}},
}

_ROUND = _object({
    "id": _STR, **_ROUND_FIELDS, "prompt": _STR,
    "state": {"enum": ["planned", "running", "paused", "ended"]},
    "deadline": _MS, "remaining_ms": {"type": ["integer", "null"]}, "rotation": _INT,
    "started_at": _MS, "ended_at": _MS, "paused_ms": _INT, "extended_s": _INT,
    "revealed": _BOOL, "held_back_count": {"type": ["integer", "null"]},
    "tallies": {"type": ["object", "null"], "additionalProperties": _INT},
    "ratings": {"type": ["object", "null"]},
}, closed=False)

_IDEA = _object({
    "id": _STR, "text": _STR, "author_id": {"type": ["string", "null"]},
    "author_name": {"type": ["string", "null"]}, "round_id": {"type": ["string", "null"]},
    "cluster_id": {"type": ["string", "null"]}, "color": {"enum": list(v.IDEA_COLORS)},
    "created_at": _MS, "hidden": _BOOL,
}, closed=False)

_MY_VOTES = _object({"round_id": _STR, "votes": {"type": "object",
                                                 "additionalProperties": _INT},
                     "budget": _INT, "used": _INT, "left": _INT,
                     "max_votes_per_idea": _INT}, closed=False)

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _STR, "message": _STR}, ["error", "message"], closed=False),
    "NewSession": _object({
        "title": _text(v.MAX_TITLE), "goal": _text(v.MAX_GOAL, 0, nullable=True),
        "language": {**_optional_enum(LANGUAGES), "default": DEFAULT_LANGUAGE},
        "facilitator_name": _text(MAX_NAME, nullable=True),
        "settings": {"anyOf": [_object({
            "anonymous": _BOOL, "vote_budget": _range(1, v.MAX_BUDGET),
            "allow_observers": _BOOL, "participants_can_export": _BOOL,
            "retention_days": _range(1, 3650, True),
        }), {"type": "null"}]},
    }, ["title"]),
    "CreatedSession": _object({
        "id": _STR, "facilitator_token": _STR, "join_code": _STR, "participant_id": _STR,
        "links": _object({"facilitator": _STR, "join": _STR}, closed=False),
    }, closed=False),
    "Join": _object({"name": _text(MAX_NAME), "join_code": {"type": "string", "minLength": 1},
                     "role": {**_optional_enum(["participant", "observer"]),
                              "default": "participant"}},
                    ["name", "join_code"]),
    "Joined": _object({"participant_id": _STR, "token": _STR, "role": _STR, "name": _STR,
                       "color": _STR}, closed=False),
    "SessionView": _object({
        "id": _STR, "title": _STR, "goal": _STR, "language": _STR, "settings": {"type": "object"},
        "state": {"enum": ["open", "ended"]}, "ended": _BOOL, "locked": _BOOL,
        "agenda": {"type": "array", "items": _ROUND},
        "current_round": {"oneOf": [_ROUND, {"type": "null"}]},
        "deadline": _MS, "server_time": {"type": "integer", "description": "ms since the epoch"},
        "participant_count": _INT, "observer_count": _INT,
        "presence": {"type": "array", "items": {"type": "object"},
                     "description": "names of who is here; empty for all but facilitators "
                                    "in anonymous sessions"},
        "presence_count": _INT,
        "me": {"type": "object"}, "my_votes": {"oneOf": [_MY_VOTES, {"type": "null"}]},
        "my_ratings": {"type": ["object", "null"]},
        "tallies": {"type": ["object", "null"]},
        "links": {"type": "object", "description": "join; facilitator (facilitators only)"},
        "hidden_ideas": {"type": "array", "items": _IDEA, "description": "facilitators only"},
    }, closed=False),
    "Participants": _object({"participants": {"type": "array", "items": {"type": "object"}}},
                            closed=False),
    "NewRound": _NEW_ROUND,
    "RoundPatch": _ROUND_PATCH,
    "Round": _ROUND,
    "Extend": _object({"seconds": _range(1, v.MAX_EXTEND_S)}, ["seconds"]),
    "NewIdea": _object({"text": _text(v.MAX_IDEA), "round_id": _ID_OR_NULL,
                        "cluster_id": _ID_OR_NULL,
                        "color": _optional_enum(v.IDEA_COLORS)}, ["text"]),
    "IdeaPatch": {**_object({"text": _text(v.MAX_IDEA), "color": _optional_enum(v.IDEA_COLORS)}),
                  "minProperties": 1},
    "Idea": _IDEA,
    "BoardIdeas": _object({"ideas": {"type": "array", "items": _IDEA}}, closed=False),
    "HiddenIdeas": _object({"ideas": {"type": "array", "items": _IDEA}}, closed=False),
    "Held": _object({"idea_id": _STR, "held_back": _BOOL}),
    "Votes": _object({"count": _range(0, v.MAX_BUDGET)}, ["count"]),
    "MyVotes": _MY_VOTES,
    "Rating": _object({"originality": _range(1, 5), "feasibility": _range(1, 5)},
                      ["originality", "feasibility"]),
    "MyRatings": _object({"round_id": {"type": ["string", "null"]},
                          "ratings": {"type": "object"}}, closed=False),
    "LockState": _object({"locked": _BOOL, "state": _STR, "ended_at": _MS}, closed=False),
    "Icebreakers": _object({"language": _STR, "icebreakers": {"type": "array",
                                                              "items": _STR}}),
    # Koffiehoek (api/spaces.py)
    "NewSpace": _object({"name": _text(k.MAX_SPACE_NAME), "your_name": _text(MAX_NAME),
                         "language": {"enum": list(LANGUAGES), "default": "nl"}},
                        ["name", "your_name"]),
    "CreatedSpace": _object({"id": _STR, "member_id": _STR, "token": _STR,
                             "links": _object({"space": _STR}, closed=False)}, closed=False),
    "SpaceAbout": _object({"id": _STR, "name": _STR, "language": _STR}, closed=False),
    "NewMember": _object({"name": _text(MAX_NAME)}, ["name"]),
    "JoinedSpace": _object({"member_id": _STR, "token": _STR}, closed=False),
    "SpaceView": _object({"id": _STR, "name": _STR, "language": _STR,
                          "sessions": {"type": "array", "items": {"type": "object"}}},
                         closed=False),
    "ChatPost": _object({"text": _text(k.MAX_MESSAGE)}, ["text"]),
    "ChatMessage": {"type": "object"},
    "NoBody": {"anyOf": [_object({}), {"type": "null"}], "description": "empty, or {}"},
    "NewIcebreaker": _object({"text": _text(k.MAX_ICEBREAKER)}, ["text"]),
    "OwnIcebreakers": _object({"icebreakers": {"type": "array", "items": _STR}}),
    "StartFromMessage": _object({"message_id": {"type": "string", "minLength": 1,
                                                "maxLength": MAX_ID}}, ["message_id"]),
    "StartedSession": _object({"session_id": _STR, "facilitator_token": _STR,
                               "links": _object({"facilitator": _STR, "join": _STR},
                                                closed=False)}, closed=False),
    # Export (api/export.py)
    "TimeZone": {"enum": TIME_ZONES, "default": "UTC"},
    # Presence (api/presence.py)
    "Presence": _object({"document": _STR, "count": _INT,
                         "connections": {"type": "array", "items": {"type": "object"}}},
                        closed=False),
}

_STATUS_TEXT = {400: "The path is malformed", 401: "No token, or a bad one",
                403: "The role may not do this",
                404: "No such session, round or idea", 409: "A conflict with the rules "
                "(vote budget spent, another round running, sheet full)",
                410: "The session has ended", 413: "The body is too large",
                422: "The body is invalid; the message says what is wrong",
                423: "The round or board is not in a phase that allows this",
                429: "Too many requests: wait the Retry-After header's seconds",
                503: "The server is starting or stopping"}

_PARAM = re.compile(r"{([a-z_]+)(?::[a-z]+)?}")


def _operation(e: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": e.summary, "operationId": _operation_id(e)}
    if e.auth:
        op["security"] = [{"bearer": []}]
    else:
        op["security"] = []  # public: no token needed
    if e.body:
        op["requestBody"] = {"required": e.body != "NoBody", "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{e.body}"}}}}
    ok: dict[str, Any] = {"description": "OK" if e.status != 201 else "Created"}
    if e.status == 204:
        ok = {"description": "Deleted"}
    elif e.response:
        ok["content"] = {e.media_type: {
            "schema": {"$ref": f"#/components/schemas/{e.response}"}}}
    elif e.media_type != "application/json":
        ok["content"] = {e.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(e.status): ok}
    codes = set(e.errors) | ({422, 413} if e.body else set())
    for code in sorted(codes):
        responses[str(code)] = {"description": _STATUS_TEXT.get(code, "Error"), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    declared = {p["name"] for p in e.parameters}
    params = [{"name": p, "in": "path", "required": True, "schema": _STR}
              for p in _PARAM.findall(e.path) if p not in declared]
    params += e.parameters
    if params:
        op["parameters"] = params
    return op


def _operation_id(e: Endpoint) -> str:
    words = re.sub(r"[{}]", "", e.path.removeprefix("/api/")).replace("/", "_").replace("-", "_")
    return f"{e.method.lower()}_{words}"


def openapi_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    """The document of the declared endpoints."""
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(_PARAM.sub(r"{\1}", e.path), {})[e.method.lower()] = _operation(e)
    paths["/api/openapi.json"] = {"get": {"summary": "This document", "responses": {
        "200": {"description": "OpenAPI 3.1"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Sprankel API", "version": __version__,
                 "description": "Sessions, rounds, ideas, votes. See docs/api.md."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "the token from POST /api/sessions "
                                           "or POST /api/sessions/{sid}/participants"}},
        },
    }


def openapi_route(endpoints: Sequence[Endpoint]) -> Route:
    document: dict[str, Any] | None = None

    async def openapi(request: Request) -> JSONResponse:
        nonlocal document
        if document is None:  # built on first use
            document = openapi_document(endpoints)
        return JSONResponse(document)

    return Route("/api/openapi.json", openapi, methods=["GET"])
