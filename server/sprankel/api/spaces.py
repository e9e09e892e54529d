"""The Koffiehoek API: team spaces, their chat, nudges, and sessions started from them.

    POST /api/spaces                          {name, your_name, language?} -> 201 member token
    GET  /api/spaces/{id}/about               name and language, for the join form
    POST /api/spaces/{id}/members             {name} -> 201 {member_id, token}
    GET  /api/spaces/{id}                     the space as a member sees it
    POST /api/spaces/{id}/messages            {text} -> 201 (429 when too fast)
    POST /api/spaces/{id}/coffee              "who wants coffee?" -> 201
    POST /api/spaces/{id}/icebreakers         {text} -> 201: the team's own question
    POST /api/spaces/{id}/sessions            {message_id} -> 201: a brainstorm from a message
    GET  /api/spaces/{id}/sessions/{sid}/summary.md   a session's summary: for the member
                                              who started it, for all when it allows export

The chat itself is the read-only document ``spaces/ID/chat`` (WebSocket, member token).
KoffiehoekFeature is the Koffiehoek as the composition root (app.py) sees it: built
with the facilitation engine it starts sessions with, it offers these endpoints, the
authorizer of the documents under ``spaces/``, and the Koffiehoek's start and stop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import links, status
from ..export import MEDIA_TYPES
from ..export.markdown import timezone
from ..facilitation import Engine, validation
from ..facilitation.model import Session
from ..feature import Feature
from ..kernel import validation as checks
from ..kernel.errors import AppError, Forbidden, Invalid, NotFound
from ..koffiehoek.chat import chat_name
from ..koffiehoek.spaces import Koffiehoek, Member, RateLimited, Space
from ..services import Services
from ..sync.access import READ_ONLY, Access, Authorizer, Refusal
from ._http import Handler, api_errors, bearer, json_body
from ._limits import limited, per_address, per_path_param, too_many
from .endpoint import Endpoint
from .export import session_download


class KoffiehoekFeature(Feature):
    """Team spaces: their chat documents, their API, and sessions started from a message
    through the facilitation engine passed in."""

    def __init__(self, services: Services, engine: Engine) -> None:
        settings = services.settings
        self.services = services
        self.engine = engine
        # The same signing key and clock as the sessions: a member token is a token.
        self.koffiehoek = Koffiehoek(services.store, services.broker, services.rooms,
                                     engine.core.signer,
                                     retention_days=settings.chat_retention_days,
                                     clock=engine.core.clock,
                                     space_posts_per_minute=settings.space_chat_per_minute)

    def endpoints(self) -> Sequence[Endpoint]:
        return _endpoints(self.services, self.engine, self.koffiehoek)

    def authorizers(self) -> Mapping[str, Authorizer]:
        return {"spaces/": chat_authorizer(self.koffiehoek)}

    async def start(self) -> None:
        await self.koffiehoek.start()

    async def stop(self) -> None:
        await self.koffiehoek.stop()


def chat_authorizer(koffiehoek: Koffiehoek) -> Authorizer:
    """Members open their space's chat read-only (they post through the API)."""

    async def authorize(name: str, params: Mapping[str, str]) -> Access | Refusal:
        parts = name.split("/")
        if len(parts) != 3 or parts[2] != "chat":
            return Refusal(status.CLOSE_NOT_FOUND, "no such space document")
        try:
            space, member = await koffiehoek.authenticate(parts[1], params.get("token"))
        except NotFound as refusal:
            return Refusal(status.CLOSE_NOT_FOUND, refusal.message)
        except AppError as refusal:
            return Refusal(status.CLOSE_UNAUTHORIZED, refusal.message)
        await koffiehoek.mark_seen(space.id, member)
        # Read-only, but the "here now" list is the awareness of this document.
        return Access(user={"id": member.id, "name": member.name}, can_write=READ_ONLY,
                      may_publish_awareness=True)

    return authorize


