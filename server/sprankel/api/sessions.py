"""The sessions API: create and join, the agenda and its timer, ideas, votes, ratings,
moderation, lock and end. Thin: it declares, and calls the engine; routing.py
authenticates, checks the declared roles and parses the declared body first.

Every endpoint is declared once in endpoints() (endpoint.py), which gives both the
routes and the OpenAPI document (openapi.py). SessionsFeature is the facilitation
feature as the composition root (app.py) sees it: the engine, these endpoints, the
authorizer of the documents under ``sessions/``, and the engine's start and stop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import links, status
from ..audit import AuditSink
from ..facilitation import Engine
from ..facilitation.control import public_round
from ..facilitation.documents import board_name, drafts_prefix, session_prefix
from ..facilitation.model import Participant, Session
from ..facilitation.roles import FACILITATOR, OBSERVER, PARTICIPANT
from ..feature import Feature
from ..identity.policy import display_name
from ..kernel import validation as checks
from ..kernel.errors import Invalid, NotFound
from ..kernel.icebreakers import icebreakers
from ..kernel.languages import DEFAULT_LANGUAGE, LANGUAGES
from ..kernel.tokens import TokenSigner
from ..services import Services
from ..sync.access import Authorizer
from . import bodies as b
from ._http import bearer
from ._limits import Rule, per_address, per_path_param, refusal
from .access import session_authorizer
from .endpoint import Body, Call, CallHandler, Endpoint
from .identity import IdentityGate
from .versions import VersionsApi

Caller = Call[Session, Participant]  # what routing.py hands an endpoint with a token
Public = Call[None, None]  # and a public one (its body only)

ROUND_ACTIONS = ("start", "pause", "resume", "extend", "end", "reveal")

_CODE = {"name": "code", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "the join code of the join link"}
_LANGUAGE = {"name": "language", "in": "query",
             "schema": {"enum": list(LANGUAGES), "default": DEFAULT_LANGUAGE}}


class SessionsFeature(Feature):
    """Facilitation: the engine of this process, the sessions API and its documents."""

    def __init__(self, services: Services, signer: TokenSigner, gate: IdentityGate) -> None:
        self.services = services
        settings = services.settings
        self.gate = gate
        self.audit_sink = AuditSink(settings.audit_log)
        self.engine = Engine(services.store, services.broker, services.rooms, signer,
                             version_interval_s=settings.version_interval_s,
                             retention_days=settings.session_retention_days,
                             retention_sweep_s=settings.retention_sweep_s,
                             audit_sink=self.audit_sink)
        self.engine.core.on_session_ended.append(self._close_drafts)
        self.engine.core.on_session_deleted.append(self._drop_documents)

    async def _close_drafts(self, session_id: str) -> None:
        await self.services.rooms.close_connections(drafts_prefix(session_id),
                                                    status.CLOSE_GONE, "the session has ended")

    async def _drop_documents(self, session_id: str) -> None:
        await self.services.rooms.drop(session_prefix(session_id), status.CLOSE_DELETED,
                                       "the session was deleted")

    def endpoints(self) -> Sequence[Endpoint]:
        api = SessionsApi(self.services, self.engine, self.gate)
        return [*api.endpoints(), *VersionsApi(self.engine, api.caller).endpoints()]

    def authorizers(self) -> Mapping[str, Authorizer]:
        open_documents = self.services.settings.open_documents
        return {"sessions/": session_authorizer(self.engine, open_documents=open_documents)}

    async def start(self) -> None:
        self.audit_sink.open()  # a file that cannot be opened stops the start, plainly
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()
        self.audit_sink.close()


class SessionsApi:
    def __init__(self, services: Services, engine: Engine, gate: IdentityGate) -> None:
        self.services = services
        self.engine = engine
        self.gate = gate

    # Helpers

    async def caller(self, request: Request) -> tuple[Session, Participant]:
        """The authenticate of every endpoint with a token (routing.py calls it)."""
        return await self.engine.sessions.authenticate(request.path_params["sid"], bearer(request))

    def _links(self, request: Request, session: Session, facilitator_token: str | None
               ) -> dict[str, str]:
        base = links.base_url(self.services.settings.public_url, request)
        return links.session_links(base, session.id, session.join_code, facilitator_token)

    # Sessions and participants

    def _sessions_limit(self, request: Request) -> Response | None:
        return refusal(request, per_address(self.services.limits.sessions, "sessions created"))

    async def create_session(self, request: Request, call: Public) -> Response:
        fields = dict(call.body)
        account = await self.gate.creator(request, "a session")
        if account is not None:
            fields["facilitator_name"] = display_name(account, fields["facilitator_name"])
        session, facilitator, token = await self.engine.sessions.create(
            fields, account.reference() if account else None)
        return JSONResponse({
            "id": session.id, "facilitator_token": token, "join_code": session.join_code,
            "participant_id": facilitator.id,
            "links": self._links(request, session, token),
        }, status_code=201)

    def _joins_limit(self, request: Request) -> Response | None:
        # Every attempt counts, right code or wrong: guessing is slow from one address,
        # and from many addresses on one session.
        limits = self.services.limits
        return refusal(request, per_address(limits.joins, "join attempts"),
                       per_path_param(limits.joins_per_session, "sid",
                                      "join attempts on this session"))

    async def join(self, request: Request, call: Public) -> Response:
        fields = dict(call.body)
        account = await self.gate.joiner(request)
        if account is not None:
            fields["name"] = display_name(account, fields["name"])
        who, token = await self.engine.sessions.join(
            request.path_params["sid"], fields, account.reference() if account else None)
        return JSONResponse({"participant_id": who.id, "token": token, "role": who.role,
                             "name": who.name, "color": who.color}, status_code=201)

    async def about(self, request: Request, call: Public) -> Response:
        session = await self.engine.sessions.about(request.path_params["sid"],
                                                   request.query_params.get("code", ""))
        return JSONResponse({"title": session.title, "language": session.language,
                             "ended": session.ended})

    async def get_session(self, request: Request, call: Caller) -> Response:
        view = await self.view(request, call.session, call.who)
        claims = self.engine.core.signer.verify(bearer(request) or "")
        if claims is not None and claims.role != call.who.role:
            # Made (or no longer) a co-facilitator: a token that says so, for the page
            # to start again under the new role.
            view["token"] = self.engine.sessions.token_for(call.who)
        return JSONResponse(view)

    async def view(self, request: Request, session: Session, who: Participant
                   ) -> dict[str, Any]:
        people = await self.engine.sessions.participants(session)
        current = session.current_round
        is_facilitator = who.role == FACILITATOR
        presence = await self._presence(session.id)
        presence_count = len(presence)
        if session.anonymous and not is_facilitator:
            presence = []  # who is here is for the facilitator: the count is for everyone
        view: dict[str, Any] = {
            "id": session.id, "title": session.title, "goal": session.goal,
            "language": session.language, "settings": session.settings_json(),
            "state": session.state, "ended": session.ended, "locked": session.locked,
            "created_at": session.created_at, "started_at": session.started_at,
            "ended_at": session.ended_at,
            "agenda": [public_round(r) for r in session.rounds],
            "current_round": public_round(current) if current else None,
            "deadline": current.deadline_ms if current else None,
            "server_time": self.engine.core.clock.now_ms(),
            "participant_count": sum(1 for p in people if p.role != OBSERVER and not p.removed),
            "observer_count": sum(1 for p in people if p.role == OBSERVER and not p.removed),
            "presence": presence,
            "presence_count": presence_count,
            "me": who.public(),
            "my_votes": (None if who.role == OBSERVER
                         else await self.engine.votes.my_votes(session, who)),
            "my_ratings": (None if who.role == OBSERVER
                           else await self.engine.votes.my_ratings(session, who)),
            "tallies": current.tallies if current and current.revealed else None,
            "links": self._links(request, session, self.engine.sessions.token_for(who)
                                 if is_facilitator else None),
        }
        if who.role == OBSERVER:
            del view["links"]
        if is_facilitator:
            hidden = await self.engine.hidden.ideas(session, who)
            view["hidden_ideas"] = [h.to_json() for h in hidden]
        else:
            view["my_hidden"] = await self.engine.hidden.mine(session, who)
        return view

    async def _presence(self, sid: str) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for entry in await self.services.broker.presence(board_name(sid)):
            user = entry.user
            if isinstance(user.get("id"), str) and user["id"] not in seen:
                seen[user["id"]] = {k: user.get(k) for k in ("id", "name", "role", "color")}
        return sorted(seen.values(), key=lambda u: (str(u.get("name")), str(u.get("id"))))

    async def change_settings(self, request: Request, call: Caller) -> Response:
        session = await self.engine.sessions.change_settings(call.session, call.who, call.body)
        return JSONResponse({"settings": session.settings_json()})

    async def list_participants(self, request: Request, call: Caller) -> Response:
        # Facilitators only: the declared roles are the only check (the engine's
        # participants() also serves the view, for everyone).
        people = await self.engine.sessions.participants(call.session)
        return JSONResponse({"participants": [self._listed(call.session, p) for p in people]})

    @staticmethod
    def _listed(session: Session, p: Participant) -> dict[str, Any]:
        # The facilitator sees who joined with an account and who as a guest, never the
        # account itself (it is kept for access only).
        return {**p.public(), "joined_at": p.joined_at, "removed": p.removed,
                "with_account": p.account is not None,
                "creator": p.id == session.facilitator_id}

    async def remove_participant(self, request: Request, call: Caller) -> Response:
        pid = checks.identifier(request.path_params["pid"], "pid")
        await self.engine.people.remove(call.session, call.who, pid)
        return Response(status_code=204)

    def co_facilitator(self, facilitates: bool) -> CallHandler:
        async def handler(request: Request, call: Caller) -> Response:
            pid = checks.identifier(request.path_params["pid"], "pid")
            who = await self.engine.people.set_facilitator(call.session, call.who, pid,
                                                           facilitates)
            return JSONResponse(self._listed(call.session, who))

        return handler

    # The agenda

    async def add_round(self, request: Request, call: Caller) -> Response:
        rnd = await self.engine.agenda.add_round(call.session, call.who, call.body)
        return JSONResponse(public_round(rnd), status_code=201)

    async def update_round(self, request: Request, call: Caller) -> Response:
        rnd = await self.engine.agenda.update_round(call.session, call.who,
                                                  request.path_params["rid"], call.body)
        return JSONResponse(public_round(rnd))

    async def delete_round(self, request: Request, call: Caller) -> Response:
        await self.engine.agenda.delete_round(call.session, call.who, request.path_params["rid"])
        return Response(status_code=204)

    async def move_round(self, request: Request, call: Caller) -> Response:
        rnd = await self.engine.agenda.move_round(call.session, call.who,
                                                  request.path_params["rid"], call.body)
        return JSONResponse(public_round(rnd))

    def round_action(self, action: str) -> CallHandler:
        async def handler(request: Request, call: Caller) -> Response:
            seconds = call.body if action == "extend" else None
            rnd = await self.engine.agenda.round_action(call.session, call.who,
                                                        request.path_params["rid"], action,
                                                        seconds)
            return JSONResponse(public_round(rnd))

        return handler

    # Ideas and moderation

    async def add_idea(self, request: Request, call: Caller) -> Response:
        added = await self.engine.ideas.add(call.session, call.who, call.body)
        await self.engine.versions.note_active(call.session.id, call.who.id)
        return JSONResponse(added.to_json(), status_code=201)

    async def edit_idea(self, request: Request, call: Caller) -> Response:
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        idea = await self.engine.ideas.edit(call.session, call.who, idea_id, call.body)
        await self.engine.versions.note_active(call.session.id, call.who.id)
        return JSONResponse(idea.to_json())

    async def delete_idea(self, request: Request, call: Caller) -> Response:
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        await self.engine.ideas.delete(call.session, call.who, idea_id)
        await self.engine.versions.note_active(call.session.id, call.who.id)
        return Response(status_code=204)

    async def list_ideas(self, request: Request, call: Caller) -> Response:
        ideas = await self.engine.ideas.board(call.session)
        return JSONResponse({"ideas": [i.to_json() for i in ideas]})

    async def hidden_ideas(self, request: Request, call: Caller) -> Response:
        hidden = await self.engine.hidden.ideas(call.session, call.who)
        return JSONResponse({"ideas": [h.to_json() for h in hidden]})

    def hold(self, held: bool) -> CallHandler:
        async def handler(request: Request, call: Caller) -> Response:
            idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
            await self.engine.hidden.hold_back(call.session, call.who, idea_id, held)
            return JSONResponse({"idea_id": idea_id, "held_back": held})

        return handler

    async def reveal_idea(self, request: Request, call: Caller) -> Response:
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        await self.engine.hidden.reveal_one(call.session, call.who, idea_id)
        return JSONResponse({"idea_id": idea_id, "revealed": True})

    async def merge_idea(self, request: Request, call: Caller) -> Response:
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        await self.engine.hidden.merge(call.session, call.who, idea_id, call.body)
        return JSONResponse({"idea_id": idea_id, "merged_into": call.body})

    # Votes and ratings

    async def put_votes(self, request: Request, call: Caller) -> Response:
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        return JSONResponse(await self.engine.votes.set_votes(call.session, call.who, idea_id,
                                                              call.body))

    async def get_votes(self, request: Request, call: Caller) -> Response:
        mine = await self.engine.votes.my_votes(call.session, call.who)
        if mine is None:
            raise NotFound("the current round is not a voting round")
        return JSONResponse(mine)

    async def put_rating(self, request: Request, call: Caller) -> Response:
        originality, feasibility = call.body
        idea_id = checks.identifier(request.path_params["idea_id"], "idea_id")
        return JSONResponse(await self.engine.votes.set_rating(call.session, call.who, idea_id,
                                                               originality, feasibility))

    async def get_ratings(self, request: Request, call: Caller) -> Response:
        mine = await self.engine.votes.my_ratings(call.session, call.who)
        if mine is None:
            raise NotFound("the current round is not a rating round")
        current = call.session.current_round
        return JSONResponse({"round_id": current.id if current else None, "ratings": mine})

    # Energy: reactions and the spotlight

    def _participant_key(self, request: Request) -> str:
        # The guard runs after the token was checked: its claims name the participant.
        claims = self.engine.core.signer.verify(bearer(request) or "")
        return f"{claims.session_id}/{claims.participant_id}" if claims else "-"

    def _reactions_limit(self, request: Request) -> Response | None:
        rule = Rule(self.services.limits.reactions, self._participant_key, "reactions from you")
        return refusal(request, rule)

    async def react(self, request: Request, call: Caller) -> Response:
        number = await self.engine.reactions.send(call.session, call.who, call.body)
        return JSONResponse({"emoji": call.body, "number": number}, status_code=202)

    async def put_spotlight(self, request: Request, call: Caller) -> Response:
        await self.engine.spotlight.put(call.session, call.who, call.body)
        return JSONResponse({"idea_id": call.body})

    async def clear_spotlight(self, request: Request, call: Caller) -> Response:
        await self.engine.spotlight.clear(call.session, call.who)
        return JSONResponse({"idea_id": None})

    # Lock, unlock, end

    def lock(self, locked: bool) -> CallHandler:
        async def handler(request: Request, call: Caller) -> Response:
            session = await self.engine.sessions.set_locked(call.session, call.who, locked)
            return JSONResponse({"locked": session.locked, "state": session.state})

        return handler

    async def end(self, request: Request, call: Caller) -> Response:
        session = await self.engine.sessions.end(call.session, call.who)
        return JSONResponse({"locked": session.locked, "state": session.state,
                             "ended_at": session.ended_at})

    # Public

    async def get_icebreakers(self, request: Request, call: Public) -> Response:
        language = request.query_params.get("language", DEFAULT_LANGUAGE)
        if language not in LANGUAGES:
            raise Invalid(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        return JSONResponse({"language": language, "icebreakers": list(icebreakers(language))})

    # The table

    def endpoints(self) -> list[Endpoint]:
        s = "/api/sessions/{sid}"
        f = (FACILITATOR,)  # the engine checks the same (require_facilitator): it rules

        def e(method: str, path: str, handler: CallHandler, summary: str,
              body: Body | None = None, response: str | None = None, status: int = 200,
              **more: Any) -> Endpoint:
            auth = more.get("auth", True)
            return Endpoint(method, path, handler, summary, body, response, status,
                            authenticate=self.caller if auth else None, **more)

        out = [
            e("POST", "/api/sessions", self.create_session, "Create a session (with OpenID "
              "Connect: a login, and the creator group if one is set)",
              b.NEW_SESSION, "CreatedSession", 201, auth=False, errors=(401, 403, 429),
              guard=self._sessions_limit),
            e("GET", s, self.get_session, "The session as the caller may see it",
              response="SessionView"),
            e("GET", s + "/about", self.about,
              "What the join page names: title and whether it ended (with the join code)",
              response="SessionAbout", auth=False, errors=(403, 404, 429),
              guard=self._joins_limit, parameters=(_CODE,)),
            e("POST", s + "/participants", self.join, "Join with the join code (with "
              "--no-guests: a login too)",
              b.JOIN, "Joined", 201, auth=False, errors=(401, 403, 404, 410, 429),
              guard=self._joins_limit),
            e("PATCH", s + "/settings", self.change_settings,
              "Change the session's settings: its time zone (facilitator)", b.SETTINGS_PATCH,
              "Settings", errors=(401, 403, 404, 410, 422), roles=f),
            e("GET", s + "/participants", self.list_participants,
              "Everyone who joined (facilitator)", response="Participants", roles=f),
            e("DELETE", s + "/participants/{pid}", self.remove_participant,
              "Remove a participant: their token and connections stop working, their "
              "ideas stay (facilitator)", status=204, errors=(401, 403, 404), roles=f),
            e("PUT", s + "/participants/{pid}/facilitator", self.co_facilitator(True),
              "Make a participant a co-facilitator (facilitator)", response="Participant",
              errors=(401, 403, 404, 409), roles=f),
            e("DELETE", s + "/participants/{pid}/facilitator", self.co_facilitator(False),
              "Make a co-facilitator a participant again (facilitator)",
              response="Participant", errors=(401, 403, 404, 409), roles=f),
            e("POST", s + "/rounds", self.add_round, "Add a round to the agenda (facilitator)",
              b.NEW_ROUND, "Round", 201, errors=(401, 403, 404, 410), roles=f),
            e("PATCH", s + "/rounds/{rid}", self.update_round, "Change a round (facilitator)",
              b.ROUND_PATCH, "Round", errors=(401, 403, 404, 410, 423), roles=f),
            e("DELETE", s + "/rounds/{rid}", self.delete_round,
              "Delete a planned round (facilitator)", status=204,
              errors=(401, 403, 404, 410, 423), roles=f),
        ]
        out.append(e("POST", s + "/rounds/{rid}/move", self.move_round,
                     "Move a planned round to another place in the agenda (facilitator)",
                     b.MOVE, "Round", errors=(401, 403, 404, 410, 422, 423), roles=f))
        for action in ROUND_ACTIONS:
            out.append(e("POST", s + "/rounds/{rid}/" + action, self.round_action(action),
                         f"{action.capitalize()} the round (facilitator)",
                         b.EXTEND if action == "extend" else None, "Round",
                         errors=(401, 403, 404, 409, 410, 423), roles=f))
        out += [
            e("POST", s + "/ideas", self.add_idea, "Add an idea (to the drafts in a hidden "
              "round)", b.NEW_IDEA, "Idea", 201, errors=(401, 403, 404, 409, 410, 423)),
            e("GET", s + "/ideas", self.list_ideas, "The ideas on the board",
              response="BoardIdeas"),
            e("PATCH", s + "/ideas/{idea_id}", self.edit_idea,
              "Change the text or colour of an idea (its author or the facilitator)",
              b.IDEA_PATCH, "Idea", errors=(401, 403, 404, 410, 422, 423)),
            e("DELETE", s + "/ideas/{idea_id}", self.delete_idea,
              "Delete an idea (its author or the facilitator)", status=204,
              errors=(401, 403, 404, 410, 423)),
            e("GET", s + "/hidden-ideas", self.hidden_ideas,
              "Hidden ideas of the current round, before reveal (facilitator)",
              response="HiddenIdeas", roles=f),
            e("POST", s + "/ideas/{idea_id}/hold", self.hold(True),
              "Hold back a hidden idea before the reveal (facilitator)", response="Held",
              errors=(401, 403, 404, 410, 423), roles=f),
            e("POST", s + "/ideas/{idea_id}/release", self.hold(False),
              "Release a held-back (or merged) idea: it waits again, or after the "
              "round's reveal goes onto the board (facilitator)", response="Held",
              errors=(401, 403, 404, 410, 423), roles=f),
            e("POST", s + "/ideas/{idea_id}/reveal", self.reveal_idea,
              "Reveal one waiting hidden idea once writing has closed (facilitator)",
              response="RevealedIdea", errors=(401, 403, 404, 410, 423), roles=f),
            e("POST", s + "/ideas/{idea_id}/merge", self.merge_idea,
              "Merge a waiting hidden idea into a duplicate of the same round "
              "(facilitator)", b.MERGE, "MergedIdea", errors=(401, 403, 404, 410, 422, 423),
              roles=f),
            e("GET", s + "/votes", self.get_votes, "My dots in the current voting round",
              response="MyVotes"),
            e("PUT", s + "/votes/{idea_id}", self.put_votes, "Set my dots on an idea",
              b.VOTES, "MyVotes", errors=(401, 403, 404, 409, 410, 423)),
            e("GET", s + "/ratings", self.get_ratings, "My ratings in the current rating round",
              response="MyRatings"),
            e("PUT", s + "/ratings/{idea_id}", self.put_rating,
              "Rate an idea on originality and feasibility", b.RATING, "MyRatings",
              errors=(401, 403, 404, 410, 423)),
            e("POST", s + "/reactions", self.react,
              "Send a reaction: an emoji that floats up on everyone's screen for a moment, "
              "naming nobody; stored nowhere (participants and facilitators)", b.REACTION,
              "Reaction", 202, errors=(401, 403, 404, 410, 422, 429),
              roles=(FACILITATOR, PARTICIPANT), guard=self._reactions_limit),
            e("PUT", s + "/spotlight", self.put_spotlight,
              "Put an idea on the board in the spotlight, until the facilitator takes it "
              "out or the phase changes (facilitator)", b.SPOTLIGHT, "SpotlightState",
              errors=(401, 403, 404, 409, 410, 422), roles=f),
            e("DELETE", s + "/spotlight", self.clear_spotlight,
              "Take the idea out of the spotlight (facilitator)", response="SpotlightState",
              errors=(401, 403, 404, 410), roles=f),
            e("POST", s + "/lock", self.lock(True),
              "Make the board read-only for all but facilitators", response="LockState",
              errors=(401, 403, 404, 410), roles=f),
            e("POST", s + "/unlock", self.lock(False), "Make the board writable again",
              response="LockState", errors=(401, 403, 404, 410), roles=f),
            e("POST", s + "/end", self.end, "End the session (the export stays)",
              response="LockState", errors=(401, 403, 404, 410), roles=f),
            e("GET", "/api/icebreakers", self.get_icebreakers,
              "The built-in warm-up questions", response="Icebreakers", auth=False,
              errors=(422,), parameters=(_LANGUAGE,)),
        ]
        return out
