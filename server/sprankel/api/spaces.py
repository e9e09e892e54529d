"""The Koffiehoek API: team spaces, their chat, nudges, and sessions started from them.

    POST /api/spaces                          {name, your_name, language?} -> 201 member token
    GET  /api/spaces/{id}/about               name and language, for the join form
    POST /api/spaces/{id}/members             {name} -> 201 {member_id, token}
    GET  /api/spaces/{id}                     the space as a member sees it (a renewed token)
    DELETE /api/spaces/{id}/members/{mid}     remove a member (the space's creator)
    POST /api/spaces/{id}/messages            {text} -> 201 (429 when too fast)
    POST /api/spaces/{id}/coffee              "who wants coffee?" -> 201
    POST /api/spaces/{id}/icebreakers         {text} -> 201: the team's own question
    PUT  /api/spaces/{id}/status              {status, note?}: available, in_session, focus,
                                              away; until the end of the space's day
    PUT  /api/spaces/{id}/pairing             {on}: take part in random pairing at moments
    POST /api/spaces/{id}/moments             {weekdays, time, duration_min?, time_zone?,
                                              table?, pairing?} -> 201: a coffee moment
    GET  /api/spaces/{id}/moments.ics         the moments as an iCalendar series
    POST /api/spaces/{id}/tables              {name, seats?, muted_on_arrival?, cameras?}
                                              -> 201: one more voice table (api/voice.py)
    POST /api/spaces/{id}/sessions            {message_id} -> 201: a brainstorm from a message
    GET  /api/spaces/{id}/sessions/{sid}/summary.md   a session's summary: for the member
                                              who started it, for all when it allows export

The chat itself is the read-only document ``spaces/ID/chat`` (WebSocket, member token).
KoffiehoekFeature is the Koffiehoek as the composition root (app.py) sees it: built
with the facilitation engine it starts sessions with, it offers these endpoints, the
authorizer of the documents under ``spaces/``, and the Koffiehoek's start and stop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import links, status
from ..export import MEDIA_TYPES
from ..facilitation import Engine, validation
from ..facilitation.model import Session
from ..feature import Feature
from ..identity.policy import display_name
from ..kernel.errors import AppError, Forbidden, Invalid, NotFound
from ..koffiehoek.chat import chat_name
from ..koffiehoek.gatherings import Gatherings
from ..koffiehoek.moments import calendar
from ..koffiehoek.spaces import Koffiehoek, Member, RateLimited, Space
from ..responses import download
from ..services import Services
from ..sync.access import READ_ONLY, Access, Authorizer, Refusal
from . import bodies as b
from ._http import bearer
from ._limits import Rule, per_address, per_path_param, refusal, too_many
from .endpoint import Authenticate, Body, Call, CallHandler, Endpoint, Guard
from .export import session_download
from .identity import IdentityGate

TablesChanged = Callable[[str], Awaitable[None]]
InSpace = Call[Space, Member]  # what routing.py hands an endpoint with a member token
Public = Call[None, None]


class KoffiehoekFeature(Feature):
    """Team spaces: their chat documents, their API, and sessions started from a message
    through the facilitation engine passed in."""

    def __init__(self, services: Services, engine: Engine, gate: IdentityGate,
                 on_tables: TablesChanged | None = None) -> None:
        settings = services.settings
        # The voice feature, told when a space's tables change (its watchers re-read them).
        self.on_tables = on_tables
        self.services = services
        self.engine = engine
        self.gate = gate
        # The same signing key and clock as the sessions: a member token is a token.
        self.koffiehoek = Koffiehoek(services.store, services.broker, services.rooms,
                                     engine.core.signer,
                                     retention_days=settings.chat_retention_days,
                                     clock=engine.core.clock,
                                     space_posts_per_minute=settings.space_chat_per_minute)
        self.gatherings = Gatherings(self.koffiehoek, on_tables=self.tables_changed)

    async def tables_changed(self, space_id: str) -> None:
        if self.on_tables is not None:
            await self.on_tables(space_id)

    def endpoints(self) -> Sequence[Endpoint]:
        return _endpoints(self.services, self.engine, self.koffiehoek, self.gatherings,
                          self.gate, self)

    def authorizers(self) -> Mapping[str, Authorizer]:
        return {"spaces/": chat_authorizer(self.koffiehoek)}

    async def start(self) -> None:
        await self.koffiehoek.start()
        await self.gatherings.start()

    async def stop(self) -> None:
        await self.gatherings.stop()
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
        claims = koffiehoek.signer.verify(params.get("token") or "")
        # Read-only, but the "here now" list is the awareness of this document.
        return Access(user={"id": member.id, "name": member.name}, can_write=READ_ONLY,
                      may_publish_awareness=True,
                      expires_at=claims.expires_at if claims else None)

    return authorize


def _endpoints(services: Services, engine: Engine, koffiehoek: Koffiehoek,
               gatherings: Gatherings, gate: IdentityGate,
               feature: KoffiehoekFeature) -> list[Endpoint]:
    def base_url(request: Request) -> str:
        return links.base_url(services.settings.public_url, request)

    async def member_of(request: Request) -> tuple[Space, Member]:
        """The authenticate of every endpoint with a member token (routing.py calls it)."""
        return await koffiehoek.authenticate(request.path_params["space_id"],
                                               bearer(request))

    async def space_named(request: Request) -> tuple[Space, None]:
        """Joining: the space must exist (404) before the body is looked at."""
        return await koffiehoek.space(request.path_params["space_id"]), None

    async def create(request: Request, call: Public) -> Response:
        fields = dict(call.body)
        account = await gate.creator(request, "a Koffiehoek space")
        if account is not None:
            fields["your_name"] = display_name(account, fields["your_name"])
        space, member, token = await koffiehoek.create_space(**fields)
        return JSONResponse({"id": space.id, "member_id": member.id, "token": token,
                             "links": {"space": base_url(request) + links.space_path(space.id)}},
                            status_code=201)

    async def about(request: Request, call: Public) -> Response:
        space = await koffiehoek.space(request.path_params["space_id"])
        return JSONResponse({"id": space.id, "name": space.name, "language": space.language})

    async def join(request: Request, call: Public) -> Response:
        account = await gate.joiner(request)
        name = display_name(account, call.body["name"]) if account else call.body["name"]
        member, token = await koffiehoek.join(request.path_params["space_id"], name)
        return JSONResponse({"member_id": member.id, "token": token}, status_code=201)

    async def overview(request: Request, call: InSpace) -> Response:
        space, member = call.session, call.who
        k = koffiehoek
        sessions = [await _session_summary(engine, sid, base_url(request), space, member)
                    for sid in reversed(space.session_ids)]
        return JSONResponse({
            "id": space.id,
            "name": space.name,
            "language": space.language,
            "me": member.to_json(),
            # The sliding lifetime: every visit hands out a token valid for the full term.
            "token": k.token_for(member),
            "created_by_me": space.created_by == member.id,
            "members": ([m.to_json() for m in await k.members(space.id)]
                        if space.created_by == member.id else None),
            "retention_days": k.retention_days,
            "icebreaker": k.icebreaker_of_the_day(space),
            "own_icebreakers": list(space.icebreakers),
            "present": await k.present(space.id),
            "today": await k.seen_today(space.id),
            "sessions": [s for s in sessions if s is not None],
            "chat_document": chat_name(space.id),
            "tables": [dict(t) for t in space.tables],
            "time_zone": space.time_zone,
            "statuses": await gatherings.statuses(space),
            "moments": [dict(m) for m in space.moments],
            "pairing": await gatherings.pairing(space, member),
        })

    async def remove_member(request: Request, call: InSpace) -> Response:
        await koffiehoek.remove_member(call.session, call.who, request.path_params["member_id"])
        return Response(status_code=204)

    async def post_message(request: Request, call: InSpace) -> Response:
        message = await koffiehoek.post(call.session, call.who, call.body["text"])
        return JSONResponse(message, status_code=201)

    async def coffee(request: Request, call: InSpace) -> Response:
        reach = await gatherings.available(call.session, exclude=call.who.id)
        return JSONResponse(await koffiehoek.coffee(call.session, call.who, reach),
                            status_code=201)

    async def add_icebreaker(request: Request, call: InSpace) -> Response:
        space = await koffiehoek.add_icebreaker(call.session, call.body["text"])
        return JSONResponse({"icebreakers": list(space.icebreakers)}, status_code=201)

    async def set_status(request: Request, call: InSpace) -> Response:
        return JSONResponse(await gatherings.set_status(call.session, call.who, **call.body))

    async def set_pairing(request: Request, call: InSpace) -> Response:
        return JSONResponse(await gatherings.set_pairing(call.session, call.who, **call.body))

    async def add_moment(request: Request, call: InSpace) -> Response:
        space = await gatherings.add_moment(call.session, call.body)
        return JSONResponse({"moments": [dict(m) for m in space.moments]}, status_code=201)

    async def moments_ics(request: Request, call: InSpace) -> Response:
        space = call.session
        url = base_url(request) + links.space_path(space.id)
        words = _ICS_WORDS[space.language]
        text = calendar(f"{space.name} · Koffiehoek", space.moments,
                        koffiehoek.clock.now_ms(), url, words[0].format(name=space.name),
                        words[1].format(url=url), f"{space.id}.sprankel")
        return download(text, "koffiemomenten.ics", "text/calendar; charset=utf-8")

    async def add_table(request: Request, call: InSpace) -> Response:
        space = await koffiehoek.add_table(call.session, **call.body)
        await feature.tables_changed(space.id)
        return JSONResponse({"tables": [dict(t) for t in space.tables]}, status_code=201)

    async def start_session(request: Request, call: InSpace) -> Response:
        space, member = call.session, call.who
        message = await koffiehoek.find_message(space.id, call.body)
        if message.get("kind") != "message" or not message.get("text"):
            raise Invalid("only a chat message with text can become a brainstorm")
        goal = str(message["text"])
        account = await gate.creator(request, "a session")
        fields = validation.new_session({
            "title": _title_from(goal),
            "goal": goal,
            "language": space.language,
            "facilitator_name": member.name,
        })
        session, _, token = await engine.sessions.create(
            fields, account.reference() if account else None)
        await koffiehoek.add_session(space, member, {
            "id": session.id, "title": session.title,
            "join_path": links.join_path(session.id, session.join_code),
        })
        return JSONResponse({"session_id": session.id, "facilitator_token": token,
                             "links": links.session_links(base_url(request), session.id,
                                                          session.join_code, token)},
                            status_code=201)

    async def summary(request: Request, call: InSpace) -> Response:
        space, member = call.session, call.who
        sid = request.path_params["session_id"]
        if sid not in space.session_ids:
            raise NotFound("no such session in this space")
        if not _may_export(await engine.sessions.get(sid), space, member):
            # The same rule as /api/sessions/{id}/export.md: being in the team is not
            # being allowed to take the ideas (and names) of a session home.
            raise Forbidden("only the member who started this session may download its "
                            "summary; the session does not let participants export")
        return await session_download(services, sid, "md")

    def e(method: str, path: str, handler: CallHandler, summary: str,
          body: Body | None = None, response: str | None = None, status: int = 200,
          auth: bool = True, errors: tuple[int, ...] = (401, 404),
          media_type: str = "application/json", guard: Guard | None = None,
          authenticate: Authenticate | None = None) -> Endpoint:
        # Members have no roles: any member token of the space will do.
        return Endpoint(method, path, _with_retry_after(handler), summary, body, response,
                        status, auth, errors, media_type,
                        authenticate=member_of if auth else authenticate, guard=guard)

    limits = services.limits

    def guard(*rules: Rule) -> Guard:
        return lambda request: refusal(request, *rules)

    space = "/api/spaces/{space_id}"
    return [
        e("POST", "/api/spaces", create,
          "Create a team space (you become its first member)",
          b.NEW_SPACE, "CreatedSpace", 201, auth=False, errors=(401, 403, 429),
          guard=guard(per_address(limits.spaces, "spaces created"))),
        e("GET", space + "/about", about, "A space's name and language, for the join form",
          response="SpaceAbout", auth=False, errors=(404,)),
        e("POST", space + "/members", join, "Join a space with a name", b.NEW_MEMBER,
          "JoinedSpace", 201, auth=False, errors=(401, 403, 404, 429),
          authenticate=space_named,
          guard=guard(per_address(limits.members, "members added"),
                      per_path_param(limits.members_per_space, "space_id",
                                     "members added to this space"))),
        e("GET", space, overview, "The space as a member sees it", response="SpaceView"),
        e("DELETE", space + "/members/{member_id}", remove_member,
          "Remove a member: their token and chat connections stop working, their messages "
          "stay (the space's creator)", status=204, errors=(401, 403, 404)),
        e("POST", space + "/messages", post_message, "Post a chat message", b.CHAT_POST,
          "ChatMessage", 201, errors=(401, 404, 429)),
        e("POST", space + "/coffee", coffee, "Ask who wants coffee", b.NO_BODY, "ChatMessage",
          201, errors=(401, 404, 429)),
        e("POST", space + "/icebreakers", add_icebreaker, "Add the team's own warm-up question",
          b.NEW_ICEBREAKER, "OwnIcebreakers", 201),
        e("PUT", space + "/status", set_status, "Set your status in the space for today",
          b.MEMBER_STATUS, "MemberStatus"),
        e("PUT", space + "/pairing", set_pairing, "Take part in random pairing (or not)",
          b.PAIRING, "Pairing"),
        e("POST", space + "/moments", add_moment, "Add a recurring coffee moment",
          b.NEW_MOMENT, "Moments", 201),
        e("GET", space + "/moments.ics", moments_ics, "The coffee moments as a calendar",
          media_type="text/calendar"),
        e("POST", space + "/tables", add_table, "Add a voice table to the space",
          b.NEW_TABLE, "Tables", 201),
        e("POST", space + "/sessions", start_session, "Start a brainstorm from a chat message",
          b.START_FROM_MESSAGE, "StartedSession", 201, errors=(401, 403, 404, 429),
          guard=guard(per_address(limits.sessions, "sessions created"))),
        e("GET", space + "/sessions/{session_id}/summary.md", summary,
          "A session's summary (its starter; everyone when it allows export)",
          errors=(401, 403, 404), media_type=MEDIA_TYPES["md"]),
    ]


# The calendar's words, in the space's language (the summary, then the description).
_ICS_WORDS = {
    "nl": ("Koffiemoment: {name}", "Schuif aan bij de koffietafel: {url}"),
    "en": ("Coffee moment: {name}", "Join the coffee table: {url}"),
}


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


TITLE_WORDS = 60  # characters of a message that name the session started from it


def _title_from(goal: str) -> str:
    """The message's first line as the session's title, cut at a word (no label before
    it: "Brainstorm: Ik! Zullen we…" read as if someone shouted)."""
    first_line = " ".join(goal.split("\n", 1)[0].split()) if goal.strip() else goal
    if len(first_line) <= TITLE_WORDS:
        return first_line
    cut = first_line[:TITLE_WORDS].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return (cut or first_line[:TITLE_WORDS]) + "…"


def _with_retry_after(handler: CallHandler) -> CallHandler:
    """The handler, plus the Retry-After header a rate-limited client needs."""

    async def wrapped(request: Request, call: Any) -> Response:
        try:
            return await handler(request, call)
        except RateLimited as refused:
            return too_many(refused.retry_after_s, refused.message)

    return wrapped