def _endpoints(services: Services, engine: Engine, koffiehoek: Koffiehoek) -> list[Endpoint]:
    def base_url(request: Request) -> str:
        return links.base_url(services.settings.public_url, request)

    async def member_of(request: Request) -> tuple[Space, Member]:
        return await koffiehoek.authenticate(request.path_params["space_id"],
                                               bearer(request))

    async def create(request: Request) -> Response:
        space, member, token = await koffiehoek.create_space(await json_body(request))
        return JSONResponse({"id": space.id, "member_id": member.id, "token": token,
                             "links": {"space": base_url(request) + links.space_path(space.id)}},
                            status_code=201)

    async def about(request: Request) -> Response:
        space = await koffiehoek.space(request.path_params["space_id"])
        return JSONResponse({"id": space.id, "name": space.name, "language": space.language})

    async def join(request: Request) -> Response:
        member, token = await koffiehoek.join(request.path_params["space_id"],
                                                await json_body(request))
        return JSONResponse({"member_id": member.id, "token": token}, status_code=201)

    async def overview(request: Request) -> Response:
        space, member = await member_of(request)
        k = koffiehoek
        sessions = [await _session_summary(engine, sid, base_url(request), space, member)
                    for sid in reversed(space.session_ids)]
        return JSONResponse({
            "id": space.id,
            "name": space.name,
            "language": space.language,
            "me": member.to_json(),
            "retention_days": k.retention_days,
            "icebreaker": k.icebreaker_of_the_day(space),
            "own_icebreakers": list(space.icebreakers),
            "present": await k.present(space.id),
            "today": await k.seen_today(space.id),
            "sessions": [s for s in sessions if s is not None],
            "chat_document": chat_name(space.id),
        })

    async def post_message(request: Request) -> Response:
        space, member = await member_of(request)
        message = await koffiehoek.post(space, member, await json_body(request))
        return JSONResponse(message, status_code=201)

    async def coffee(request: Request) -> Response:
        space, member = await member_of(request)
        checks.no_body(await json_body(request, optional=True))
        return JSONResponse(await koffiehoek.coffee(space, member), status_code=201)

    async def add_icebreaker(request: Request) -> Response:
        space, _ = await member_of(request)
        space = await koffiehoek.add_icebreaker(space, await json_body(request))
        return JSONResponse({"icebreakers": list(space.icebreakers)}, status_code=201)

    async def start_session(request: Request) -> Response:
        space, member = await member_of(request)
        body = checks.body_object(await json_body(request))
        checks.only_fields(body, ("message_id",))
        message_id = checks.identifier(body.get("message_id"), "message_id")
        message = await koffiehoek.find_message(space.id, message_id)
        if message.get("kind") != "message" or not message.get("text"):
            raise Invalid("only a chat message with text can become a brainstorm")
        goal = str(message["text"])
        fields = validation.new_session({
            "title": _title_from(goal),
            "goal": goal,
            "language": space.language,
            "facilitator_name": member.name,
        })
        session, _, token = await engine.sessions.create(fields)
        await koffiehoek.add_session(space, member, {
            "id": session.id, "title": session.title,
            "join_path": links.join_path(session.id, session.join_code),
        })
        return JSONResponse({"session_id": session.id, "facilitator_token": token,
                             "links": links.session_links(base_url(request), session.id,
                                                          session.join_code, token)},
                            status_code=201)

    async def summary(request: Request) -> Response:
        space, member = await member_of(request)
        sid = request.path_params["session_id"]
        if sid not in space.session_ids:
            raise NotFound("no such session in this space")
        if not _may_export(await engine.sessions.get(sid), space, member):
            # The same rule as /api/sessions/{id}/export.md: being in the team is not
            # being allowed to take the ideas (and names) of a session home.
            raise Forbidden("only the member who started this session may download its "
                            "summary; the session does not let participants export")
        return await session_download(services, sid, "md", timezone(None))

    def e(method: str, path: str, handler: Handler, summary: str, body: str | None = None,
          response: str | None = None, status: int = 200, auth: bool = True,
          errors: tuple[int, ...] = (401, 404), media_type: str = "application/json"
          ) -> Endpoint:
        return Endpoint(method, path, _with_retry_after(handler), summary, body, response,
                        status, auth, errors, media_type)

    limits = services.limits
    limited_create = limited(create, per_address(limits.spaces, "spaces created"))
    limited_join = limited(join, per_address(limits.members, "members added"),
                           per_path_param(limits.members_per_space, "space_id",
                                          "members added to this space"))
    limited_start = limited(start_session, per_address(limits.sessions, "sessions created"))
    space = "/api/spaces/{space_id}"
    return [
        e("POST", "/api/spaces", limited_create,
          "Create a team space (you become its first member)",
          "NewSpace", "CreatedSpace", 201, auth=False, errors=(429,)),
        e("GET", space + "/about", about, "A space's name and language, for the join form",
          response="SpaceAbout", auth=False, errors=(404,)),
        e("POST", space + "/members", limited_join, "Join a space with a name", "NewMember",
          "JoinedSpace", 201, auth=False, errors=(404, 429)),
        e("GET", space, overview, "The space as a member sees it", response="SpaceView"),
        e("POST", space + "/messages", post_message, "Post a chat message", "ChatPost",
          "ChatMessage", 201, errors=(401, 404, 429)),
        e("POST", space + "/coffee", coffee, "Ask who wants coffee", "NoBody", "ChatMessage",
          201, errors=(401, 404, 429)),
        e("POST", space + "/icebreakers", add_icebreaker, "Add the team's own warm-up question",
          "NewIcebreaker", "OwnIcebreakers", 201),
        e("POST", space + "/sessions", limited_start, "Start a brainstorm from a chat message",
          "StartFromMessage", "StartedSession", 201, errors=(401, 404, 429)),
        e("GET", space + "/sessions/{session_id}/summary.md", summary,
          "A session's summary (its starter; everyone when it allows export)",
          errors=(401, 403, 404), media_type=MEDIA_TYPES["md"]),
    ]


def _may_export(session: Session, space: Space, member: Member) -> bool:
    return space.started_by.get(session.id) == member.id or session.participants_can_export


async def _session_summary(engine: Engine, sid: str, base: str, space: Space,
                           member: Member) -> dict[str, Any] | None:
    try:
        session = await engine.sessions.get(sid)
    except AppError:
        return None  # removed after its retention period
    ended = session.ended_at is not None
    return {
        "id": session.id,
        "title": session.title,
        "created_at": session.created_at,
        "ended": ended,
        "join": None if ended else base + links.join_path(session.id, session.join_code),
        # None when this member may not download it (see summary()).
        "summary": (links.summary_path(space.id, session.id)
                    if _may_export(session, space, member) else None),
    }


def _title_from(goal: str) -> str:
    first_line = goal.splitlines()[0].strip() if goal.strip() else goal
    short = first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"
    return "Brainstorm: " + short  # the same word in Dutch and English


def _with_retry_after(handler: Handler) -> Handler:
    """api_errors, plus the Retry-After header a rate-limited client needs."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except RateLimited as refusal:
            return too_many(refusal.retry_after_s, refusal.message)

    return api_errors(wrapped)
