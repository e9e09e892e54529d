"""The core of the facilitation engine: its collaborators, the atomic change of a session
record and what follows every change (timers, the event to other processes, the control
document), the flags open connections ask for, and the events of other processes.

The sections (sessions.py, agenda.py, hidden.py, ideas.py, votes.py) each get the core
and decide their rules on top of it; engine.py puts them together.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pycrdt import Doc

from .. import status
from ..audit import AuditTrail
from ..audit.trail import Sink
from ..broker import Broker, Subscription
from ..kernel.clock import Cancel, Clock, SystemClock
from ..kernel.errors import AppError, NotFound
from ..kernel.tokens import TokenSigner
from ..store import Store
from ..sync.access import Access
from . import documents as docs
from .control import control_state
from .model import PARTICIPANT, SESSION, Participant, Round, Session
from .roles import FACILITATOR

log = logging.getLogger("sprankel.facilitation")

T = TypeVar("T")

EVENTS_CHANNEL = "sprankel:facilitation"
RECONCILE_S = 5.0  # how often flags of sessions in use are re-read from the store
IN_USE_S = 60.0
# At start, the control documents of sessions with a round running, or a round or the
# session ended this recently, are checked against their records (a process that died
# between a change and its control write). Older sessions are not loaded for it.
RECENT_END_MS = 3_600_000


class Documents(Protocol):
    """What the engine needs of the sync layer (RoomManager provides it)."""

    async def read(self, name: str, fn: Callable[[Doc[Any]], T]) -> T: ...

    async def apply_server_change(self, name: str, change: Callable[[Doc[Any]], None]) -> None: ...

    async def close_connections(self, prefix: str, code: int, reason: str) -> None: ...

    async def publish_server_state(self, name: str, state: dict[str, Any]) -> None: ...

    @property
    def stopping(self) -> bool:
        """True once the process shuts down: documents can no longer be changed."""
        ...

    @property
    def open_rooms(self) -> list[str]: ...
    async def close_where(self, prefix: str, match: Callable[[Access], bool], code: int,
                          reason: str) -> int: ...


@dataclass(frozen=True)
class Flags:
    """What open connections need to know at once: is the session locked or ended, and
    may participants write their drafts (only while a hidden round runs: once it ends,
    what the facilitator reviews is exactly what reveal publishes)."""

    locked: bool
    ended: bool
    version: int
    drafts_open: bool = False


def drafts_open(session: Session) -> bool:
    rnd = session.active_round
    return rnd is not None and rnd.is_hidden and not rnd.revealed


def session_event(session: Session) -> dict[str, Any]:
    """What other processes (and this one) learn of a change: the flags and a version."""
    return {"type": "session", "session_id": session.id, "locked": session.locked,
            "ended": session.ended, "version": session.version,
            "drafts_open": drafts_open(session)}


def participant_event(sid: str, pid: str, change: str) -> dict[str, Any]:
    """A participant was removed ("removed") or their role changed ("role"): every
    process closes that participant's connections to the session's documents."""
    return {"type": "participant", "session_id": sid, "participant_id": pid,
            "change": change}


# What a participant's open connections are closed with, by the change.
_PARTICIPANT_CLOSE = {
    "removed": (status.CLOSE_FORBIDDEN, "you were removed from this session"),
    "role": (status.CLOSE_ACCESS_CHANGED, "your role changed: reconnect"),
    "expired": (status.CLOSE_UNAUTHORIZED, "the session has ended and its tokens expired"),
}


DeadlineHandler = Callable[[str, str, int], Awaitable[None]]


class Core:
    def __init__(self, store: Store, broker: Broker, documents: Documents, signer: TokenSigner,
                 clock: Clock | None = None, reconcile_s: float = RECONCILE_S,
                 audit_sink: Sink | None = None) -> None:
        self.store = store
        self.reconcile_s = reconcile_s
        self.broker = broker
        self.documents = documents
        self.signer = signer
        self.clock: Clock = clock or SystemClock()
        # Every action with consequences is recorded here (audit/trail.py).
        self.audit = AuditTrail(store, self.clock, audit_sink)
        # What a running round's deadline calls (the agenda sets it: Agenda.on_deadline).
        self.on_deadline: DeadlineHandler | None = None
        self.on_session_ended: list[Callable[[str], Awaitable[None]]] = []
        # What a deleted session's open documents need (the edge drops its rooms).
        self.on_session_deleted: list[Callable[[str], Awaitable[None]]] = []
        self._deleted: set[str] = set()
        self._flags: dict[str, Flags] = {}
        self._timers: dict[str, tuple[int, Cancel]] = {}  # session id -> (deadline, timer)
        self._events: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False
        self._ended_handled: set[str] = set()  # sessions whose end hooks ran here
        self._retries: set[Cancel] = set()
        self._in_use: dict[str, float] = {}  # session id -> when its flags were last asked

    # Lifecycle

    async def start(self) -> list[Session]:
        """Listen to the other processes and re-arm the timers of running rounds;
        returns the sessions in the store, as they were read."""
        self._events = await self.broker.subscribe_events(EVENTS_CHANNEL, self._on_event)
        self.spawn(self._reconcile(), "reconcile session flags")
        sessions = [Session.from_json(d) for d in (await self.store.list_records(SESSION)).values()]
        for session in sessions:
            self.remember(session)
            self.arm(session)
        now = self.clock.now_ms()
        recent = [s for s in sessions if _in_use_lately(s, now - RECENT_END_MS)]
        if recent:
            self.spawn(self._catch_up_controls(recent), "catch up control documents")
        return sessions

    async def _catch_up_controls(self, sessions: list[Session]) -> None:
        """A process that stopped (or was killed) between a change of a record and the
        write of its control document left the document behind the record, and nothing
        else would rewrite it: clients would see a round running that ended. Rewrite each
        control document whose version is older than its record's."""
        for session in sessions:
            try:
                written = await self.documents.read(
                    docs.control_name(session.id), lambda doc: docs.read_control(doc))
                version = written.get("version")
                if isinstance(version, (int, float)) and version >= session.version:
                    continue
                current = await self.session(session.id)  # it may have changed since
                log.info("control document behind its record session=%s version=%s/%d",
                         session.id, version, current.version)
                await self.write_control(current)
            except NotFound:
                continue
            except Exception:
                log.exception("catching up a control document failed session=%s", session.id)

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

    @property
    def stopped(self) -> bool:
        return self._stopped

    def spawn(self, work: Coroutine[Any, Any, None], name: str | None = None) -> None:
        """Run `work` in the background until it ends or the core stops."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def call_at(self, when_ms: int, work: Callable[[], Awaitable[None]]) -> Callable[[], None]:
        """A timer cancelled when the core stops; returns what forgets it once it ran."""
        timer = self.clock.call_at(when_ms, work)
        self._retries.add(timer)
        return lambda: self._retries.discard(timer)

    # Reading records

    async def session(self, sid: str) -> Session:
        data = await self.store.get_record(SESSION, sid)
        if data is None:
            raise NotFound("no such session")
        session = Session.from_json(data)
        self.remember(session)
        return session

    async def participants(self, sid: str) -> list[Participant]:
        records = await self.store.list_records(PARTICIPANT, f"{sid}/")
        people = [Participant.from_json(d) for d in records.values()]
        people.sort(key=lambda p: (p.joined_at, p.id))
        return people

    # Changing a session

    async def change(self, sid: str, change: Callable[[Session], None]) -> Session:
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
        self.remember(session)
        return session

    async def after(self, session: Session) -> None:
        """Everything that follows a change: timers, control document, other processes."""
        self.arm(session)
        # The event first: other processes should know of a lock before their clients
        # see it in the control document.
        await self.broker.publish_event(EVENTS_CHANNEL, session_event(session))
        await self.write_control(session)

    async def write_control(self, session: Session) -> None:
        state = control_state(session, self.clock.now_ms())
        await self.documents.apply_server_change(
            docs.control_name(session.id), lambda doc: docs.write_control(doc, state))

    def remember(self, session: Session) -> None:
        known = self._flags.get(session.id)
        if known is None or known.version <= session.version:
            self._flags[session.id] = Flags(session.locked, session.ended, session.version,
                                            drafts_open(session))

    def arm(self, session: Session) -> None:
        """Keep one timer per session, on the deadline of its running round."""
        if self._stopped:
            return
        known = self._flags.get(session.id)
        if known is not None and session.version < known.version:
            # A read that a newer change overtook (an event's re-read, slow in a busy store):
            # arming from it would cancel the running round's timer.
            return
        rnd: Round | None = session.active_round
        deadline = rnd.deadline_ms if rnd is not None and rnd.state == "running" else None
        armed = self._timers.get(session.id)
        if armed is not None and armed[0] == deadline:
            return
        if armed is not None:
            armed[1].cancel()
            del self._timers[session.id]
        if rnd is None or deadline is None or self.on_deadline is None:
            return
        round_id, on_deadline = rnd.id, self.on_deadline
        timer = self.clock.call_at(deadline, lambda: on_deadline(session.id, round_id, deadline))
        self._timers[session.id] = (deadline, timer)

    @property
    def running_rounds(self) -> int:
        """Sessions with a running round's timer armed here (every process arms them all)."""
        return len(self._timers)

    def timer_fired(self, sid: str) -> None:
        """The deadline handler's first step: the session's timer is spent."""
        self._timers.pop(sid, None)

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
                    self._on_event(session_event(Session.from_json(data)))

    async def forget(self, sid: str) -> None:
        """The session was deleted: no timer, no writes on open connections, and its open
        documents dropped (once per process; the event of the deletion calls it too)."""
        if sid in self._deleted:
            return
        self._deleted.add(sid)
        armed = self._timers.pop(sid, None)
        if armed is not None:
            armed[1].cancel()
        self._flags[sid] = Flags(True, True, 2**62)
        for hook in self.on_session_deleted:
            try:
                await hook(sid)
            except Exception:
                log.exception("dropping a deleted session's documents failed id=%s", sid)

    # Events of other processes (and of this one)

    def _on_event(self, event: dict[str, Any]) -> None:
        if not isinstance(event.get("session_id"), str):
            return
        if event.get("type") == "deleted":
            self.spawn(self.forget(event["session_id"]))
            return
        if event.get("type") == "participant":
            self.spawn(self._close_participant(event))
            return
        if event.get("type") != "session":
            return
        sid = event["session_id"]
        version = int(event.get("version", 0))
        known = self._flags.get(sid)
        if known is not None and known.version > version:
            return
        ended = bool(event.get("ended"))
        self._flags[sid] = Flags(bool(event.get("locked")), ended, version,
                                 bool(event.get("drafts_open")))
        ended_now = ended and sid not in self._ended_handled
        if ended_now:
            self._ended_handled.add(sid)
        self.spawn(self._refresh(sid, ended_now=ended_now))

    async def _close_participant(self, event: dict[str, Any]) -> None:
        sid, pid = event.get("session_id"), event.get("participant_id")
        close = _PARTICIPANT_CLOSE.get(str(event.get("change")))
        if not isinstance(sid, str) or not isinstance(pid, str) or close is None:
            return
        closed = await self.documents.close_where(
            docs.session_prefix(sid), lambda access: access.user.get("id") == pid, *close)
        if closed:
            log.info("participant connections closed session=%s id=%s change=%s count=%d",
                     sid, pid, event.get("change"), closed)

    async def close_guests_after_end(self, sid: str, ended_at: int) -> None:
        """When a session's non-facilitator tokens expire (some hours after its end),
        close the connections of participants and observers that are still open here."""
        when = ended_at + self.signer.lifetimes.after_end_ms

        async def close() -> None:
            forget()
            await self.documents.close_where(
                docs.session_prefix(sid), lambda access: access.user.get("role") != FACILITATOR,
                *_PARTICIPANT_CLOSE["expired"])

        forget = self.call_at(when, close)

    async def _refresh(self, sid: str, ended_now: bool) -> None:
        """Another process (or this one) changed a session: re-arm, close what must close."""
        try:
            session = await self.session(sid)
            self.arm(session)
            if ended_now and session.ended_at is not None:
                await self.close_guests_after_end(sid, session.ended_at)
            if ended_now:
                for hook in self.on_session_ended:
                    await hook(sid)
        except AppError:
            pass
        except Exception:
            log.exception("refreshing session failed id=%s", sid)


def _in_use_lately(session: Session, since_ms: int) -> bool:
    if session.active_round is not None:
        return True
    current = session.current_round
    ended = max(session.ended_at or 0, (current.ended_at or 0) if current else 0)
    return ended > since_ms
