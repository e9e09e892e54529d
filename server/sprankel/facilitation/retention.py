"""Deleting a session and everything it owns: at once (the facilitator, the operator's
`sprankel admin delete`) or by the sweep, retention_days after the session ended.

The order matters across processes:

1. the session record goes first: from then on the API answers 404, the WebSocket
   authorizer refuses with 4404 and every engine change finds no session;
2. every process hears a ``deleted`` event: it forgets the session's timer, marks its
   flags ended (no connection writes any more) and drops its rooms of the session's
   documents without writing them back (the hooks in Core.on_session_deleted, set by
   the edge: connections close with 4404 "the session was deleted");
3. the documents (snapshot, update log, the broker's update streams) and every record
   the session owns (ownership.py) are deleted, and the store erases freed space
   (SQLite: a WAL checkpoint, with secure_delete on);
4. a moment later the documents are deleted once more, for an update another process
   had already handed to its store before it heard the event.

The sweep runs every ``sweep_s`` in every process; the broker's lease lets one of them
do it. A session without its own retention_days uses the server's default
(--session-retention-days; 0: kept until deleted by hand).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..audit.trail import SYSTEM, Actor
from ..store import Store
from .core import EVENTS_CHANNEL, Core
from .model import PARTICIPANT, SESSION, Participant, Session
from .ownership import SESSION_RECORDS, session_documents
from .roles import require_facilitator

log = logging.getLogger("sprankel.facilitation")

DAY_MS = 86_400_000
DEFAULT_SWEEP_S = 3600.0
SECOND_PASS_S = 2.0
SWEEP_LEASE = "retention-sweep"


def expires_at(session: Session, default_days: float) -> int | None:
    """When an ended session is due for deletion (ms), or None: open, or kept for good."""
    days = session.retention_days or default_days
    if session.ended_at is None or not days or days <= 0:
        return None
    return session.ended_at + int(days * DAY_MS)


async def delete_records(store: Store, sid: str) -> int:
    """Every record the session owns (ownership.py); returns how many went."""
    count = 0
    for kind, template in SESSION_RECORDS:
        key = template.format(sid=sid)
        if key.endswith("/"):
            for found in await store.list_records(kind, key):
                await store.delete_record(kind, found)
                count += 1
        elif await store.get_record(kind, key) is not None:
            await store.delete_record(kind, key)
            count += 1
    return count


async def _take_session_record(store: Store, sid: str) -> bool:
    """Remove the session record atomically; True for the one caller that removed it, so a
    session is deleted once even when two processes try at the same moment."""
    found = [False]

    def take(data: dict[str, object] | None) -> None:
        found[0] = data is not None  # the change may run again: the last run counts
        return None

    await store.update_record(SESSION, sid, take)
    return found[0]


@dataclass(frozen=True)
class Deleter:
    """Who deleted a session: a facilitator (by participant id), the operator, retention."""

    kind: str  # "facilitator", "operator" or "retention"
    participant_id: str | None = None

    def actor(self) -> Actor:
        if self.kind == "facilitator":
            return Actor(self.participant_id, "facilitator")
        return Actor(None, "operator" if self.kind == "operator" else SYSTEM)

    def __str__(self) -> str:
        return f"by={self.kind}" + (f" participant={self.participant_id}"
                                    if self.participant_id else "")


OPERATOR = Deleter("operator")
RETENTION = Deleter("retention")

# Called once, in the process that deleted the session, after everything is gone (the
# audit trail records it here).
DeletedHook = Callable[[str, Deleter], Awaitable[None]]


class Retention:
    def __init__(self, core: Core, default_days: float = 0.0,
                 sweep_s: float = DEFAULT_SWEEP_S) -> None:
        self.core = core
        self.default_days = default_days
        self.sweep_s = sweep_s
        self.on_deleted: list[DeletedHook] = []

    async def delete(self, session: Session, who: Participant) -> None:
        """Facilitator: delete the session and all it owns, now."""
        require_facilitator(who)
        await self.delete_session(session.id, Deleter("facilitator", who.id))

    async def delete_session(self, sid: str, by: Deleter) -> bool:
        """Delete a session and everything it owns; False when there was no such session."""
        core, store = self.core, self.core.store
        if await store.get_record(SESSION, sid) is None:
            return False
        people = list(await store.list_records(PARTICIPANT, f"{sid}/"))
        pids = [key.split("/", 1)[1] for key in people]
        if not await _take_session_record(store, sid):
            return False  # another process (a sweep, a facilitator) deleted it just now
        # Recorded while the trail still exists: the store's copy goes with the session,
        # the operator's sink keeps the line.
        await core.audit.record(sid, "session.deleted", by.actor(), sid)
        await core.forget(sid)
        await core.broker.publish_event(EVENTS_CHANNEL, {"type": "deleted", "session_id": sid})
        names = session_documents(sid, pids)
        await self._delete_documents(names)
        records = await delete_records(store, sid)
        await store.erase_freed()
        forget: list[Callable[[], None]] = []

        async def second_pass() -> None:
            await self._delete_documents(names, erase=True)
            for done in forget:
                done()

        forget.append(core.call_at(core.clock.now_ms() + int(SECOND_PASS_S * 1000),
                                   second_pass))
        log.info("session deleted id=%s documents=%d records=%d %s", sid, len(names),
                 records + 1, by)
        for hook in self.on_deleted:
            await hook(sid, by)
        return True

    async def _delete_documents(self, names: list[str], erase: bool = False) -> None:
        for name in names:
            await self.core.store.delete(name)
            await self.core.broker.forget(name)
        if erase:
            await self.core.store.erase_freed()

    async def expired(self) -> list[Session]:
        """Ended sessions whose retention period is over."""
        now = self.core.clock.now_ms()
        out = []
        for data in (await self.core.store.list_records(SESSION)).values():
            session = Session.from_json(data)
            due = expires_at(session, self.default_days)
            if due is not None and due <= now:
                out.append(session)
        return out

    async def sweep(self) -> list[str]:
        """Delete every session past its retention period; the ids deleted."""
        deleted = []
        for session in await self.expired():
            if await self.delete_session(session.id, RETENTION):
                deleted.append(session.id)
        return deleted

    async def run_sweeps(self) -> None:
        """Every sweep_s, in one process at a time (the broker's lease)."""
        while True:
            await asyncio.sleep(self.sweep_s)
            try:
                if await self.core.broker.acquire_once(SWEEP_LEASE, self.sweep_s * 0.9):
                    await self.sweep()
            except Exception:
                log.exception("retention sweep failed")
