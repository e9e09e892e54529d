"""The facilitation engine: sessions, participants, the agenda, the timer, votes,
ratings, hidden ideas and moderation, kept in the store and written into documents.

Every rule is decided here, on the server. A change is one atomic update of the
session record (also across processes); what follows from it (the control document,
moving hidden ideas, passing brainwriting sheets, publishing tallies, telling the
other processes) is done after it, by the process that made the change.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pycrdt import Doc

from ..broker import Broker, Subscription
from ..store import Store
from . import documents as docs
from . import rounds
from .clock import Cancel, Clock, SystemClock
from .errors import (
    Conflict,
    FacilitationError,
    Forbidden,
    NotFound,
    SessionEnded,
    Unauthorized,
    WrongPhase,
)
from .icebreakers import pick_icebreaker
from .ids import new_id, new_join_code
from .model import (
    IDEA_KINDS,
    PARTICIPANT,
    RATINGS,
    SESSION,
    VOTES,
    Participant,
    Round,
    Session,
    max_votes_per_idea,
    participant_key,
    round_member_key,
    vote_budget,
)
from .roles import FACILITATOR, OBSERVER, require_contributor, require_facilitator
from .tokens import Claims, TokenSigner
from .validation import IDEA_COLORS

log = logging.getLogger("sprankel.facilitation")

T = TypeVar("T")

EVENTS_CHANNEL = "sprankel:facilitation"
TIMER_LEASE_S = 30.0
RECONCILE_S = 5.0  # how often flags of sessions in use are re-read from the store
IN_USE_S = 60.0
PARTICIPANT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                      "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f")


class Documents(Protocol):
    """What the engine needs of the sync layer (RoomManager provides it)."""

    async def read(self, name: str, fn: Callable[[Doc[Any]], T]) -> T: ...

    async def apply_server_change(self, name: str, change: Callable[[Doc[Any]], None]) -> None: ...

    async def close_connections(self, prefix: str, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class Flags:
    """What open connections need to know at once: is the session locked or ended."""

    locked: bool
    ended: bool
    version: int


class Engine:
    def __init__(self, store: Store, broker: Broker, documents: Documents, signer: TokenSigner,
                 clock: Clock | None = None, reconcile_s: float = RECONCILE_S) -> None:
        self.store = store
        self.reconcile_s = reconcile_s
        self.broker = broker
        self.documents = documents
        self.signer = signer
        self.clock: Clock = clock or SystemClock()
        self._flags: dict[str, Flags] = {}
        self._timers: dict[str, tuple[int, Cancel]] = {}  # session id -> (deadline, timer)
        self._events: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False
        self._ended_handled: set[str] = set()  # sessions whose end hooks ran here
        self._retries: set[Cancel] = set()
        self._in_use: dict[str, float] = {}  # session id -> when its flags were last asked
        self.on_session_ended: list[Callable[[str], Awaitable[None]]] = []

    # Lifecycle

    async def start(self) -> None:
        """Listen to the other processes and re-arm the timers of running rounds."""
        self._events = await self.broker.subscribe_events(EVENTS_CHANNEL, self._on_event)
        task = asyncio.create_task(self._reconcile(), name="reconcile session flags")
        self._tasks.add(task)
        unfinished: list[tuple[str, str]] = []
        for data in (await self.store.list_records(SESSION)).values():
            session = Session.from_json(data)
            self._remember(session)
            self._arm(session)
            unfinished += [(session.id, r.id) for r in session.rounds if _follow_up_due(r)]
        if unfinished:
            task = asyncio.create_task(self._finish_follow_ups(unfinished),
                                       name="finish interrupted round ends")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        if self._events is not None:
            await self._events.close()
            self._events = None
        self._stopped = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for _, timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for retry in self._retries:
            retry.cancel()
        self._retries.clear()

    # Sessions and participants

    async def create_session(self, fields: dict[str, Any]) -> tuple[Session, Participant, str]:
        now = self.clock.now_ms()
        sid = new_id()
        facilitator = Participant(new_id(), sid, fields["facilitator_name"], FACILITATOR,
                                  PARTICIPANT_COLORS[0], now)
        session = Session(
            id=sid, title=fields["title"], goal=fields["goal"], language=fields["language"],
            join_code=new_join_code(), facilitator_id=facilitator.id, created_at=now,
            anonymous=fields["anonymous"], vote_budget=fields["vote_budget"],
            allow_observers=fields["allow_observers"],
            participants_can_export=fields["participants_can_export"],
            retention_days=fields["retention_days"],
        )
        await self.store.put_record(PARTICIPANT, participant_key(sid, facilitator.id),
                                    facilitator.to_json())
        await self.store.put_record(SESSION, sid, session.to_json())
        self._remember(session)
        await self._write_control(session)
        log.info("session created id=%s", sid)
        return session, facilitator, self.token_for(facilitator)

    def token_for(self, who: Participant) -> str:
        return self.signer.sign(Claims(who.session_id, who.id, who.role))

    async def join(self, sid: str, fields: dict[str, Any]) -> tuple[Participant, str]:
        session = await self.session(sid)
        if session.ended:
            raise SessionEnded("the session has ended; its join link no longer works")
        if not hmac.compare_digest(fields["join_code"].encode(), session.join_code.encode()):
            # Session ids are not secret (they are in every link), the code is: compare it
            # in constant time, and say plainly that the code is wrong.
            raise Forbidden("the join code is not valid for this session", "bad_join_code")
        role = fields["role"]
        if role == OBSERVER and not session.allow_observers:
            raise Forbidden("this session does not allow observers")
        existing = await self.store.list_records(PARTICIPANT, f"{sid}/")
        color = PARTICIPANT_COLORS[len(existing) % len(PARTICIPANT_COLORS)]
        who = Participant(new_id(), sid, fields["name"], role, color, self.clock.now_ms())
        await self.store.put_record(PARTICIPANT, participant_key(sid, who.id), who.to_json())
        log.info("participant joined session=%s id=%s role=%s", sid, who.id, role)
        return who, self.token_for(who)

    async def session(self, sid: str) -> Session:
        data = await self.store.get_record(SESSION, sid)
        if data is None:
            raise NotFound("no such session")
        session = Session.from_json(data)
        self._remember(session)
        return session

    async def session_exists(self, sid: str) -> bool:
        return await self.store.get_record(SESSION, sid) is not None

    async def authenticate(self, sid: str, token: str | None) -> tuple[Session, Participant]:
        """The session and the caller a token stands for; raises 401, 403 or 404."""
        claims = self.signer.verify(token or "")
        if claims is None:
            raise Unauthorized("a valid token is required (Authorization: Bearer TOKEN)"
                               if token else "no token: send Authorization: Bearer TOKEN")
        if claims.session_id != sid:
            raise Forbidden("this token belongs to another session")
        session = await self.session(sid)
        data = await self.store.get_record(PARTICIPANT, participant_key(sid, claims.participant_id))
        if data is None:
            raise Unauthorized("this token's participant no longer exists")
        return session, Participant.from_json(data)

    async def participants(self, sid: str) -> list[Participant]:
        records = await self.store.list_records(PARTICIPANT, f"{sid}/")
        people = [Participant.from_json(d) for d in records.values()]
        people.sort(key=lambda p: (p.joined_at, p.id))
        return people

    # The agenda

    async def add_round(self, sid: str, who: Participant, fields: dict[str, Any]) -> Round:
        require_facilitator(who)
        rnd = Round(id=new_id(), kind=fields["kind"], prompt=fields["prompt"],
                    duration_s=fields["duration_s"])
        self._apply_round_fields(rnd, fields)

        def change(session: Session) -> None:
            rounds.check_open(session)
            if rnd.kind == "warmup" and rnd.icebreaker is None:
                rnd.icebreaker = pick_icebreaker(session.language)
            if rnd.kind == "warmup" and not rnd.prompt:
                rnd.prompt = rnd.icebreaker or ""
            session.rounds.append(rnd)

        session = await self._change(sid, change)
        await self._after(session)
        result = session.round(rnd.id)
        assert result is not None
        return result

    def _apply_round_fields(self, rnd: Round, fields: dict[str, Any]) -> None:
        for name, value in fields.items():
            setattr(rnd, name, value)
        if rnd.kind == "brainwrite":
            rnd.hidden = True
            if rnd.ideas_per_sheet is None:
                rnd.ideas_per_sheet = 3

    async def update_round(self, sid: str, who: Participant, round_id: str,
                           fields: dict[str, Any]) -> Round:
        require_facilitator(who)

        def change(session: Session) -> None:
            rounds.check_open(session)
            rnd = _round(session, round_id)
            if rnd.state == "ended":
                raise WrongPhase("an ended round cannot be changed")
            if rnd.state != "planned":
                fixed = sorted(set(fields) - {"prompt", "icebreaker"})
                if fixed:
                    raise WrongPhase(f"the round is {rnd.state}: only prompt and icebreaker "
                                     f"can change now, not {', '.join(fixed)}")
            self._apply_round_fields(rnd, fields)

        session = await self._change(sid, change)
        await self._after(session)
        return _round(session, round_id)

    async def delete_round(self, sid: str, who: Participant, round_id: str) -> None:
        require_facilitator(who)

        def change(session: Session) -> None:
            rounds.check_open(session)
            rnd = _round(session, round_id)
            if rnd.state != "planned":
                raise WrongPhase(f"the round is {rnd.state}; only planned rounds can be deleted")
            session.rounds.remove(rnd)

        await self._after(await self._change(sid, change))

    # The timer and the phases of a round

    async def round_action(self, sid: str, who: Participant, round_id: str, action: str,
                           seconds: int | None = None) -> Round:
        require_facilitator(who)
        if action == "reveal":
            return await self.reveal(sid, round_id)
        participant_ids: list[str] = []
        if action == "start":
            participant_ids = [p.id for p in await self.participants(sid)
                               if p.role == PARTICIPANT]
        now = self.clock.now_ms()

        def change(session: Session) -> None:
            rnd = _round(session, round_id)
            if action == "start":
                rounds.start(session, rnd, now, participant_ids)
            elif action == "pause":
                rounds.pause(session, rnd, now)
            elif action == "resume":
                rounds.resume(session, rnd, now)
            elif action == "extend":
                assert seconds is not None
                rounds.extend(session, rnd, seconds)
            elif action == "end":
                rounds.end(session, rnd, now)
            else:
                raise NotFound(f"unknown round action {action!r}")

        session = await self._change(sid, change)
        rnd = _round(session, round_id)
        if action == "start" and rnd.kind == "brainwrite":
            await self._pass_sheets(session, rnd)
        if action == "end":
            session = await self._round_ended(session, rnd)
        await self._after(session)
        return _round(session, round_id)

    async def _on_deadline(self, sid: str, round_id: str, deadline: int) -> None:
        self._timers.pop(sid, None)
        try:
            # Every process has this timer; the lease lets one of them do the work. The
            # transition below is idempotent as well, so a lost lease cannot double it.
            if not await self.broker.acquire_once(f"timer:{sid}:{round_id}:{deadline}",
                                                  TIMER_LEASE_S):
                # Another process holds the lease. Should it die before the transition,
                # try again when the lease has expired (a no-op if the round has ended).
                self._retry_later(sid, round_id, deadline)
                return
            now = self.clock.now_ms()
            outcome: list[rounds.Expiry] = []

            def change(session: Session) -> None:
                outcome.clear()
                rnd = session.round(round_id)
                if rnd is not None:
                    result = rounds.expire(session, rnd, deadline, now)
                    if result is not None:
                        outcome.append(result)

            session = await self._change(sid, change)
            rnd = session.round(round_id)
            if outcome and rnd is not None:
                log.info("round deadline session=%s round=%s outcome=%s", sid, round_id,
                         outcome[0].what)
                if outcome[0].what == "rotated":
                    await self._pass_sheets(session, rnd)
                else:
                    session = await self._round_ended(session, rnd)
            await self._after(session)
        except NotFound:
            return
        except Exception:
            log.exception("round timer failed session=%s round=%s", sid, round_id)

    async def _finish_follow_ups(self, due: list[tuple[str, str]]) -> None:
        """A process that stopped between a round's end and its reveal (or its published
        tallies) left the round ended but unfinished: finish it now, once across processes
        (the lease) and idempotently (revealed rounds are skipped)."""
        for sid, round_id in due:
            try:
                if not await self.broker.acquire_once(f"follow-up:{sid}:{round_id}",
                                                      TIMER_LEASE_S):
                    continue
                session = await self.session(sid)
                rnd = session.round(round_id)
                if rnd is None or not _follow_up_due(rnd):
                    continue
                log.info("finishing an interrupted round end session=%s round=%s", sid, round_id)
                await self._after(await self._round_ended(session, rnd))
            except NotFound:
                continue
            except Exception:
                log.exception("finishing a round end failed session=%s round=%s", sid, round_id)

    def _retry_later(self, sid: str, round_id: str, deadline: int) -> None:
        if self._stopped:
            return
        when = self.clock.now_ms() + int(TIMER_LEASE_S * 1000) + 1

        async def retry() -> None:
            self._retries.discard(timer)
            session = await self.session(sid)
            rnd = session.round(round_id)
            if rnd is not None and rnd.state == "running" and rnd.deadline_ms == deadline:
                await self._on_deadline(sid, round_id, deadline)

        timer = self.clock.call_at(when, retry)
        self._retries.add(timer)

    async def _round_ended(self, session: Session, rnd: Round) -> Session:
        """What follows the end of a round: results published, hidden ideas revealed."""
        if rnd.kind in ("vote", "rate"):
            return await self._publish_results(session.id, rnd.id)
        if rnd.is_hidden and rnd.auto_reveal:
            return await self._reveal(session.id, rnd.id)
        return session

    # Hidden ideas: reveal and moderation

    async def reveal(self, sid: str, round_id: str) -> Round:
        """Facilitator: hidden rounds move their ideas onto the board (ending the round
        first when it still runs); vote and rate rounds open their tallies."""
        session = await self.session(sid)
        rounds.check_open(session)
        rnd = _round(session, round_id)
        if rnd.kind in ("vote", "rate"):
            if rnd.state == "planned":
                raise WrongPhase("the round has not started; there is nothing to open yet")
            session = await self._publish_results(sid, round_id)
        elif rnd.is_hidden:
            if rnd.revealed:
                raise WrongPhase("the round's ideas have already been revealed")
            if rnd.state == "planned":
                raise WrongPhase("the round has not started; there is nothing to reveal")
            if rnd.active:
                now = self.clock.now_ms()
                session = await self._change(sid, lambda s: rounds.end(s, _round(s, round_id), now))
            session = await self._reveal(sid, round_id)
        else:
            raise WrongPhase(f"a {rnd.kind} round has nothing hidden to reveal")
        await self._after(session)
        return _round(session, round_id)

    async def _reveal(self, sid: str, round_id: str) -> Session:
        session = await self.session(sid)
        rnd = _round(session, round_id)
        if rnd.revealed:
            return session
        held = set(rnd.held_back)
        anonymous = session.anonymous or rnd.anonymous
        people = {p.id: p for p in await self.participants(sid)}
        moved: list[dict[str, Any]] = []
        kept_back = 0
        sources: dict[str, list[str]] = {}
        for pid in rnd.sheet_order:
            sources[pid] = []  # brainwriting: everyone's sheet is taken back
        for pid in people:
            for idea in await self._draft_ideas(sid, pid, round_id):
                sources.setdefault(pid, []).append(idea["id"])
                if idea["id"] in held:
                    kept_back += 1
                    continue
                author = people[pid]
                moved.append(_board_idea(idea, round_id, None if anonymous else author))
        moved.sort(key=lambda i: (i.get("created_at") or 0, i["id"]))

        def add(doc: Doc[Any]) -> None:
            for idea in moved:
                docs.put_idea(doc, idea)

        # Board first, then drafts: a crash in between leaves a copy, never a loss.
        await self.documents.apply_server_change(docs.board_name(sid), add)
        for pid, ids in sources.items():
            await self.documents.apply_server_change(docs.drafts_name(sid, pid),
                                                     _clear_drafts(ids))

        def mark(s: Session) -> None:
            r = _round(s, round_id)
            if not r.revealed:
                r.revealed = True
                r.held_back_count = kept_back  # what was really kept from the board
                r.held_back = []

        log.info("round revealed session=%s round=%s ideas=%d held_back=%d", sid, round_id,
                 len(moved), kept_back)
        return await self._change(sid, mark)

    async def hidden_ideas(self, sid: str, who: Participant) -> list[dict[str, Any]]:
        """Facilitator: the hidden ideas of the current round that is not revealed yet."""
        require_facilitator(who)
        session = await self.session(sid)
        rnd = session.current_round
        if rnd is None or not rnd.is_hidden or rnd.revealed:
            return []
        held = set(rnd.held_back)
        # In anonymous rounds the facilitator moderates what was said, not who said it.
        anonymous = session.anonymous or rnd.anonymous
        out = []
        for p in await self.participants(sid):
            for idea in await self._draft_ideas(sid, p.id, rnd.id):
                out.append({**_board_idea(idea, rnd.id, None if anonymous else p),
                            "held_back": idea["id"] in held})
        out.sort(key=lambda i: (i.get("created_at") or 0, i["id"]))
        return out

    async def hold_back(self, sid: str, who: Participant, idea_id: str, held: bool) -> None:
        require_facilitator(who)
        session = await self.session(sid)
        rnd = session.current_round
        if rnd is None or not rnd.is_hidden or rnd.revealed:
            raise WrongPhase("ideas can be held back only in a hidden round before reveal")
        hidden = {i["id"] for i in await self.hidden_ideas(sid, who)}
        if idea_id not in hidden and not (not held and idea_id in rnd.held_back):
            raise NotFound("no such hidden idea in the current round")
        round_id = rnd.id

        def change(s: Session) -> None:
            r = _round(s, round_id)
            if r.revealed:
                raise WrongPhase("the round's ideas have already been revealed")
            if held and idea_id not in r.held_back:
                r.held_back.append(idea_id)
            if not held and idea_id in r.held_back:
                r.held_back.remove(idea_id)

        await self._after(await self._change(sid, change))

    async def _draft_ideas(self, sid: str, pid: str, round_id: str) -> list[dict[str, Any]]:
        ideas = await self.documents.read(docs.drafts_name(sid, pid), docs.read_ideas)
        return [i for i in ideas if i.get("round_id") == round_id]

    # Brainwriting

    async def _pass_sheets(self, session: Session, rnd: Round) -> None:
        """Hand every sheet to its holder for this rotation, with what is on it so far."""
        if not rnd.sheet_order:
            return
        on_sheet: dict[str, list[dict[str, Any]]] = {sheet: [] for sheet in rnd.sheet_ids}
        for pid in rnd.sheet_order:
            for idea in await self._draft_ideas(session.id, pid, rnd.id):
                if idea.get("sheet_id") in on_sheet:
                    on_sheet[idea["sheet_id"]].append(idea)
        for index, sheet_id in enumerate(rnd.sheet_ids):
            ideas = sorted(on_sheet[sheet_id], key=lambda i: (i.get("created_at") or 0, i["id"]))
            sheet = {
                "id": sheet_id, "round_id": rnd.id, "rotation": rnd.rotation,
                "rotations": rnd.rotations or 0, "ideas_per_sheet": rnd.ideas_per_sheet,
                "ideas": [{"id": i["id"], "text": i["text"]} for i in ideas],
            }
            holder = rounds.sheet_holder(rnd, index)
            await self.documents.apply_server_change(docs.drafts_name(session.id, holder),
                                                     _hand_sheet(sheet))

    # Ideas through the API

    async def add_idea(self, sid: str, who: Participant, fields: dict[str, Any]) -> dict[str, Any]:
        require_contributor(who)
        session = await self.session(sid)
        rounds.check_open(session)
        if session.locked and who.role != FACILITATOR:
            raise WrongPhase("the board is locked by the facilitator", "locked")
        rnd = None
        if fields["round_id"] is not None:
            rnd = _round(session, fields["round_id"])
            if not rnd.active:
                raise WrongPhase(f"round {rnd.id} is {rnd.state}; ideas go to a running round")
        elif session.active_round is not None:
            rnd = session.active_round
        if rnd is not None and rnd.kind not in IDEA_KINDS:
            raise WrongPhase(f"a {rnd.kind} round takes no new ideas")
        anonymous = session.anonymous or (rnd is not None and rnd.anonymous)
        idea = {
            "id": new_id(), "text": fields["text"],
            "author_id": None if anonymous else who.id,
            "author_name": None if anonymous else who.name,
            "round_id": rnd.id if rnd else None, "cluster_id": fields["cluster_id"],
            "color": fields["color"], "created_at": self.clock.now_ms(),
        }
        if rnd is not None and rnd.is_hidden and not rnd.revealed:
            if who.role != PARTICIPANT:
                raise Forbidden("in a hidden round only participants add ideas")
            # Drafts keep the author: the server needs it at reveal, and only the author
            # and facilitators can read drafts.
            idea["author_id"], idea["author_name"] = who.id, who.name
            if rnd.kind == "brainwrite":
                await self._check_sheet_room(sid, who, rnd, idea)
            await self.documents.apply_server_change(
                docs.drafts_name(sid, who.id), lambda doc: docs.put_idea(doc, idea))
            return {**idea, "hidden": True}
        await self.documents.apply_server_change(
            docs.board_name(sid), lambda doc: docs.put_idea(doc, idea))
        return {**idea, "hidden": False}

    async def board_ideas(self, sid: str) -> list[dict[str, Any]]:
        """The ideas on the board (what every member's board connection shows)."""
        ideas = await self.documents.read(docs.board_name(sid), docs.read_ideas)
        ideas.sort(key=lambda i: (i.get("created_at") or 0, i["id"]))
        return ideas

    async def _check_sheet_room(self, sid: str, who: Participant, rnd: Round,
                                idea: dict[str, Any]) -> None:
        sheet_id = rounds.sheet_of(rnd, who.id)
        if sheet_id is None:
            raise Conflict("you joined after this brainwriting round started and hold no sheet",
                           "no_sheet")
        mine = [i for i in await self._draft_ideas(sid, who.id, rnd.id)
                if i.get("sheet_id") == sheet_id]
        if len(mine) >= (rnd.ideas_per_sheet or 3):
            raise Conflict(f"you already wrote {len(mine)} ideas on this sheet, the most "
                           f"allowed in one turn", "sheet_full")
        idea["sheet_id"] = sheet_id

    # Votes and ratings

    async def set_votes(self, sid: str, who: Participant, idea_id: str, count: int
                        ) -> dict[str, Any]:
        require_contributor(who)
        session = await self.session(sid)
        rounds.check_open(session)
        rnd = session.active_round
        if rnd is None or rnd.kind != "vote" or rnd.state != "running":
            raise WrongPhase("votes are taken only while a voting round runs")
        if not await self.documents.read(docs.board_name(sid),
                                         lambda d: docs.idea_exists(d, idea_id)):
            raise NotFound("no such idea on the board")
        budget, cap = vote_budget(session, rnd), max_votes_per_idea(session, rnd)
        if count > cap:
            raise Conflict(f"at most {cap} dots per idea in this round", "max_votes_per_idea")

        def change(record: dict[str, Any] | None) -> dict[str, Any]:
            votes = dict((record or {}).get("votes", {}))
            votes[idea_id] = count
            if count == 0:
                del votes[idea_id]
            used = sum(votes.values())
            if used > budget:
                left = budget - (used - count)
                raise Conflict(f"vote budget spent: {left} of {budget} dots left",
                               "vote_budget_spent")
            return {"votes": votes}

        key = round_member_key(sid, rnd.id, who.id)
        record = await self.store.update_record(VOTES, key, change) or {}
        if rnd.revealed:
            await self._after(await self._publish_results(sid, rnd.id))
        return _my_votes(record.get("votes", {}), budget, cap, rnd.id)

    async def my_votes(self, session: Session, who: Participant) -> dict[str, Any] | None:
        rnd = session.current_round
        if rnd is None or rnd.kind != "vote":
            return None
        record = await self.store.get_record(VOTES, round_member_key(session.id, rnd.id, who.id))
        return _my_votes((record or {}).get("votes", {}), vote_budget(session, rnd),
                         max_votes_per_idea(session, rnd), rnd.id)

    async def set_rating(self, sid: str, who: Participant, idea_id: str, originality: int,
                         feasibility: int) -> dict[str, Any]:
        require_contributor(who)
        session = await self.session(sid)
        rounds.check_open(session)
        rnd = session.active_round
        if rnd is None or rnd.kind != "rate" or rnd.state != "running":
            raise WrongPhase("ratings are taken only while a rating round runs")
        if not await self.documents.read(docs.board_name(sid),
                                         lambda d: docs.idea_exists(d, idea_id)):
            raise NotFound("no such idea on the board")

        def change(record: dict[str, Any] | None) -> dict[str, Any]:
            ratings = dict((record or {}).get("ratings", {}))
            ratings[idea_id] = {"originality": originality, "feasibility": feasibility}
            return {"ratings": ratings}

        key = round_member_key(sid, rnd.id, who.id)
        record = await self.store.update_record(RATINGS, key, change) or {}
        if rnd.revealed:
            await self._after(await self._publish_results(sid, rnd.id))
        return {"round_id": rnd.id, "ratings": record.get("ratings", {})}

    async def my_ratings(self, session: Session, who: Participant) -> dict[str, Any] | None:
        rnd = session.current_round
        if rnd is None or rnd.kind != "rate":
            return None
        record = await self.store.get_record(RATINGS,
                                             round_member_key(session.id, rnd.id, who.id))
        ratings: dict[str, Any] = (record or {}).get("ratings", {})
        return ratings

    async def _publish_results(self, sid: str, round_id: str) -> Session:
        """Tallies (vote) or averages (rate) into the round record, and so the control doc."""
        session = await self.session(sid)
        rnd = _round(session, round_id)
        prefix = f"{sid}/{round_id}/"
        tallies: dict[str, int] | None = None
        averages: dict[str, dict[str, float]] | None = None
        if rnd.kind == "vote":
            tallies = {}
            for record in (await self.store.list_records(VOTES, prefix)).values():
                for idea_id, n in record.get("votes", {}).items():
                    tallies[idea_id] = tallies.get(idea_id, 0) + int(n)
            tallies = {k: v for k, v in sorted(tallies.items()) if v > 0}
        else:
            sums: dict[str, list[int]] = {}
            for record in (await self.store.list_records(RATINGS, prefix)).values():
                for idea_id, r in record.get("ratings", {}).items():
                    s = sums.setdefault(idea_id, [0, 0, 0])
                    s[0] += int(r["originality"])
                    s[1] += int(r["feasibility"])
                    s[2] += 1
            averages = {k: {"originality": round(o / n, 2), "feasibility": round(f / n, 2),
                            "count": n} for k, (o, f, n) in sorted(sums.items())}

        def change(s: Session) -> None:
            r = _round(s, round_id)
            r.revealed = True
            if tallies is not None:
                r.tallies = tallies
            if averages is not None:
                r.ratings = averages

        return await self._change(sid, change)

    # Lock, unlock, end

    async def set_locked(self, sid: str, who: Participant, locked: bool) -> Session:
        require_facilitator(who)

        def change(session: Session) -> None:
            rounds.check_open(session)
            session.locked = locked

        session = await self._change(sid, change)
        await self._after(session)
        return session

    async def end_session(self, sid: str, who: Participant) -> Session:
        require_facilitator(who)
        now = self.clock.now_ms()
        was_active: list[str] = []

        def change(session: Session) -> None:
            rounds.check_open(session)
            was_active.clear()
            rnd = session.active_round
            if rnd is not None:
                rounds.finish(rnd, now)
                was_active.append(rnd.id)
            session.state = "ended"
            session.ended_at = now

        session = await self._change(sid, change)
        for round_id in was_active:
            # As if the round had ended by itself: results published, hidden ideas revealed.
            session = await self._round_ended(session, _round(session, round_id))
        await self._after(session)
        log.info("session ended id=%s", sid)
        return session

    # Access for documents (the edges ask; the rules answer)

    def flags(self, sid: str) -> Flags:
        self._in_use[sid] = time.monotonic()
        return self._flags.get(sid, Flags(False, False, -1))

    async def _reconcile(self) -> None:
        """A safety net for lost events (a Redis blip drops pub/sub messages): re-read
        the sessions whose flags open connections asked for lately."""
        while True:
            await asyncio.sleep(self.reconcile_s)
            now = time.monotonic()
            for sid, used in list(self._in_use.items()):
                if now - used > IN_USE_S:
                    del self._in_use[sid]
                    continue
                try:
                    data = await self.store.get_record(SESSION, sid)
                except Exception:
                    log.warning("reconciling session flags failed id=%s", sid, exc_info=True)
                    continue
                known = self._flags.get(sid)
                if data is not None and (known is None or data.get("version", 0) > known.version):
                    session = Session.from_json(data)
                    self._on_event({"type": "session", "session_id": sid,
                                    "locked": session.locked, "ended": session.ended,
                                    "version": session.version})

    # The control document

    def control_state(self, session: Session) -> dict[str, Any]:
        current = session.current_round
        return {
            "version": session.version,
            "session": {
                "id": session.id, "title": session.title, "goal": session.goal,
                "language": session.language, "anonymous": session.anonymous,
                "vote_budget": session.vote_budget, "state": session.state,
                "locked": session.locked, "started_at": session.started_at,
                "ended_at": session.ended_at,
            },
            # Public too (the page shows a summary button when participants may export).
            "settings": session.settings_json(),
            "agenda": [public_round(r) for r in session.rounds],
            "current_round_id": current.id if current else None,
            "round": public_round(current) if current else None,
            "deadline": current.deadline_ms if current else None,
            "written_at": self.clock.now_ms(),
        }

    async def _write_control(self, session: Session) -> None:
        state = self.control_state(session)
        await self.documents.apply_server_change(
            docs.control_name(session.id), lambda doc: docs.write_control(doc, state))

    # Internals

    async def _change(self, sid: str, change: Callable[[Session], None]) -> Session:
        """One atomic change of a session record; raises what `change` raises."""

        def update(data: dict[str, Any] | None) -> dict[str, Any]:
            if data is None:
                raise NotFound("no such session")
            session = Session.from_json(data)
            change(session)
            session.version += 1
            return session.to_json()

        data = await self.store.update_record(SESSION, sid, update)
        assert data is not None
        session = Session.from_json(data)
        self._remember(session)
        return session

    async def _after(self, session: Session) -> None:
        """Everything that follows a change: timers, control document, other processes."""
        self._arm(session)
        # The event first: other processes should know of a lock before their clients
        # see it in the control document.
        await self.broker.publish_event(EVENTS_CHANNEL, {
            "type": "session", "session_id": session.id, "locked": session.locked,
            "ended": session.ended, "version": session.version,
        })
        await self._write_control(session)

    def _remember(self, session: Session) -> None:
        known = self._flags.get(session.id)
        if known is None or known.version <= session.version:
            self._flags[session.id] = Flags(session.locked, session.ended, session.version)

    def _arm(self, session: Session) -> None:
        if self._stopped:
            return
        rnd = session.active_round
        deadline = rnd.deadline_ms if rnd is not None and rnd.state == "running" else None
        armed = self._timers.get(session.id)
        if armed is not None and armed[0] == deadline:
            return
        if armed is not None:
            armed[1].cancel()
            del self._timers[session.id]
        if rnd is None or deadline is None:
            return
        round_id = rnd.id
        timer = self.clock.call_at(
            deadline, lambda: self._on_deadline(session.id, round_id, deadline))
        self._timers[session.id] = (deadline, timer)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") != "session" or not isinstance(event.get("session_id"), str):
            return
        sid = event["session_id"]
        version = int(event.get("version", 0))
        known = self._flags.get(sid)
        if known is not None and known.version > version:
            return
        ended = bool(event.get("ended"))
        self._flags[sid] = Flags(bool(event.get("locked")), ended, version)
        ended_now = ended and sid not in self._ended_handled
        if ended_now:
            self._ended_handled.add(sid)
        task = asyncio.create_task(self._refresh(sid, ended_now=ended_now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh(self, sid: str, ended_now: bool) -> None:
        """Another process (or this one) changed a session: re-arm, close what must close."""
        try:
            self._arm(await self.session(sid))
            if ended_now:
                for hook in self.on_session_ended:
                    await hook(sid)
        except FacilitationError:
            pass
        except Exception:
            log.exception("refreshing session failed id=%s", sid)


def _follow_up_due(rnd: Round) -> bool:
    """An ended round whose results or hidden ideas should be out but are not."""
    if rnd.state != "ended" or rnd.revealed:
        return False
    return rnd.kind in ("vote", "rate") or (rnd.is_hidden and rnd.auto_reveal)


def _round(session: Session, round_id: str) -> Round:
    rnd = session.round(round_id)
    if rnd is None:
        raise NotFound("no such round in this session")
    return rnd


def _clear_drafts(idea_ids: list[str]) -> Callable[[Doc[Any]], None]:
    def change(doc: Doc[Any]) -> None:
        docs.remove_ideas(doc, idea_ids)
        docs.set_sheet(doc, None)

    return change


def _hand_sheet(sheet: dict[str, Any]) -> Callable[[Doc[Any]], None]:
    return lambda doc: docs.set_sheet(doc, sheet)


def _board_idea(idea: dict[str, Any], round_id: str, author: Participant | None
                ) -> dict[str, Any]:
    return {
        "id": idea["id"], "text": idea["text"],
        "author_id": author.id if author else None,
        "author_name": author.name if author else None,
        "round_id": round_id, "cluster_id": None,
        # Drafts are written by browsers: keep only values the board's readers expect.
        "color": idea["color"] if idea.get("color") in IDEA_COLORS else IDEA_COLORS[0],
        "created_at": _number_or_none(idea.get("created_at")),
    }


def _number_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _my_votes(votes: dict[str, Any], budget: int, cap: int, round_id: str) -> dict[str, Any]:
    mine = {k: int(v) for k, v in votes.items()}
    return {"round_id": round_id, "votes": mine, "budget": budget, "used": sum(mine.values()),
            "left": budget - sum(mine.values()), "max_votes_per_idea": cap}


def public_round(rnd: Round) -> dict[str, Any]:
    """What everyone may know about a round (no held-back ids, no sheet order)."""
    return {
        "id": rnd.id, "kind": rnd.kind, "prompt": rnd.prompt, "duration_s": rnd.duration_s,
        "hidden": rnd.is_hidden, "anonymous": rnd.anonymous, "vote_budget": rnd.vote_budget,
        "max_votes_per_idea": rnd.max_votes_per_idea, "icebreaker": rnd.icebreaker,
        "auto_reveal": rnd.auto_reveal, "rotations": rnd.rotations,
        "ideas_per_sheet": rnd.ideas_per_sheet, "rotation": rnd.rotation,
        "state": rnd.state, "deadline": rnd.deadline_ms, "remaining_ms": rnd.remaining_ms,
        "started_at": rnd.started_at, "ended_at": rnd.ended_at, "paused_ms": rnd.paused_ms,
        "extended_s": rnd.extended_s, "revealed": rnd.revealed,
        "held_back_count": rnd.held_back_count if rnd.revealed else None,
        "tallies": rnd.tallies if rnd.revealed else None,
        "ratings": rnd.ratings if rnd.revealed else None,
    }
