"""Sessions and participants: create, join, authenticate, list; lock and end."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from ..kernel.errors import Forbidden, Unauthorized
from ..kernel.ids import new_id, new_join_code
from ..kernel.tokens import Claims
from . import rounds
from .agenda import Agenda
from .core import Core
from .errors import SessionEnded
from .model import PARTICIPANT, SESSION, Participant, Session, participant_key
from .roles import FACILITATOR, OBSERVER, require_facilitator

log = logging.getLogger("sprankel.facilitation")

PARTICIPANT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                      "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f")


class Sessions:
    def __init__(self, core: Core, agenda: Agenda) -> None:
        self.core = core
        self.agenda = agenda

    async def create(self, fields: dict[str, Any]) -> tuple[Session, Participant, str]:
        core = self.core
        now = core.clock.now_ms()
        sid = new_id()
        facilitator = Participant(new_id(), sid, fields["facilitator_name"], FACILITATOR,
                                  PARTICIPANT_COLORS[0], now)
        session = Session(
            id=sid, title=fields["title"], goal=fields["goal"], language=fields["language"],
            join_code=new_join_code(), facilitator_id=facilitator.id, created_at=now,
            anonymous=fields["anonymous"], vote_budget=fields["vote_budget"],
            allow_observers=fields["allow_observers"],
            participants_can_export=fields["participants_can_export"],
            retention_days=fields["retention_days"], timezone=fields["timezone"],
        )
        await core.store.put_record(PARTICIPANT, participant_key(sid, facilitator.id),
                                    facilitator.to_json())
        await core.store.put_record(SESSION, sid, session.to_json())
        core.remember(session)
        await core.write_control(session)
        log.info("session created id=%s", sid)
        return session, facilitator, self.token_for(facilitator)

    def token_for(self, who: Participant) -> str:
        return self.core.signer.sign(Claims(who.session_id, who.id, who.role))

    async def about(self, sid: str, code: str) -> Session:
        """What the join page shows before anyone joins (the title, whether it ended):
        only to a caller with the right join code."""
        session = await self.core.session(sid)
        if not hmac.compare_digest(code.encode(), session.join_code.encode()):
            raise Forbidden("the join code is not valid for this session", "bad_join_code")
        return session

    async def join(self, sid: str, fields: dict[str, Any]) -> tuple[Participant, str]:
        # By id: joining is how a caller gets a token, so no one has authenticated yet.
        session = await self.core.session(sid)
        if session.ended:
            raise SessionEnded("the session has ended; its join link no longer works")
        if not hmac.compare_digest(fields["join_code"].encode(), session.join_code.encode()):
            # Session ids are not secret (they are in every link), the code is: compare it
            # in constant time, and say plainly that the code is wrong.
            raise Forbidden("the join code is not valid for this session", "bad_join_code")
        role = fields["role"]
        if role == OBSERVER and not session.allow_observers:
            raise Forbidden("this session does not allow observers")
        store = self.core.store
        existing = await store.list_records(PARTICIPANT, f"{sid}/")
        color = PARTICIPANT_COLORS[len(existing) % len(PARTICIPANT_COLORS)]
        who = Participant(new_id(), sid, fields["name"], role, color, self.core.clock.now_ms())
        await store.put_record(PARTICIPANT, participant_key(sid, who.id), who.to_json())
        log.info("participant joined session=%s id=%s role=%s", sid, who.id, role)
        return who, self.token_for(who)

    async def get(self, sid: str) -> Session:
        """The session as the store has it now; raises 404."""
        return await self.core.session(sid)

    async def exists(self, sid: str) -> bool:
        return await self.core.store.get_record(SESSION, sid) is not None

    async def authenticate(self, sid: str, token: str | None) -> tuple[Session, Participant]:
        """The session and the caller a token stands for; raises 401, 403 or 404."""
        claims = self.core.signer.verify(token or "")
        if claims is None:
            raise Unauthorized("a valid token is required (Authorization: Bearer TOKEN)"
                               if token else "no token: send Authorization: Bearer TOKEN")
        if claims.session_id != sid:
            raise Forbidden("this token belongs to another session")
        session = await self.core.session(sid)
        data = await self.core.store.get_record(PARTICIPANT,
                                                participant_key(sid, claims.participant_id))
        if data is None:
            raise Unauthorized("this token's participant no longer exists")
        return session, Participant.from_json(data)

    async def participants(self, session: Session) -> list[Participant]:
        """Everyone who joined, in the order they joined."""
        return await self.core.participants(session.id)

    async def change_settings(self, session: Session, who: Participant,
                              fields: dict[str, Any]) -> Session:
        """Facilitator: the settings that may change after creation (the time zone)."""
        require_facilitator(who)

        def change(s: Session) -> None:
            rounds.check_open(s)
            for name, value in fields.items():
                setattr(s, name, value)

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        return changed

    # Lock, unlock, end

    async def set_locked(self, session: Session, who: Participant, locked: bool) -> Session:
        require_facilitator(who)

        def change(s: Session) -> None:
            rounds.check_open(s)
            s.locked = locked

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        return changed

    async def end(self, session: Session, who: Participant) -> Session:
        require_facilitator(who)
        now = self.core.clock.now_ms()
        was_active: list[str] = []

        def change(s: Session) -> None:
            rounds.check_open(s)
            was_active.clear()
            rnd = s.active_round
            if rnd is not None:
                rounds.finish(rnd, now)
                was_active.append(rnd.id)
            s.state = "ended"
            s.ended_at = now

        ended = await self.core.change(session.id, change)
        for round_id in was_active:
            # As if the round had ended by itself: results published, hidden ideas revealed.
            ended = await self.agenda.round_ended(ended, rounds.find(ended, round_id))
        await self.core.after(ended)
        log.info("session ended id=%s", session.id)
        return ended
