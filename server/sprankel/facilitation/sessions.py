"""Sessions and participants: create, join, authenticate, list; lock and end."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from ..audit import actor
from ..kernel.errors import Forbidden, Unauthorized
from ..kernel.ids import new_id, new_join_code
from ..kernel.tokens import Claims, TokenRefused
from . import rounds
from .agenda import Agenda
from .core import Core
from .errors import SessionEnded
from .model import PARTICIPANT, SESSION, Participant, Session, participant_key
from .roles import FACILITATOR, OBSERVER, require_facilitator
from .versions import Versions

log = logging.getLogger("sprankel.facilitation")

PARTICIPANT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                      "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f")


def _whole(days: float) -> float | None:
    """The server's default as the session keeps it: 30, not 30.0; 0 is none."""
    if days <= 0:
        return None
    return int(days) if float(days).is_integer() else days


class Sessions:
    def __init__(self, core: Core, agenda: Agenda, versions: Versions,
                 default_retention_days: float = 0.0) -> None:
        self.core = core
        self.default_retention_days = default_retention_days
        self.agenda = agenda
        self.versions = versions

    async def create(self, fields: dict[str, Any], account: dict[str, str] | None = None
                     ) -> tuple[Session, Participant, str]:
        """A new session and its facilitator; `account` is the login's reference
        ({iss, sub}, identity/), kept for access only."""
        core = self.core
        now = core.clock.now_ms()
        sid = new_id()
        facilitator = Participant(new_id(), sid, fields["facilitator_name"], FACILITATOR,
                                  PARTICIPANT_COLORS[0], now, account=account)
        session = Session(
            id=sid, title=fields["title"], goal=fields["goal"], language=fields["language"],
            join_code=new_join_code(), facilitator_id=facilitator.id, created_at=now,
            anonymous=fields["anonymous"], vote_budget=fields["vote_budget"],
            allow_observers=fields["allow_observers"],
            participants_can_export=fields["participants_can_export"],
            # The server's default when the session names none, so that the export says
            # when it goes (retention.py deletes it then).
            retention_days=fields["retention_days"] or _whole(self.default_retention_days),
            timezone=fields["timezone"],
        )
        await core.store.put_record(PARTICIPANT, participant_key(sid, facilitator.id),
                                    facilitator.to_json())
        await core.store.put_record(SESSION, sid, session.to_json())
        core.remember(session)
        await core.write_control(session)
        await core.audit.record(sid, "session.created", actor(facilitator), sid,
                                anonymous=session.anonymous)
        log.info("session created id=%s", sid)
        return session, facilitator, self.token_for(facilitator)

    def token_for(self, who: Participant) -> str:
        signer = self.core.signer
        return signer.sign(Claims(who.session_id, who.id, who.role,
                                  signer.expiry(signer.lifetimes.session_ms)))

    async def about(self, sid: str, code: str) -> Session:
        """What the join page shows before anyone joins (the title, whether it ended):
        only to a caller with the right join code."""
        session = await self.core.session(sid)
        if not hmac.compare_digest(code.encode(), session.join_code.encode()):
            raise Forbidden("the join code is not valid for this session", "bad_join_code")
        return session

    async def join(self, sid: str, fields: dict[str, Any],
                   account: dict[str, str] | None = None) -> tuple[Participant, str]:
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
        who = Participant(new_id(), sid, fields["name"], role, color, self.core.clock.now_ms(),
                          account=account)
        await store.put_record(PARTICIPANT, participant_key(sid, who.id), who.to_json())
        await self.core.audit.record(sid, "participant.joined", actor(who), who.id, role=role)
        log.info("participant joined session=%s id=%s role=%s", sid, who.id, role)
        return who, self.token_for(who)

    async def get(self, sid: str) -> Session:
        """The session as the store has it now; raises 404."""
        return await self.core.session(sid)

    async def exists(self, sid: str) -> bool:
        return await self.core.store.get_record(SESSION, sid) is not None

    async def authenticate(self, sid: str, token: str | None) -> tuple[Session, Participant]:
        """The session and the caller a token stands for; raises 401, 403 or 404."""
        if not token:
            raise Unauthorized("no token: send Authorization: Bearer TOKEN")
        claims = self.core.signer.check(token)
        if claims.session_id != sid:
            raise Forbidden("this token belongs to another session")
        session = await self.core.session(sid)
        data = await self.core.store.get_record(PARTICIPANT,
                                                participant_key(sid, claims.participant_id))
        if data is None:
            raise Unauthorized("this token's participant no longer exists")
        who = Participant.from_json(data)
        if who.removed:
            raise Unauthorized("you were removed from this session", "removed")
        expires = self.expires_at(session, who, claims.expires_at)
        if expires is not None and expires <= self.core.signer.now_ms():
            raise TokenRefused("the session has ended and its tokens have expired",
                               "token_expired")
        return session, who

    def expires_at(self, session: Session, who: Participant, token_expiry: int | None
                   ) -> int | None:
        """When the caller's access ends (ms): their token's expiry, and for participants
        and observers the end of the session plus --token-hours-after-end."""
        ends = [token_expiry] if token_expiry is not None else []
        if session.ended_at is not None and who.role != FACILITATOR:
            ends.append(session.ended_at + self.core.signer.lifetimes.after_end_ms)
        return min(ends) if ends else None

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
        if locked and not session.ended:
            await self.versions.take(session.id, "lock")

        def change(s: Session) -> None:
            rounds.check_open(s)
            s.locked = locked

        changed = await self.core.change(session.id, change)
        await self.core.after(changed)
        await self.core.audit.record(session.id, "board.locked" if locked else "board.unlocked",
                                     actor(who), session.id)
        return changed

    async def end(self, session: Session, who: Participant) -> Session:
        require_facilitator(who)
        rounds.check_open(session)
        await self.versions.take(session.id, "end")
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
            await self.core.audit.record(session.id, "round.ended", actor(who), round_id)
            # As if the round had ended by itself: results published, hidden ideas revealed.
            ended = await self.agenda.round_ended(ended, rounds.find(ended, round_id), who)
        await self.core.after(ended)
        await self.core.audit.record(session.id, "session.ended", actor(who), session.id)
        log.info("session ended id=%s", session.id)
        return ended
