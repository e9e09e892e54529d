"""The OpenAPI 3.1 document at /api/openapi.json, built from the endpoint table.

Request bodies are described exactly: their schemas are declared beside their parsers
(bodies.py); responses by their main fields. Each operation lists its roles (x-roles,
and in its description). The document reads nothing but the endpoint declarations
(endpoint.py), which are also the routes (routing.py), so every route is in the
document.
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
from ..kernel.timezones import TIME_ZONES
from .bodies import BODIES, BOOL, INT, MS, ROUND_FIELDS, STR, obj
from .endpoint import Endpoint

_ROUND = obj({
    "id": STR, **ROUND_FIELDS, "prompt": STR,
    "state": {"enum": ["planned", "running", "paused", "ended"]},
    "deadline": MS, "remaining_ms": {"type": ["integer", "null"]}, "rotation": INT,
    "started_at": MS, "ended_at": MS, "paused_ms": INT, "extended_s": INT,
    "revealed": BOOL, "held_back_count": {"type": ["integer", "null"]},
    "tallies": {"type": ["object", "null"], "additionalProperties": INT},
    "ratings": {"type": ["object", "null"]},
}, closed=False)

_IDEA = obj({
    "id": STR, "text": STR, "author_id": {"type": ["string", "null"]},
    "author_name": {"type": ["string", "null"]}, "round_id": {"type": ["string", "null"]},
    "cluster_id": {"type": ["string", "null"]}, "color": {"enum": list(v.IDEA_COLORS)},
    "created_at": MS, "hidden": BOOL,
}, closed=False)

_VERSION_FIELDS: dict[str, Any] = {
    "id": STR, "at": MS, "trigger": {"enum": ["interval", "reveal", "lock", "restore", "end"]},
    "ideas": INT, "elements": INT, "bytes": INT,
    "active": {"type": "array", "items": {"type": "object"},
               "description": "who connected or edited since the version before: id and "
                              "role, and the name unless the session is anonymous"},
}
_VERSION = obj(_VERSION_FIELDS, closed=False)

_MY_VOTES = obj({"round_id": STR, "votes": {"type": "object",
                                                 "additionalProperties": INT},
                     "budget": INT, "used": INT, "left": INT,
                     "max_votes_per_idea": INT}, closed=False)

_RESPONSES: dict[str, Any] = {
    "Error": obj({"error": STR, "message": STR}, ["error", "message"], closed=False),
    "CreatedSession": obj({
        "id": STR, "facilitator_token": STR, "join_code": STR, "participant_id": STR,
        "links": obj({"facilitator": STR, "join": STR}, closed=False),
    }, closed=False),
    "Joined": obj({"participant_id": STR, "token": STR, "role": STR, "name": STR,
                       "color": STR}, closed=False),
    "SessionView": obj({
        "id": STR, "title": STR, "goal": STR, "language": STR, "settings": {"type": "object"},
        "state": {"enum": ["open", "ended"]}, "ended": BOOL, "locked": BOOL,
        "agenda": {"type": "array", "items": _ROUND},
        "current_round": {"oneOf": [_ROUND, {"type": "null"}]},
        "deadline": MS, "server_time": {"type": "integer", "description": "ms since the epoch"},
        "participant_count": INT, "observer_count": INT,
        "presence": {"type": "array", "items": {"type": "object"},
                     "description": "names of who is here; empty for all but facilitators "
                                    "in anonymous sessions"},
        "presence_count": INT,
        "me": {"type": "object"}, "my_votes": {"oneOf": [_MY_VOTES, {"type": "null"}]},
        "my_ratings": {"type": ["object", "null"]},
        "tallies": {"type": ["object", "null"]},
        "links": {"type": "object", "description": "join; facilitator (facilitators only)"},
        "hidden_ideas": {"type": "array", "items": _IDEA, "description": "facilitators only: "
                         "every hidden idea still to act on, with its state (waiting, "
                         "held_back, merged) and merged_into"},
        "my_hidden": {"type": "array", "items": obj({
            "id": STR, "round_id": STR,
            "state": {"enum": ["writing", "waiting", "held_back", "merged"]}}),
            "description": "participants: their own hidden ideas not on the board yet"},
        "token": {"type": "string", "description": "only after the caller's role changed: "
                                                   "a token with the new role"},
    }, closed=False),
    "Participants": obj({"participants": {
        "type": "array", "items": {"$ref": "#/components/schemas/Participant"}}}, closed=False),
    "Participant": obj({"id": STR, "name": STR, "role": STR, "color": STR, "joined_at": MS,
                        "removed": BOOL, "with_account": BOOL, "creator": BOOL},
                       closed=False),
    "Me": obj({"logged_in": BOOL, "login": BOOL, "guests": BOOL, "can_create": BOOL,
               "name": STR, "email": {"type": ["string", "null"]},
               "groups": {"type": "array", "items": STR}}, closed=False),
    "Round": _ROUND,
    "Idea": _IDEA,
    "BoardIdeas": obj({"ideas": {"type": "array", "items": _IDEA}}, closed=False),
    "HiddenIdeas": obj({"ideas": {"type": "array", "items": _IDEA}}, closed=False),
    "Held": obj({"idea_id": STR, "held_back": BOOL}),
    "Versions": obj({"versions": {"type": "array", "items": _VERSION}}, closed=False),
    "VersionPreview": obj({**_VERSION_FIELDS, "board": obj({
        "ideas": {"type": "array", "items": _IDEA},
        "clusters": {"type": "array", "items": {"type": "object"}},
        "notes": {"type": "array", "items": {"type": "object"}},
        "whiteboard": obj({"elements": {"type": "array", "items": {"type": "object"}},
                           "files": {"type": "array", "items": STR}}, closed=False),
    }, closed=False)}, closed=False),
    "Purged": obj({"deleted": {"type": "array", "items": STR}}, closed=False),
    "Restored": obj({"restored": _VERSION, "before": _VERSION}, closed=False),
    "SessionAbout": obj({"title": STR, "language": STR, "ended": BOOL}),
    "Settings": obj({"settings": {"type": "object"}}),
    "RevealedIdea": obj({"idea_id": STR, "revealed": BOOL}),
    "Reaction": obj({"emoji": STR, "number": INT}),
    "SpotlightState": obj({"idea_id": {"type": ["string", "null"]}}),
    "MergedIdea": obj({"idea_id": STR, "merged_into": STR}),
    "MyVotes": _MY_VOTES,
    "MyRatings": obj({"round_id": {"type": ["string", "null"]},
                          "ratings": {"type": "object"}}, closed=False),
    "LockState": obj({"locked": BOOL, "state": STR, "ended_at": MS}, closed=False),
    "Icebreakers": obj({"language": STR, "icebreakers": {"type": "array",
                                                              "items": STR}}),
    # Koffiehoek (api/spaces.py)
    "CreatedSpace": obj({"id": STR, "member_id": STR, "token": STR,
                             "links": obj({"space": STR}, closed=False)}, closed=False),
    "SpaceAbout": obj({"id": STR, "name": STR, "language": STR}, closed=False),
    "JoinedSpace": obj({"member_id": STR, "token": STR}, closed=False),
    "SpaceView": obj({"id": STR, "name": STR, "language": STR,
                          "sessions": {"type": "array", "items": {"type": "object"}}},
                         closed=False),
    "ChatMessage": {"type": "object"},
    "OwnIcebreakers": obj({"icebreakers": {"type": "array", "items": STR}}),
    "MemberStatus": obj({"status": STR, "note": STR}),
    "Pairing": obj({"on": {"type": "boolean"}}),
    "HallwayState": obj({"open": {"type": "boolean"}, "override": {"type": ["boolean", "null"]}}),
    "Moments": obj({"moments": {"type": "array", "items": {"type": "object"}}}),
    "Tables": obj({"tables": {"type": "array", "items": obj(
        {"id": STR, "name": STR, "seats": INT, "muted_on_arrival": {"type": "boolean"},
         "cameras": {"type": "boolean"}})}}),
    "StartedSession": obj({"session_id": STR, "facilitator_token": STR,
                               "links": obj({"facilitator": STR, "join": STR},
                                                closed=False)}, closed=False),
    # Audit trail (api/audit.py, audit/trail.py)
    "AuditTrail": obj({
        "entries": {"type": "array", "items": obj({
            "seq": INT, "at": {"type": "integer", "description": "ms since the epoch"},
            "session_id": STR, "action": STR,
            "actor": obj({"participant_id": {"type": ["string", "null"]}, "role": STR,
                          "account": {"type": ["string", "null"]}}, closed=False),
            "object": obj({"type": STR, "id": STR}, closed=False),
            "details": {"type": "object"},
        }, closed=False)},
        "next_after": {"type": ["integer", "null"]},
    }, closed=False),
    # Export (api/export.py)
    "TimeZone": {"enum": TIME_ZONES, "default": "UTC"},
    # Presence (api/presence.py)
    "Presence": obj({"document": STR, "count": INT,
                         "connections": {"type": "array", "items": {"type": "object"}}},
                        closed=False),
}

# The components: the answers above and every declared request body (bodies.py).
SCHEMAS: dict[str, Any] = {**_RESPONSES, **{b.name: b.schema for b in BODIES}}

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
    if e.roles:
        op["x-roles"] = list(e.roles)
        op["description"] = f"Roles: {', '.join(e.roles)}."
    elif e.auth:
        op["x-roles"] = []  # any valid token
    if e.body:
        op["requestBody"] = {"required": not e.body.optional, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{e.body.name}"}}}}
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
    params = [{"name": p, "in": "path", "required": True, "schema": STR}
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
