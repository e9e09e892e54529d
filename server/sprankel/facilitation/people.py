"""Who is in a session: removing a participant, and co-facilitators.

A removed participant's record stays (with `removed_at`), so the ideas they wrote keep
their author and the export its counts; their token stops working at once (the record
is read on every request), and every process closes their open connections with 4403
through the broker's events (core.py). Making someone a co-facilitator changes the
role in their record: their token already carries them to the facilitator's endpoints,
and their connections are closed with 4000 so that they reconnect with the new rights.
The session's creator (`facilitator_id`) can be neither removed nor demoted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..audit.trail import actor
from ..kernel.errors import Conflict, Forbidden, NotFound
from .core import EVENTS_CHANNEL, Core, participant_event
from .model import PARTICIPANT, Participant, Session, participant_key
from .roles import FACILITATOR, require_facilitator
from .roles import PARTICIPANT as PARTICIPANT_ROLE

log = logging.getLogger("sprankel.facilitation")

# What is told of a removal (an audit trail): the session, who removed, who was removed.
RemovalHook = Callable[[Session, Participant, Participant], Awaitable[None]]


class People:
    def __init__(self, core: Core) -> None:
        self.core = core
        # Called after a participant was removed: (session, by whom, who was removed).
        self.on_removed: list[RemovalHook] = []

    async def remove(self, session: Session, by: Participant, pid: str) -> Participant:
        """Remove a participant (facilitator); 404 unknown, 403 the creator or oneself."""
        require_facilitator(by)
        if pid == session.facilitator_id:
            raise Forbidden("the session's own facilitator cannot be removed")
        if pid == by.id:
            raise Forbidden("you cannot remove yourself")
        now = self.core.clock.now_ms()
        newly: list[bool] = []

        def change(data: dict[str, Any] | None) -> dict[str, Any]:
            if data is None:
                raise NotFound("no such participant in this session")
            # Removing twice keeps the first time (the request is idempotent).
            newly[:] = [not data.get("removed_at")]
            return {**data, "removed_at": data.get("removed_at") or now}

        data = await self.core.store.update_record(PARTICIPANT, participant_key(session.id, pid),
                                                   change)
        assert data is not None
        removed = Participant.from_json(data)
        await self.core.broker.publish_event(
            EVENTS_CHANNEL, participant_event(session.id, pid, "removed"))
        if newly == [True]:
            log.info("participant removed session=%s id=%s by=%s", session.id, pid, by.id)
            await self.core.audit.record(session.id, "participant.removed", actor(by), pid)
            for hook in self.on_removed:
                await hook(session, by, removed)
        return removed

    async def set_facilitator(self, session: Session, by: Participant, pid: str,
                              facilitates: bool) -> Participant:
        """Make a participant a co-facilitator, or undo it (facilitator)."""
        require_facilitator(by)
        if pid == session.facilitator_id:
            raise Forbidden("the session's own facilitator always facilitates")
        role = FACILITATOR if facilitates else PARTICIPANT_ROLE

        def change(data: dict[str, Any] | None) -> dict[str, Any]:
            if data is None or data.get("removed_at"):
                raise NotFound("no such participant in this session")
            if data.get("role") not in (PARTICIPANT_ROLE, FACILITATOR):
                raise Conflict("an observer cannot facilitate: they join again as a "
                               "participant first")
            return {**data, "role": role}

        data = await self.core.store.update_record(PARTICIPANT, participant_key(session.id, pid),
                                                   change)
        assert data is not None
        await self.core.broker.publish_event(
            EVENTS_CHANNEL, participant_event(session.id, pid, "role"))
        log.info("participant role session=%s id=%s role=%s by=%s", session.id, pid, role,
                 by.id)
        return Participant.from_json(data)
